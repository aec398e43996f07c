import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { convData } from '../conv.js';
import { chainData, matmulData, mlpData, type MlpData } from '../data.js';
import { digitsData, epochPermutations } from '../digits.js';
import { bilinearData, bilinearKey, solveData } from '../linalg.js';
import type { CaseResult, ChildResult, RunConfig, WorkloadId } from '../protocol.js';

/**
 * PyTorch as an optional peer: peers/torch_peer.py in a Python process of its own, one thread. This
 * side builds the same data the JavaScript children build, sends it with the list of cases, and
 * passes on the results; the Python side times each case as src/timing.ts does. Without a Python
 * that can import torch every case is skipped with the reason (the bench never installs torch).
 */

/** The Pythons tried, in turn: $TAPEGRAD_PYTHON, the system's, the one on PATH. */
export function pythonCandidates(env: NodeJS.ProcessEnv = process.env): string[] {
  return [...(env.TAPEGRAD_PYTHON ? [env.TAPEGRAD_PYTHON] : []), '/usr/bin/python3', 'python3'];
}

/** The first candidate that can `import torch`, or why none can. */
export function findPython(candidates: readonly string[] = pythonCandidates()): { python: string } | { reason: string } {
  const tried: string[] = [];
  for (const python of candidates) {
    const r = spawnSync(python, ['-c', 'import torch'], { encoding: 'utf8', timeout: 120_000 });
    if (r.status === 0) return { python };
    const why = r.error ? (r.error as NodeJS.ErrnoException).code ?? r.error.message : r.stderr.trim().split('\n').at(-1);
    tried.push(`${python} (${why})`);
  }
  return { reason: `no Python that can import torch: tried ${tried.join(', ')}; set TAPEGRAD_PYTHON to one that can` };
}

const script = (): string => {
  // from dist/ (the built bench) or from src/libs/ (tests)
  const candidates = ['../peers/torch_peer.py', '../../peers/torch_peer.py'].map((p) => fileURLToPath(new URL(p, import.meta.url)));
  return candidates.find((p) => existsSync(p)) ?? candidates[0];
};

/** A case as torch_peer.py reads it: arrays by their index in the data that follows the header. */
interface PyCase {
  key: string;
  workload: WorkloadId;
  params: Record<string, unknown>;
  arrays: Record<string, number | number[]>;
  /** The arrays whose checksum the parent compares, in the order the JavaScript children sum them. */
  sum: number[];
  timing?: { reps: number; warmup: number; minRepMs: number; budget: number | null };
}

