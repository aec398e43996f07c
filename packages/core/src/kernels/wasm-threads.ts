/**
 * A pool of worker threads that run the WASM gemm on the shared linear memory, so a large product is
 * split across cores: the calling thread computes one block of C's rows (or columns) and each worker
 * another, and the caller waits until all are done. Node uses `worker_threads`; a browser uses Web
 * Workers only when cross-origin isolated (SharedArrayBuffer available).
 *
 * Protocol, one 16-int slot of a SharedArrayBuffer per worker: the caller writes a job's arguments,
 * bumps SEQ and notifies; the worker, blocked in Atomics.wait on SEQ, runs the job, stores DONE = SEQ
 * and notifies. Workers are spawned on first need and used only once they have set READY, so nothing
 * ever waits for a worker to start; they are unref'd and never keep a process alive.
 */
import type { WasmRuntime } from './wasm-runtime.js';

const SEQ = 0, DONE = 1, READY = 2, FAILED = 3, ELEM = 4, ARGS = 5, ARG_COUNT = 12; // then the gemm arguments
const SLOT = 32; // ints per worker: ARGS + ARG_COUNT, padded to two cache lines so workers share none
const MAX_WORKERS = 63;

/** The worker: the same for Node (eval'd, CommonJS) and the browser (a Blob URL), given its data. */
const WORKER_LOOP = `
function run(data) {
  const { module, memory, control, slot } = data;
  const ex = new WebAssembly.Instance(module, { env: { memory } }).exports;
  const ctl = new Int32Array(control, slot * ${SLOT * 4}, ${SLOT});
  Atomics.store(ctl, ${READY}, 1);
  let seen = 0;
  for (;;) {
    Atomics.wait(ctl, ${SEQ}, seen);
    const seq = Atomics.load(ctl, ${SEQ});
    if (seq === seen) continue;
    seen = seq;
    const a = ${ARGS};
    try {
      (ctl[${ELEM}] === 8 ? ex.gemmF64 : ex.gemmF32)(
        ctl[a], ctl[a + 1], ctl[a + 2], ctl[a + 3], ctl[a + 4], ctl[a + 5],
        ctl[a + 6], ctl[a + 7], ctl[a + 8], ctl[a + 9], ctl[a + 10], ctl[a + 11]);
    } catch (e) {
      Atomics.store(ctl, ${FAILED}, 1);
    }
    Atomics.store(ctl, ${DONE}, seq);
    Atomics.notify(ctl, ${DONE});
  }
}
`;

const NODE_WORKER = `${WORKER_LOOP}\nrun(require('node:worker_threads').workerData);\n`;
const WEB_WORKER = `${WORKER_LOOP}\nself.onmessage = (e) => run(e.data);\n`;

interface Handle {
  terminate(): void;
}

interface WorkerData {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  control: SharedArrayBuffer;
  slot: number;
}

type NodeWorkerThreads = {
  Worker: new (code: string, options: { eval: true; workerData: WorkerData }) => Handle & {
    unref(): void;
    on(event: 'error', listener: (e: unknown) => void): void;
  };
};

function nodeWorkerThreads(): NodeWorkerThreads | null {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  // getBuiltinModule (Node ≥ 20.16) loads a builtin synchronously from ESM or CJS with no import
  // statement a browser bundler would have to resolve.
  return (proc?.getBuiltinModule?.('node:worker_threads') as NodeWorkerThreads | undefined) ?? null;
}

function spawn(data: WorkerData): Handle | null {
  const wt = nodeWorkerThreads();
  if (wt) {
    const w = new wt.Worker(NODE_WORKER, { eval: true, workerData: data });
    w.unref();
    w.on('error', () => {}); // a failed worker never sets READY and is simply not used
    return w;
  }
  const g = globalThis as { Worker?: typeof Worker; crossOriginIsolated?: boolean; Blob?: typeof Blob };
  if (typeof g.Worker === 'function' && g.crossOriginIsolated === true && typeof g.Blob === 'function') {
    const url = URL.createObjectURL(new Blob([WEB_WORKER], { type: 'text/javascript' }));
    const w = new g.Worker(url);
    w.postMessage(data);
    return w;
  }
  return null;
}

