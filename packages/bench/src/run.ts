import { convCheck, convData } from './conv.js';
import { chainData, checksum, matmulData, mlpData } from './data.js';
import { bilinearData, bilinearKey, solveData } from './linalg.js';
import type { Library } from './libs/library.js';
import type { CaseResult, ChildResult, LibId, RunConfig } from './protocol.js';
import { measure, OverBudget, type MeasureOptions } from './timing.js';

/**
 * The other libraries' adapters, built into peers/dist/ next to peers/node_modules (installed by
 * `pnpm bench`, not by the workspace): Node finds tfjs and jax-js from there, tapegrad's packages one
 * level up in the bench's own node_modules. (From dist/child.js; tests never load a peer.)
 */
const peer = (name: 'tfjs' | 'jaxjs'): string => new URL(`../peers/dist/${name}.js`, import.meta.url).href;

/** Builds the library a column measures (imported lazily, so a child loads only its own library). */
export async function loadLibrary(lib: LibId): Promise<Library> {
  switch (lib) {
    case 'tapegrad': {
      const { tapegrad } = await import('./libs/tapegrad.js');
      const { createRequire } = await import('node:module');
      const pkg = createRequire(import.meta.url)('@tapegrad/core/package.json') as { version: string };
      return tapegrad(pkg.version);
    }
    case 'tapegrad-fma':
      return fusedOnly(await loadLibrary('tapegrad'));
    case 'tfjs-cpu':
    case 'tfjs-wasm': {
      const { tfjs } = (await import(peer('tfjs'))) as { tfjs(backend: 'cpu' | 'wasm'): Promise<Library> };
      return tfjs(lib === 'tfjs-cpu' ? 'cpu' : 'wasm');
    }
    case 'jax-js':
    case 'jax-js-jit': {
      const { jaxjs } = (await import(peer('jaxjs'))) as { jaxjs(mode: 'eager' | 'jit'): Promise<Library> };
      return jaxjs(lib === 'jax-js' ? 'eager' : 'jit');
    }
    case 'pytorch':
      throw new Error('pytorch runs in a Python process of its own: see runPytorch in libs/pytorch.ts');
  }
}

/**
 * tapegrad's fused-gemm column: one thread, W1, W2 and W5 only (the rest would repeat tapegrad's own
 * column), and every case skipped with the reason when the engine has no relaxed SIMD.
 */
function fusedOnly(t: Library): Library {
  const relaxed = t.info.relaxedSimd === 'true';
  const why = relaxed ? 'tapegrad-fma runs W1, W2 and W5 only (the gemm-bound workloads); the rest is the tapegrad column' : 'this engine has no relaxed SIMD, so there is no fused gemm to measure';
  const skip = (): string => why;
  t.setThreads?.(1);
  const gemm = <F>(f: F): F | (() => string) => (relaxed ? f : skip);
  return {
    info: { ...t.info, threads: '1' },
    matmul: gemm(t.matmul.bind(t)) as Library['matmul'],
    mlpStep: gemm(t.mlpStep.bind(t)) as Library['mlpStep'],
    conv: gemm(t.conv.bind(t)) as Library['conv'],
    chainGrad: skip, digits: skip, solve: skip, cholesky: skip, bilinear: skip,
  };
}

const firstCallNote = (seconds: number, budget: number): string =>
  `the first call took ${seconds.toPrecision(3)} s, over half the budget of ${budget} s a case: the figure is that one call (not warmed up)`;

const message = (e: unknown): string => (e instanceof Error ? `${e.name}: ${e.message}` : String(e));

/**
 * Runs one case: sets it up, makes the first call (whose result is checked and whose time, compile
 * included, is kept as `firstCallSeconds`), then times it. A setup that returns a string is a skip;
 * anything thrown is recorded, and the other cases still run.
 */
