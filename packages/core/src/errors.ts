/**
 * Typed errors. Every message names the op, the argument and what was wrong, so a user can find the
 * offending call without a debugger (as tfjs-core's tape does for shape mismatches).
 */

/** Base class of every error tapegrad throws on purpose. `op` and `arg` say where it came from. */
export class TapegradError extends Error {
  readonly op: string;
  readonly arg: string | undefined;
  constructor(op: string, message: string, arg?: string) {
    super(`${op}: ${arg !== undefined ? `argument '${arg}': ` : ''}${message}`);
    this.name = 'TapegradError';
    this.op = op;
    this.arg = arg;
  }
}

/** Shapes that do not fit: no broadcast, a matmul inner-dimension mismatch, an axis out of range, ragged data. */
export class ShapeError extends TapegradError {
  constructor(op: string, message: string, arg?: string) {
    super(op, message, arg);
    this.name = 'ShapeError';
  }
}

/** An unknown dtype, or data that cannot be held in the requested one. */
export class DTypeError extends TapegradError {
  constructor(op: string, message: string, arg?: string) {
    super(op, message, arg);
    this.name = 'DTypeError';
  }
}

/**
 * A matrix a linear-algebra op cannot factor: singular (solve, inv, lu) or not positive definite
 * (cholesky). `batch` is the matrix's index in the batch dims, `pivot` the first failing pivot (from 0).
 *
 * @example
 * try { cholesky(tensor([[1, 2], [2, 1]])); } catch (e) { (e as LinAlgError).pivot; } // 1
 */
export class LinAlgError extends TapegradError {
  readonly batch: readonly number[];
  readonly pivot: number;
  constructor(op: string, message: string, arg: string, batch: readonly number[], pivot: number) {
    super(op, message, arg);
    this.name = 'LinAlgError';
    this.batch = batch;
    this.pivot = pivot;
  }
}

/** Raised by `gradcheck(..., { throw: true })` when analytical and numerical Jacobians disagree. */
export class GradcheckError extends TapegradError {
  readonly report: unknown;
  constructor(message: string, report: unknown) {
    super('gradcheck', message);
    this.name = 'GradcheckError';
    this.report = report;
  }
}

/** Formats a shape the way NumPy prints it: `[2, 3]`. */
export const fmtShape = (shape: readonly number[]): string => `[${shape.join(', ')}]`;

/**
 * A value as an error message shows it: strings quoted (so `'2'` does not read as the number 2), a
 * BigInt with its `n`, containers by kind rather than by content.
 */
export function fmtValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'function') return 'a function';
  if (typeof v === 'symbol') return v.toString();
  if (v === null || typeof v !== 'object') return String(v);
  if (Array.isArray(v)) return `an array of length ${v.length}`;
  const name = (v as { constructor?: { name?: string } }).constructor?.name;
  return name && name !== 'Object' ? `a ${name}` : 'an object';
}