/** The cases cfg asks for, in runLibrary's order, and the arrays they refer to. */
export function pytorchPlan(cfg: RunConfig): { cases: PyCase[]; arrays: (Float32Array | Int32Array)[] } {
  const arrays: (Float32Array | Int32Array)[] = [];
  const put = (x: Float32Array | Int32Array): number => arrays.push(x) - 1;
  const timing = { reps: cfg.reps, warmup: cfg.warmup, minRepMs: cfg.minRepMs, budget: cfg.caseBudget };
  const cases: PyCase[] = [];
  const has = (w: WorkloadId): boolean => cfg.workloads.includes(w);
  const mlp = (d: MlpData) => {
    const ids = { X: put(d.X), Y: put(d.Y), W: d.W.map(put), b: d.b.map(put) };
    return { ids, sum: [ids.X, ids.Y, ...ids.W, ...ids.b], params: { sizes: d.sizes, m: d.m, lr: d.lr } };
  };
  if (has('mem')) {
    const { ids, params } = mlp(mlpData(cfg.mlp.m, cfg.mlp.sizes));
    cases.push({ key: 'mem', workload: 'mem', params: { ...params, steps: cfg.memSteps, budget: cfg.memBudget }, arrays: ids, sum: [] });
  }
  if (has('W1')) {
    for (const n of cfg.matmulSizes) {
      const d = matmulData(n);
      const ids = { A: put(d.A), B: put(d.B) };
      for (const dtype of ['float32', 'float64']) {
        cases.push({ key: `W1 n=${n} ${dtype}`, workload: 'W1', params: { n, dtype, sample: d.sample }, arrays: ids, sum: [ids.A, ids.B], timing });
      }
    }
  }
  if (has('W2')) {
    const { ids, sum, params } = mlp(mlpData(cfg.mlp.m, cfg.mlp.sizes));
    cases.push({ key: 'W2', workload: 'W2', params, arrays: ids, sum, timing });
  }
  if (has('W3')) {
    const d = chainData(cfg.chainOps);
    const ids = { x: put(d.x), c: put(d.c), d: put(d.d) };
    cases.push({ key: 'W3', workload: 'W3', params: { ops: d.ops }, arrays: ids, sum: [ids.x, ids.c, ids.d], timing });
  }
  if (has('W4')) {
    const d = digitsData();
    const ids = {
      xTrain: put(d.xTrain), xTest: put(d.xTest), yTrain: put(d.yTrain), yTest: put(d.yTest),
      W: d.W.map(put), b: d.b.map(put), perms: put(epochPermutations(d, cfg.digitsEpochs)),
    };
    cases.push({
      key: 'W4', workload: 'W4', arrays: ids,
      params: { sizes: d.sizes, lr: d.lr, batch: d.batch, epochs: cfg.digitsEpochs, mTrain: d.mTrain, mTest: d.mTest },
      sum: [ids.xTrain, ids.xTest, ids.yTrain, ids.yTest, ...ids.W, ...ids.b],
      timing: { reps: cfg.digitsReps, warmup: 0, minRepMs: 0, budget: null },
    });
  }
  if (has('W5')) {
    const { x, w, b, G, ...params } = convData(cfg.conv);
    const ids = { x: put(x), w: put(w), b: put(b), G: put(G) };
    cases.push({ key: 'W5', workload: 'W5', params, arrays: ids, sum: [ids.x, ids.w, ids.b, ids.G], timing });
  }
  if (has('W6')) {
    for (const n of cfg.linalg.sizes) {
      const d = solveData(n, cfg.linalg.rhs);
      const ids = { A: put(d.A), B: put(d.B) };
      cases.push({ key: `W6 solve n=${n}`, workload: 'W6', params: { op: 'solve', n, rhs: d.rhs, sample: d.sampleX }, arrays: ids, sum: [ids.A, ids.B], timing });
      cases.push({ key: `W6 cholesky n=${n}`, workload: 'W6', params: { op: 'cholesky', n, sample: d.sampleL }, arrays: ids, sum: [ids.A, ids.B], timing });
    }
    const { batch, n } = cfg.linalg.bilinear;
    const d = bilinearData(batch, n);
    const ids = { x: put(d.x), W: put(d.W), y: put(d.y) };
    cases.push({ key: bilinearKey(batch, n), workload: 'W6', params: { op: 'einsum', batch, n, sample: d.sample }, arrays: ids, sum: [ids.x, ids.W, ids.y], timing });
  }
  return { cases, arrays };
}

/** Runs cfg's cases in torch_peer.py (or skips them all, with the reason, when no Python has torch). */
export async function runPytorch(cfg: RunConfig, onCase: (c: CaseResult) => void = () => {}, candidates = pythonCandidates()): Promise<ChildResult> {
  const { cases: plan, arrays } = pytorchPlan(cfg);
  const found = findPython(candidates);
  if ('reason' in found) {
    const cases = plan.map((c) => ({ key: c.key, skipped: found.reason }));
    cases.forEach(onCase);
    return { lib: 'pytorch', info: { python: 'none' }, cases };
  }
  // One thread for PyTorch's own pool (set_num_threads) and for the OpenMP and BLAS pools under it.
  const env = { ...process.env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1', MKL_NUM_THREADS: '1' };
  const child = spawn(found.python, [script()], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  const cases: CaseResult[] = [];
  let info: Record<string, string> | null = null;
  let stderr = '', pending = '';
  child.stderr.on('data', (b: Buffer) => (stderr = (stderr + b.toString()).slice(-4000)));
  child.stdout.on('data', (b: Buffer) => {
    const lines = (pending + b.toString()).split('\n');
    pending = lines.pop()!;
    for (const line of lines.filter(Boolean)) {
      const msg = JSON.parse(line) as { type: 'case'; case: CaseResult } | { type: 'done'; info: Record<string, string> };
      if (msg.type === 'done') info = msg.info;
      else {
        const c = msg.case;
        if (c.check) c.check = c.check.map(Number); // NaN and ±Infinity come as strings
        cases.push(c);
        onCase(c);
      }
    }
  });
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  child.stdin.on('error', () => {}); // a Python that dies early closes the pipe; its stderr says why
  const header = { cases: plan, arrays: arrays.map((a) => [a instanceof Int32Array ? 'i4' : 'f4', a.length]) };
  child.stdin.write(JSON.stringify(header) + '\n');
  for (const a of arrays) child.stdin.write(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  child.stdin.end();
  const code = await exited;
  if (!info) throw new Error(`${found.python} ${script()} exited with code ${code}: ${stderr.trim().split('\n').slice(-3).join(' / ')}`);
  return { lib: 'pytorch', info, cases };
}
