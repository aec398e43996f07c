/**
 * Typed errors. Every message names the op, the argument and what was wrong, so a user can find the
 * offending call without a debugger (as tfjs-core's tape does for shape mismatches).
 */

/**
 * Base class of every error tapegrad throws on purpose. `op` and `arg` say where it came from, and the
 * message starts with them: `op: argument 'arg': what was wrong`. Subclasses narrow the kind.
 *
 * @example
 * try {
 *   clamp(tensor([1]), NaN);
 * } catch (e) {
 *   (e as TapegradError).op; // 'clamp'
 *   (e as TapegradError).arg; // 'min'
 *   (e as TapegradError).message; // "clamp: argument 'min': a bound must not be NaN"
 * }
 */
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

/**
 * Shapes that do not fit: no broadcast, a matmul inner-dimension mismatch, an axis out of range, ragged
 * data. PyTorch raises a plain RuntimeError for these; here `instanceof ShapeError` tells them apart.
 *
 * @example
 * try {
 *   add(tensor([1, 2]), tensor([1, 2, 3]));
 * } catch (e) {
 *   e instanceof ShapeError; // true
 *   (e as ShapeError).op; // 'add'
 * }
 */
export class ShapeError extends TapegradError {
  constructor(op: string, message: string, arg?: string) {
    super(op, message, arg);
    this.name = 'ShapeError';
  }
}

/**
 * An unknown dtype, or data that cannot be held in the requested one (a string, a BigInt, a hole).
 *
 * @example
 * try {
 *   tensor([1, 2], { dtype: 'int8' as DType });
 * } catch (e) {
 *   e instanceof DTypeError; // true
 * }
 */
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

/**
 * Raised by `gradcheck(..., { throw: true })` when analytical and numerical Jacobians disagree. Its
 * message names output i and input j; `report` is the full `GradcheckReport`.
 *
 * @example
 * const badSquare = customOp({ name: 'badSquare', forward: (x) => x.square(), vjp: (dy, { inputs: [x] }) => [dy.mul(x)] }); // should be 2x
 * try {
 *   gradcheck((x: Tensor) => badSquare(x), [tensor([1, 2], { dtype: 'float64' })], { throw: true });
 * } catch (e) {
 *   e instanceof GradcheckError; // true
 * }
 */
export class GradcheckError extends TapegradError {
  readonly report: unknown;
  constructor(message: string, report: unknown) {
    super('gradcheck', message);
    this.name = 'GradcheckError';
    this.report = report;
  }
}

/**
 * Formats a shape the way NumPy prints it: `[2, 3]` (a 0-d shape is `[]`). Error messages use it.
 *
 * @example
 * fmtShape([2, 3]); // '[2, 3]'
 * fmtShape([]); // '[]'
 */
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