async function runCase<T>(
  key: string,
  cfg: RunConfig,
  dataChecksum: number,
  setup: () => (() => T) | string,
  toCheck: (first: T) => number[],
  timing: MeasureOptions = { ...cfg, budget: cfg.caseBudget },
): Promise<CaseResult> {
  const result: CaseResult = { key, checksum: dataChecksum };
  try {
    const run = setup();
    if (typeof run === 'string') return { ...result, skipped: run };
    const t0 = performance.now();
    const first = run();
    const firstSeconds = (performance.now() - t0) / 1000;
    result.extra = { firstCallSeconds: firstSeconds };
    result.check = toCheck(first);
    if (timing.budget !== undefined && firstSeconds > timing.budget / 2) {
      // a call this slow (tfjs-cpu's W5: minutes) is not warmed up and repeated: its one call is the figure
      result.time = { median: firstSeconds, min: firstSeconds, reps: 1, inner: 1 };
      result.extra.overBudget = 1;
      result.extra.coldCall = 1; // compile and warm-up included: no steady-state figure to judge a target by
      result.note = firstCallNote(firstSeconds, timing.budget);
      return result;
    }
    // A pause before timing: lets worker threads the first call spawned come up (tapegrad's pool
    // joins them only once they are ready) and any background work settle.
    await new Promise((resolve) => setTimeout(resolve, cfg.minRepMs > 0 ? 300 : 0));
    result.time = measure(run, timing);
  } catch (e) {
    if (e instanceof OverBudget) {
      result.time = e.warmups;
      result.extra = { ...result.extra, overBudget: 1 };
      result.note = e.message;
    }
    else result.error = message(e);
  }
  return result;
}

/** Runs the configured workloads on one library; `onCase` sees each result as it comes. */
export async function runLibrary(cfg: RunConfig, onCase: (c: CaseResult) => void = () => {}): Promise<ChildResult> {
  if (cfg.lib === 'pytorch') {
    const { runPytorch } = await import('./libs/pytorch.js');
    return runPytorch(cfg, onCase);
  }
  const lib = await loadLibrary(cfg.lib);
  const cases: CaseResult[] = [];
  const add = (c: CaseResult): void => {
    cases.push(c);
    onCase(c);
  };
  // Where the thread count can be set, W1, W2 and W5 run once at each count instead of at the default.
  const counts: (number | null)[] = lib.setThreads ? cfg.threads : [null];
  const threaded = async (key: string, one: (key: string) => Promise<CaseResult>): Promise<void> => {
    for (const t of counts) {
      if (t !== null) lib.setThreads!(t);
      add(await one(t === null ? key : `${key} threads=${t}`));
    }
    lib.setThreads?.(null);
  };
  // First, while the process holds nothing else: resident memory over many W2 steps.
  if (cfg.workloads.includes('mem') && cfg.lib !== 'tapegrad-fma') add(memCase(lib, cfg));
  if (cfg.workloads.includes('W1')) {
    for (const n of cfg.matmulSizes) {
      const d = matmulData(n);
      const sum = checksum(d.A, d.B);
      const sample = (C: ArrayLike<number>): number[] => d.sample.map((i) => C[i]);
      for (const dtype of ['float32', 'float64'] as const) {
        await threaded(`W1 n=${n} ${dtype}`, (key) => runCase(key, cfg, sum, () => lib.matmul(d, dtype), sample));
      }
    }
  }
  if (cfg.workloads.includes('W2')) {
    const d = mlpData(cfg.mlp.m, cfg.mlp.sizes);
    await threaded('W2', (key) => runCase(key, cfg, checksum(d.X, d.Y, ...d.W, ...d.b), () => {
      const step = lib.mlpStep(d);
      if (typeof step === 'string') return step;
      // The first call makes two steps: the loss at the start and after one update are both checked.
      let calls = 0;
      return () => (calls++ === 0 ? [step(), step()] : [step()]);
    }, (losses) => losses));
  }
  if (cfg.workloads.includes('W3')) {
    const d = chainData(cfg.chainOps);
    add(await runCase('W3', cfg, checksum(d.x, d.c, d.d), () => lib.chainGrad(d), (g) => Array.from(g)));
  }
  if (cfg.workloads.includes('W4')) {
    const { digitsData } = await import('./digits.js');
    const d = digitsData();
    // A call is a whole training run: warmed up by the first (checked) call, then cfg.digitsReps runs.
    const timing = { reps: cfg.digitsReps, warmup: 0, minRepMs: 0 };
    add(await runCase('W4', cfg, checksum(d.xTrain, d.xTest, d.yTrain, d.yTest, ...d.W, ...d.b), () => {
      // One epoch first (twice: the first compiles what a jit compiles): a library whose whole run
      // would blow the budget is not run in full.
      const probe = lib.digits(d, 1);
      if (typeof probe === 'string') return probe;
      probe();
      const t0 = performance.now();
      probe();
      const estimate = ((performance.now() - t0) / 1000) * cfg.digitsEpochs;
      if (estimate > cfg.digitsBudget) {
        return `W4: one epoch took ${(estimate / cfg.digitsEpochs).toPrecision(3)} s, so a ${cfg.digitsEpochs}-epoch run would take about ${Math.round(estimate)} s, over the bench's budget of ${cfg.digitsBudget} s a run`;
      }
      return lib.digits(d, cfg.digitsEpochs);
    }, (o) => [...o.losses, o.accuracy], timing));
  }
  if (cfg.workloads.includes('W5')) {
    const d = convData(cfg.conv);
    await threaded('W5', (key) => runCase(key, cfg, checksum(d.x, d.w, d.b, d.G), () => lib.conv(d), (o) => convCheck(d, o)));
  }
  if (cfg.workloads.includes('W6')) {
    for (const n of cfg.linalg.sizes) {
      const d = solveData(n, cfg.linalg.rhs);
      const sum = checksum(d.A, d.B);
      add(await runCase(`W6 solve n=${n}`, cfg, sum, () => lib.solve(d), (X) => d.sampleX.map((i) => X[i])));
      add(await runCase(`W6 cholesky n=${n}`, cfg, sum, () => lib.cholesky(d), (L) => d.sampleL.map((i) => L[i])));
    }
    const { batch, n } = cfg.linalg.bilinear;
    const d = bilinearData(batch, n);
    add(await runCase(bilinearKey(batch, n), cfg, checksum(d.x, d.W, d.y), () => lib.bilinear(d), (v) => d.sample.map((i) => v[i])));
  }
  return { lib: cfg.lib, info: lib.info, cases };
}

