/**
 * The control block of the threaded gemm, laid out once for both sides: the JS thread pool
 * (wasm-threads.ts) writes a job into it and waits on it, and the WASM work sharing (wasm/parallel.ts,
 * which imports this file) claims and computes its chunks. AssemblyScript compiles this file too, so it
 * holds only integer constants; every offset is in bytes and every field is an i32 (a pointer is 32-bit
 * on wasm32).
 *
 * Memory map of the first KiB of linear memory, which the heap leaves free (wasm-runtime.ts):
 *   [JOB, JOB + JOB_BYTES)            the job, read by gemmChunks(JOB, …); its fields below are offsets from JOB
 *   SEQ, FAILED, JOB_THREADS          the pool's words (JS only)
 *   [READY, READY + 4·MAX_WORKERS)    one word per worker
 *
 * A thread reads the job's arguments only after its claim on NEXT succeeded, and the caller rewrites
 * them only after it closed the job, so a successful claim always sees the arguments of the job it
 * claimed from.
 */

/** Byte address of the job. */
export const JOB = 64;

/** (tag << 16) | next unclaimed chunk, where tag = job number & 0x7fff; CLOSED between jobs. */
export const NEXT = 0;
/** Chunks finished; the caller waits for it to reach NCHUNKS, and finishing a chunk notifies it. */
export const COMPLETED = 4;
/** Element size in bytes: 4 (float32) or 8 (float64). */
export const ELEM = 8;
export const NCHUNKS = 12;
/** Nonzero: chunks are whole rows of C, else whole columns. */
export const BY_ROWS = 16;
/** Rows or columns in a chunk (the last may have fewer). */
export const CHUNK = 20;
/** Rows (or columns) of C in all. */
export const EXTENT = 24;
// The whole product's gemm arguments (wasm/gemm.ts): op(A) is m×k, op(B) k×n, C m×n; A, B and C are
// byte addresses, the leading dimensions are in elements.
export const TRANS_A = 28;
export const TRANS_B = 32;
export const M = 36;
export const N = 40;
export const K = 44;
export const A = 48;
export const LDA = 52;
export const B = 56;
export const LDB = 60;
export const C = 64;
export const LDC = 68;
/** Scratch area of thread 0; thread t's is WORK0 + t·WORK_BYTES. */
export const WORK0 = 72;
export const WORK_BYTES = 76;
/** Nonzero: the address of op(B), packed once by the caller (packBF32/F64), which every row chunk shares. */
export const PACKED_B = 80;
export const JOB_BYTES = 84;

/** NEXT between jobs: its tag (0xffff) matches no job. */
export const CLOSED = -1;

/** Byte address of the job number, which idle workers wait on. */
export const SEQ = 192;
/** Set by a worker whose gemmChunks threw. */
export const FAILED = 196;
/** Threads the current job may use: worker w joins only if w + 1 < this. */
export const JOB_THREADS = 200;
/** Byte address of one word per worker, set to 1 once it is ready. */
export const READY = 256;
export const MAX_WORKERS = 64;

/** End of the control block; the heap (thread scratch, operands) starts at HEAP_START (1 KiB) above it. */
export const CONTROL_END = READY + 4 * MAX_WORKERS;
export const HEAP_START = 1024;