/** Atomics.wait is forbidden on a browser's main thread; there the caller spins on Atomics.load instead. */
function canBlock(): boolean {
  const g = globalThis as { process?: unknown; document?: unknown };
  return g.process !== undefined || g.document === undefined;
}

function defaultThreads(): number {
  const g = globalThis as {
    process?: { env?: Record<string, string | undefined> };
    navigator?: { hardwareConcurrency?: number };
  };
  const env = g.process?.env?.TAPEGRAD_THREADS;
  if (env !== undefined && env !== '') {
    const n = Number.parseInt(env, 10);
    if (Number.isFinite(n) && n >= 1) return n;
  }
  const os = nodeOs();
  const cores = os?.availableParallelism?.() ?? g.navigator?.hardwareConcurrency ?? 1;
  return Math.max(1, Math.min(cores, 4));
}

function nodeOs(): { availableParallelism?: () => number } | null {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  return (proc?.getBuiltinModule?.('node:os') as { availableParallelism?: () => number } | undefined) ?? null;
}

let requested: number | undefined;
let control: Int32Array | null = null;
const workers: (Handle | null)[] = [];
const seqs: number[] = [];

/**
 * Sets how many threads (the caller included) a large WASM matmul may use; 1 switches threading off.
 * The default is TAPEGRAD_THREADS if set, else the number of cores up to 4.
 */
export function setNumThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`setNumThreads: n must be an integer ≥ 1, got ${n}`);
  requested = n;
  while (workers.length > n - 1) workers.pop()?.terminate();
}

/** The number of threads a large WASM matmul may use (the setting; workers may still be starting). */
export function numThreads(): number {
  requested ??= defaultThreads();
  return requested;
}

/**
 * How many threads can take part right now: 1 plus the ready workers, up to `wanted`. Spawns the
 * missing workers (they join a later call once started).
 */
export function readyThreads(rt: WasmRuntime, wanted: number): number {
  wanted = Math.min(wanted, numThreads());
  if (wanted <= 1 || !rt.shared) return 1;
  if (control === null) control = new Int32Array(new SharedArrayBuffer(MAX_WORKERS * SLOT * 4));
  let ready = 1;
  for (let w = 0; w < wanted - 1 && w < MAX_WORKERS; w++) {
    if (workers[w] === undefined) {
      Atomics.store(control, w * SLOT + READY, 0);
      Atomics.store(control, w * SLOT + FAILED, 0);
      workers[w] = spawn({ module: rt.module, memory: rt.memory, control: control.buffer as SharedArrayBuffer, slot: w });
      seqs[w] = 0;
      Atomics.store(control, w * SLOT + SEQ, 0);
      Atomics.store(control, w * SLOT + DONE, 0);
    }
    if (workers[w] === null || Atomics.load(control, w * SLOT + READY) !== 1) break;
    ready++;
  }
  return ready;
}

let posted = 0;

/** How many jobs have been handed to workers so far (tests use it to know the threaded path ran). */
export function jobsPosted(): number {
  return posted;
}

/** Starts gemm `args` (in WASM argument order) on worker w; finish with `join(w)`. */
export function post(w: number, elemBytes: 4 | 8, args: readonly number[]): void {
  posted++;
  const ctl = control!;
  const base = w * SLOT;
  ctl[base + ELEM] = elemBytes;
  for (let i = 0; i < ARG_COUNT; i++) ctl[base + ARGS + i] = args[i];
  const seq = ++seqs[w];
  Atomics.store(ctl, base + SEQ, seq);
  Atomics.notify(ctl, base + SEQ, 1);
}

/** Waits for worker w's current job; false if it threw (its block of C is then not written). */
export function join(w: number): boolean {
  const ctl = control!;
  const base = w * SLOT;
  const seq = seqs[w];
  const block = canBlock();
  for (;;) {
    const done = Atomics.load(ctl, base + DONE);
    if (done === seq) break;
    if (block) Atomics.wait(ctl, base + DONE, done);
  }
  const ok = Atomics.load(ctl, base + FAILED) === 0;
  Atomics.store(ctl, base + FAILED, 0);
  return ok;
}
