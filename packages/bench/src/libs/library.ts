import type { ConvData, ConvOutputs } from '../conv.js';
import type { ChainData, MatmulData, MlpData } from '../data.js';
import type { DigitsData, DigitsOutcome } from '../digits.js';
import type { BilinearData, SolveData } from '../linalg.js';
import type { DTypeName } from '../protocol.js';

/**
 * One library (in one mode) behind the same workloads. Each method sets a workload up from the
 * shared data and returns the call to time, which must force its result (read it back), or a string
 * saying why the library cannot run it (an unsupported dtype, say).
 */
export interface Library {
  /** Versions, backend, threads. */
  info: Record<string, string>;
  /** W1: a call computing C = A·B that returns C's values, row-major. */
  matmul(d: MatmulData, dtype: DTypeName): (() => ArrayLike<number>) | string;
  /** W2: a call doing one forward + backward + SGD step and returning the loss before the update. */
  mlpStep(d: MlpData): (() => number) | string;
  /** W3: a call returning d(Σ chain(x))/dx. */
  chainGrad(d: ChainData): (() => ArrayLike<number>) | string;
  /** W4: a call that trains a fresh network (from the shared initial weights) on the digits. */
  digits(d: DigitsData, epochs: number): (() => DigitsOutcome) | string;
  /** W5: a call computing y = conv2d(x, w) + b and, for the cotangent G, dx, dW and db. */
  conv(d: ConvData): (() => ConvOutputs) | string;
  /** W6, float64: X = A⁻¹B, row-major [n, rhs]. */
  solve(d: SolveData): (() => ArrayLike<number>) | string;
  /** W6, float64: the lower Cholesky factor of A, row-major [n, n]. */
  cholesky(d: SolveData): (() => ArrayLike<number>) | string;
  /** W6, float64: v[b] = Σ_ij x[b,i]·W[i,j]·y[b,j], written as the library's einsum. */
  bilinear(d: BilinearData): (() => ArrayLike<number>) | string;
  /** Sets the number of threads for what follows (null: back to the library's default), where the
   * library lets the user choose. */
  setThreads?(n: number | null): void;
}
