import type { ChainData, MatmulData, MlpData } from '../data.js';
import type { DigitsData, DigitsOutcome } from '../digits.js';
import type { DTypeName } from '../protocol.js';

/**
 * One library (in one mode) behind the same four workloads. Each method sets a workload up from the
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
  /** Sets the number of threads for what follows (null: back to the library's default), where the
   * library lets the user choose. */
  setThreads?(n: number | null): void;
}
