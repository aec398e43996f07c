/**
 * A pool of worker threads that share one gemm with the calling thread, on the shared linear memory.
 * Node uses `worker_threads`; a browser uses Web Workers only when cross-origin isolated.
 *
 * One job at a time: the caller writes the job into the control block (laid out in wasm-control.ts),
 * bumps SEQ and wakes every worker; then it and every worker that is awake claim chunks of C in WASM
 * (gemmChunks) until none is left, and the caller waits until all claimed chunks are finished. Workers
 * are spawned on first need and are never waited for: one that is still starting, or descheduled,
 * just claims nothing. They are unref'd and never keep a process alive.
 */
import { TapegradError, fmtValue } from '../errors.js';
import * as layout from './wasm-control.js';
import type { SharedWasmExports } from './wasm-exports.js';
import type { WasmRuntime } from './wasm-runtime.js';

/** Index in an Int32Array over the memory of the word at byte address `byte`. */
const word = (byte: number) => byte >> 2;
/** Index of a field of the job (a byte offset from layout.JOB). */
const field = (offset: number) => word(layout.JOB + offset);
/** The export each thread calls to claim and compute chunks (wasm/parallel.ts). */
const GEMM_CHUNKS = 'gemmChunks' satisfies keyof SharedWasmExports;
/** How long a thread polls before it sleeps in Atomics.wait, in ms. */
const SPIN_MS = 0.05;

/** The worker: the same for Node (eval'd, CommonJS) and the browser (a Blob URL), given its data. */
const WORKER_LOOP = `
function run(data) {
  const { module, memory, index } = data;
  const ex = new WebAssembly.Instance(module, { env: { memory } }).exports;
  // The first page never moves (shared memory grows in place), so this view stays valid.
  const ctl = new Int32Array(memory.buffer, 0, ${word(layout.CONTROL_END)});
  Atomics.store(ctl, ${word(layout.READY)} + index, 1);
  let seen = 0;
  for (;;) {
    // Poll for a moment before sleeping: the next product often follows soon (a training step runs
    // several), and a sleeping thread takes tens of µs, far more on a busy machine, to wake.
    const until = performance.now() + ${SPIN_MS};
    while (Atomics.load(ctl, ${word(layout.SEQ)}) === seen && performance.now() < until);
    Atomics.wait(ctl, ${word(layout.SEQ)}, seen);
    const seq = Atomics.load(ctl, ${word(layout.SEQ)});
    if (seq === seen) continue;
    seen = seq;
    if (index + 1 >= Atomics.load(ctl, ${word(layout.JOB_THREADS)})) continue; // parked by setNumThreads
    try {
      ex.${GEMM_CHUNKS}(${layout.JOB}, seq & 0x7fff, index + 1);
    } catch (e) {
      Atomics.store(ctl, ${word(layout.FAILED)}, 1);
      Atomics.notify(ctl, ${field(layout.COMPLETED)}); // wakes the caller
    }
  }
}
`;

const NODE_WORKER = `${WORKER_LOOP}\nrun(require('node:worker_threads').workerData);\n`;
const WEB_WORKER = `${WORKER_LOOP}\nself.onmessage = (e) => run(e.data);\n`;

/** A started worker. None is ever terminated: one killed in the middle of a chunk would leave the
 * caller waiting forever, so setNumThreads parks the surplus instead (idle in Atomics.wait, unref'd). */
type Handle = object;

interface WorkerData {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  index: number;
}

type NodeWorkerThreads = {
  Worker: new (code: string, options: { eval: true; workerData: WorkerData }) => Handle & {
    unref(): void;
    on(event: 'error', listener: (e: unknown) => void): void;
  };
};

/** A Node builtin, loaded synchronously (Node ≥ 20.16) with no import a browser bundler must resolve. */
function nodeBuiltin<T>(id: string): T | null {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  return (proc?.getBuiltinModule?.(id) as T | undefined) ?? null;
}

