/**
 * What the parent tells a child (its configuration) and what a child sends back (its results), as
 * plain JSON. Times are seconds per call.
 */

/** One column of the table: a library in one mode, run in a child process of its own. */
/**
 * `tapegrad-fma` is tapegrad with its fused multiply-add gemm (relaxed SIMD; Node 20 needs
 * --experimental-wasm-relaxed-simd, which its child is given), at one thread, on the workloads whose time
 * is mostly gemm (W1, W2, W5): issue 13 asks for both paths to be reported.
 */
export type LibId = 'tapegrad' | 'tapegrad-fma' | 'tfjs-cpu' | 'tfjs-wasm' | 'jax-js' | 'jax-js-jit' | 'pytorch';
export const LIBS: readonly LibId[] = ['tapegrad', 'tapegrad-fma', 'tfjs-cpu', 'tfjs-wasm', 'jax-js', 'jax-js-jit', 'pytorch'];

/** W1–W6, and `mem`: resident memory over many W2 steps. */
export type WorkloadId = 'W1' | 'W2' | 'W3' | 'W4' | 'W5' | 'W6' | 'mem';
export const WORKLOADS: readonly WorkloadId[] = ['W1', 'W2', 'W3', 'W4', 'W5', 'W6', 'mem'];

export type DTypeName = 'float32' | 'float64';

export interface RunConfig {
  lib: LibId;
  workloads: WorkloadId[];
  /** Timed repetitions; the figure is their median. */
  reps: number;
  /** Untimed calls before timing (compiles, warms caches and the JIT). */
  warmup: number;
  /** A repetition repeats the call until it lasts at least this long, so short calls are timed well. */
  minRepMs: number;
  /** Seconds a case's timed repetitions may take (judged after warm-up); a slower case is skipped with
   * its time per call in the note. */
  caseBudget: number;
  /** W1's matrix sizes. */
  matmulSizes: number[];
  /** W2's layer sizes and batch. */
  mlp: { sizes: number[]; m: number };
  /** W3's chain length. */
  chainOps: number;
  /** W4's epochs. */
  digitsEpochs: number;
  /** W4's timed runs (each a whole training, after one checked run). */
  digitsReps: number;
  /** Seconds one W4 run may take (estimated from one epoch); a slower library is not run in full. */
  digitsBudget: number;
  /** W5's convolution: x [batch, cin, size, size] through a kernel×kernel Conv2d to cout channels. */
  conv: ConvSizes;
  /** W6's float64 linear algebra: solve and cholesky at each n (solve with `rhs` right-hand sides), and
   * the bilinear form Σ_ij x[b,i]·W[i,j]·y[b,j] for b = 0 … batch−1, i, j < n. */
  linalg: { sizes: number[]; rhs: number; bilinear: { batch: number; n: number } };
  /** `mem`: W2 steps over which the resident set size is followed, and the seconds they may take
   * (judged from the first steps; a slower library is not run). */
  memSteps: number;
  memBudget: number;
  /** Thread counts for tapegrad's W1, W2 and W5 when its core lets the user set them (ignored otherwise). */
  threads: number[];
}

export interface ConvSizes {
  batch: number;
  cin: number;
  cout: number;
  size: number;
  kernel: number;
  padding: number;
}

export interface Measurement {
  /** Median seconds per call over the repetitions. */
  median: number;
  min: number;
  reps: number;
  /** Calls per repetition. */
  inner: number;
}

/** One row of one column: a workload at one size, its time and the values the parent checks. */
export interface CaseResult {
  /** The row, e.g. `W1 n=256 float32`, `W1 n=256 float32 threads=2`, `W2`, `W3`, `W4`, `W5`,
   * `W6 solve n=64`, `mem`. */
  key: string;
  time?: Measurement;
  /** Values compared with the float64 reference: sampled C entries (W1), the losses of two steps (W2),
   * the gradient (W3). */
  check?: number[];
  /** Checksum of the input data the child built, so the parent can see every child had the same. */
  checksum?: number;
  /** Other figures: a jit's compile seconds, `mem`'s resident set sizes in MiB. */
  extra?: Record<string, number>;
  /** Said of the figure in the table's notes (e.g. that it comes from the warm-up calls only). */
  note?: string;
  /** Why this library has no figure here (an unsupported dtype, say); not a failure. */
  skipped?: string;
  /** The error the workload threw. */
  error?: string;
}

export interface ChildResult {
  lib: LibId;
  /** Versions, backend, threads: what the table's footnotes show. */
  info: Record<string, string>;
  cases: CaseResult[];
}
