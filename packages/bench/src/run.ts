import { chainData, checksum, matmulData, mlpData } from './data.js';
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
  }
}

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
    result.extra = { firstCallSeconds: (performance.now() - t0) / 1000 };
    result.check = toCheck(first);
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
  const lib = await loadLibrary(cfg.lib);
  const cases: CaseResult[] = [];
  const add = (c: CaseResult): void => {
    cases.push(c);
    onCase(c);
  };
  if (cfg.workloads.includes('W1')) {
    // Where the thread count can be set, W1 runs once at each count instead of at the default.
    const counts: (number | null)[] = lib.setThreads ? cfg.threads : [null];
    for (const n of cfg.matmulSizes) {
      const d = matmulData(n);
      const sum = checksum(d.A, d.B);
      const sample = (C: ArrayLike<number>): number[] => d.sample.map((i) => C[i]);
      for (const dtype of ['float32', 'float64'] as const) {
        for (const t of counts) {
          if (t !== null) lib.setThreads!(t);
          add(await runCase(`W1 n=${n} ${dtype}${t === null ? '' : ` threads=${t}`}`, cfg, sum, () => lib.matmul(d, dtype), sample));
        }
      }
    }
    lib.setThreads?.(null);
  }
  if (cfg.workloads.includes('W2')) {
    const d = mlpData(cfg.mlp.m, cfg.mlp.sizes);
    add(await runCase('W2', cfg, checksum(d.X, d.Y, ...d.W, ...d.b), () => {
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
  return { lib: cfg.lib, info: lib.info, cases };
}