function spawn(data: WorkerData): Handle | null {
  const wt = nodeBuiltin<NodeWorkerThreads>('node:worker_threads');
  if (wt) {
    const w = new wt.Worker(NODE_WORKER, { eval: true, workerData: data });
    w.unref();
    w.on('error', () => {}); // a worker that failed to start never sets READY and is never waited for
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
const canBlock = (() => {
  const g = globalThis as { process?: unknown; document?: unknown };
  return g.process !== undefined || g.document === undefined;
})();

/** TAPEGRAD_THREADS if set (0 or 1: no workers), else the number of cores up to 4. */
export function defaultThreads(): number {
  const g = globalThis as { process?: { env?: Record<string, string | undefined> } };
  const env = g.process?.env?.TAPEGRAD_THREADS;
  if (env !== undefined && env !== '') {
    const n = Number.parseInt(env, 10);
    // 0 and 1 both mean no workers; the control block has READY words for MAX_WORKERS only
    if (Number.isInteger(n) && n >= 0) return Math.min(Math.max(n, 1), layout.MAX_WORKERS + 1);
  }
  return Math.min(coreCount(), 4);
}

/** The cores this process may use: availableParallelism() in Node, hardwareConcurrency in a browser, else 1. */
export function coreCount(): number {
  const g = globalThis as { navigator?: { hardwareConcurrency?: number } };
  const cores = nodeBuiltin<{ availableParallelism(): number }>('node:os')?.availableParallelism() ?? g.navigator?.hardwareConcurrency ?? 1;
  return Math.max(1, cores);
}

let requested: number | undefined;
const workers: (Handle | null)[] = [];
let seq = 0;
let workerChunks = 0;
let warned = false;

/**
 * Whether the workers cannot share memory here: no SharedArrayBuffer, or a page (or worker) that is
 * not cross-origin isolated, where browsers withhold it and spawn() starts no Web Worker.
 */
function isolationMissing(): boolean {
  const g = globalThis as { SharedArrayBuffer?: unknown; crossOriginIsolated?: boolean };
  return typeof g.SharedArrayBuffer !== 'function' || g.crossOriginIsolated === false;
}

/** Says once per process (or page) that `n` threads were asked for but only one can run. */
function warnIfSingleThreaded(n: number, asked: string): void {
  if (n <= 1 || warned || !isolationMissing()) return;
  warned = true;
  console.warn(
    `tapegrad: ${asked} ${n} threads, but large matmuls run on 1: SharedArrayBuffer needs cross-origin ` +
      'isolation. Serve the page with the headers `Cross-Origin-Opener-Policy: same-origin` and ' +
      '`Cross-Origin-Embedder-Policy: require-corp`, or call setNumThreads(1) to silence this.',
  );
}

/**
 * Sets how many threads (the caller included) a large WASM matmul may use; 1 switches threading off.
 * More threads than cores cannot run at once and only take turns (the caller then waits for a
 * descheduled worker), so `n` is clamped to the core count; returns the number in effect. Surplus
 * workers are parked, not ended. The default is TAPEGRAD_THREADS if set (taken as given, so threading
 * can be tested on fewer cores), else the number of cores up to 4. Where more than one thread cannot
 * run (no cross-origin isolation), warns once.
 */
export function setNumThreads(n: number): number {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) {
    throw new TapegradError('setNumThreads', `n must be an integer ≥ 1, got ${fmtValue(n)}`, 'n');
  }
  requested = Math.min(n, coreCount(), layout.MAX_WORKERS + 1);
  warnIfSingleThreaded(n, 'setNumThreads asked for');
  return requested;
}

/** The number of threads a large WASM matmul may use (the setting; workers may still be starting). */
export function numThreads(): number {
  if (requested === undefined) {
    requested = defaultThreads();
    warnIfSingleThreaded(requested, 'the default is');
  }
  return requested;
}

function control(rt: WasmRuntime): Int32Array {
  return new Int32Array(rt.memory.buffer, 0, word(layout.CONTROL_END));
}

/**
 * Threading pays only while the other threads really run alongside the caller. On a machine whose
 * cores are busy with other processes they do not, and the caller waits for a descheduled worker (a
 * training step measured twice as slow on two threads as on one). So each job is judged: the caller's
 * own chunks give its time per chunk, hence an estimate of the one-thread time; when two jobs in a row
 * took over 85% of that, the next `backoff` products that could be threaded run on one thread (8 at
 * first, doubling up to 256 while it keeps failing), then threads are tried again.
 */
let skip = 0;
let backoff = 8;
let misses = 0;

/** Judges one threaded job (exported for tests): its wall time, the caller's busy time and chunk counts. */
export function judge(wallMs: number, callerMs: number, mine: number, nChunks: number): void {
  if (mine === 0) return; // the workers did everything: no estimate, and no sign of trouble
  if (wallMs > 0.85 * (callerMs / mine) * nChunks) {
    if (++misses >= 2) {
      skip = backoff;
      backoff = Math.min(2 * backoff, 256);
      misses = 0;
    }
  } else {
    misses = 0;
    backoff = 8;
    skip = 0;
  }
}

/**
 * Spawns the workers the setting allows (once) and returns how many threads could take part now:
 * 1 plus the workers that are ready. 1 where memory is not shared, threads are off, or (when
 * `adaptive`) recent threaded products did not pay.
 */
export function readyThreads(rt: WasmRuntime, adaptive = false): number {
  if (!rt.shared || numThreads() <= 1) return 1;
  if (adaptive && skip > 0) {
    skip--;
    return 1;
  }
  const ctl = control(rt);
  let ready = 1;
  for (let w = 0; w < numThreads() - 1; w++) {
    if (workers[w] === undefined) {
      Atomics.store(ctl, word(layout.READY) + w, 0);
      workers[w] = spawn({ module: rt.module, memory: rt.memory, index: w });
    }
    if (workers[w] !== null && Atomics.load(ctl, word(layout.READY) + w) === 1) ready++;
  }
  return ready;
}

/** Threads whose scratch areas a job must leave free: the caller and every spawned worker. */
export function spawnedThreads(): number {
  return 1 + workers.length;
}

/** Chunks computed by workers so far (tests use it to know that workers took part). */
export function chunksByWorkers(): number {
  return workerChunks;
}

/** A threaded gemm: how C is cut into chunks, and the whole product's gemm arguments (wasm/gemm.ts). */
export interface GemmJob {
  elemBytes: 4 | 8;
  /** Chunks of whole rows of C, else of whole columns. */
  byRows: boolean;
  /** Rows or columns in a chunk, `nChunks` chunks in all, `extent` rows or columns of C in all. */
  chunk: number;
  nChunks: number;
  extent: number;
  transA: boolean;
  transB: boolean;
  m: number;
  n: number;
  k: number;
  /** A, B and C are byte addresses, their leading dimensions in elements. */
  a: number;
  lda: number;
  b: number;
  ldb: number;
  c: number;
  ldc: number;
  /** Thread t's scratch area is work0 + t·workBytes. */
  work0: number;
  workBytes: number;
  /** Nonzero (row chunks only): op(B), packed by packBF32/F64, which every chunk shares. */
  packedB: number;
}

/**
 * Writes the job's arguments into their fields, one named store each (a loop over a table of fields
 * measured 2 µs a job, these stores tens of ns). Plain stores: the Atomics.store that opens the job
 * publishes them.
 */
function writeJob(ctl: Int32Array, job: GemmJob): void {
  ctl[field(layout.ELEM)] = job.elemBytes;
  ctl[field(layout.NCHUNKS)] = job.nChunks;
  ctl[field(layout.BY_ROWS)] = job.byRows ? 1 : 0;
  ctl[field(layout.CHUNK)] = job.chunk;
  ctl[field(layout.EXTENT)] = job.extent;
  ctl[field(layout.TRANS_A)] = job.transA ? 1 : 0;
  ctl[field(layout.TRANS_B)] = job.transB ? 1 : 0;
  ctl[field(layout.M)] = job.m;
  ctl[field(layout.N)] = job.n;
  ctl[field(layout.K)] = job.k;
  ctl[field(layout.A)] = job.a;
  ctl[field(layout.LDA)] = job.lda;
  ctl[field(layout.B)] = job.b;
  ctl[field(layout.LDB)] = job.ldb;
  ctl[field(layout.C)] = job.c;
  ctl[field(layout.LDC)] = job.ldc;
  ctl[field(layout.WORK0)] = job.work0;
  ctl[field(layout.WORK_BYTES)] = job.workBytes;
  ctl[field(layout.PACKED_B)] = job.packedB;
}

/**
 * Runs `job` on the caller and every awake worker. With `callerClaims` false (tests) the caller only
 * waits. Returns false if a worker failed; C is then incomplete and the caller must compute it itself.
 */
export function runChunks(rt: WasmRuntime<SharedWasmExports>, job: GemmJob, callerClaims = true): boolean {
  const ctl = control(rt);
  const tag = ++seq & 0x7fff;
  const nChunks = job.nChunks;
  writeJob(ctl, job);
  Atomics.store(ctl, word(layout.JOB_THREADS), numThreads());
  Atomics.store(ctl, field(layout.COMPLETED), 0);
  Atomics.store(ctl, word(layout.FAILED), 0);
  Atomics.store(ctl, field(layout.NEXT), tag << 16); // open, at chunk 0
  const t0 = performance.now();
  Atomics.store(ctl, word(layout.SEQ), seq);
  Atomics.notify(ctl, word(layout.SEQ));
  const mine = callerClaims ? rt.exports.gemmChunks(layout.JOB, tag, 0) : 0;
  const t1 = performance.now();
  const completed = () => Atomics.load(ctl, field(layout.COMPLETED));
  const failed = () => Atomics.load(ctl, word(layout.FAILED)) !== 0;
  // The workers' last chunks usually end about when the caller's do: poll briefly, then sleep.
  const until = t1 + SPIN_MS;
  while (completed() !== nChunks && !failed() && performance.now() < until);
  for (;;) {
    const done = completed();
    if (done === nChunks || failed()) break;
    if (canBlock) Atomics.wait(ctl, field(layout.COMPLETED), done, 1000);
  }
  Atomics.store(ctl, field(layout.NEXT), layout.CLOSED);
  workerChunks += nChunks - mine;
  judge(performance.now() - t0, t1 - t0, mine, nChunks);
  return !failed();
}