const MiB = 2 ** 20;

/**
 * `mem`: cfg.memSteps W2 steps, the resident set size sampled every tenth of them. Reports the peak
 * (the process's maximum RSS, library included) and the growth after the first tenth, which is zero
 * when no tape, gradient or buffer outlives its step. Skipped when the steps would take longer than
 * cfg.memBudget, judged from 10 steps after 5 that warm up (compiling and allocating).
 */
function memCase(lib: Library, cfg: RunConfig): CaseResult {
  const d = mlpData(cfg.mlp.m, cfg.mlp.sizes);
  const result: CaseResult = { key: 'mem' };
  try {
    const step = lib.mlpStep(d);
    if (typeof step === 'string') return { ...result, skipped: step };
    for (let s = 0; s < 5; s++) step();
    const probe = Math.min(10, cfg.memSteps);
    let t0 = performance.now();
    for (let s = 0; s < probe; s++) step();
    const estimate = ((performance.now() - t0) / 1000 / probe) * cfg.memSteps;
    if (estimate > cfg.memBudget) {
      return { ...result, skipped: `${cfg.memSteps} W2 steps would take about ${Math.round(estimate)} s, over the budget of ${cfg.memBudget} s` };
    }
    const every = Math.max(1, Math.floor(cfg.memSteps / 10));
    const rss: number[] = [];
    t0 = performance.now();
    for (let s = 1; s <= cfg.memSteps; s++) {
      step();
      if (s % every === 0) rss.push(process.memoryUsage().rss / MiB);
    }
    const seconds = (performance.now() - t0) / 1000;
    result.time = { median: seconds / cfg.memSteps, min: seconds / cfg.memSteps, reps: 1, inner: cfg.memSteps };
    result.extra = memExtra(cfg.memSteps, rss, (process.resourceUsage().maxRSS * 1024) / MiB);
  } catch (e) {
    result.error = message(e);
  }
  return result;
}

/** `mem`'s figures from the RSS samples taken every tenth of the steps (MiB) and the peak. */
const memExtra = (steps: number, rss: number[], peak: number): Record<string, number> => ({
  steps,
  peakMiB: peak,
  firstTenthMiB: rss[0],
  lastMiB: rss[rss.length - 1],
  growthMiB: Math.max(...rss) - rss[0],
});
