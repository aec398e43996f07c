import { alloc, castArray, checkDType, type DType, type FloatArray } from './dtype.js';
import { ShapeError, TapegradError, fmtShape } from './errors.js';
import { checkShape, sizeOf } from './shape.js';
import { Tensor, type NestedArray } from './tensor.js';

/** Options every creation function takes. */
export interface TensorOptions {
  /** `'float32'` (default) or `'float64'`. A `Float64Array` given to `tensor()` defaults to float64. */
  dtype?: DType;
  /** Make the result a leaf that backward() fills `.grad` on. */
  requiresGrad?: boolean;
}

/** Data `tensor()` accepts: a number, nested arrays of numbers, or a flat (typed) array with `{ shape }`. */
export type TensorData = number | NestedArray | readonly number[] | Float32Array | Float64Array | Int32Array;

function make(data: FloatArray, shape: readonly number[], opts: TensorOptions): Tensor {
  return new Tensor(data, shape, opts.requiresGrad ?? false);
}

/** Shape of nested arrays, checking that they are not ragged; the path names the first bad element. */
function nestedShape(data: unknown): number[] {
  const shape: number[] = [];
  let level: unknown = data;
  while (Array.isArray(level)) {
    shape.push(level.length);
    if (level.length === 0) break;
    level = level[0];
  }
  const check = (x: unknown, dim: number, path: string): void => {
    if (dim === shape.length) {
      if (typeof x !== 'number') throw new ShapeError('tensor', `element at ${path || '[]'} is ${Array.isArray(x) ? 'an array' : JSON.stringify(x)}, expected a number (ragged nested arrays?)`, 'data');
      return;
    }
    if (!Array.isArray(x) || x.length !== shape[dim]) {
      throw new ShapeError('tensor', `ragged nested arrays: ${path || 'the top level'} has ${Array.isArray(x) ? `length ${x.length}` : 'a number'} where length ${shape[dim]} was expected`, 'data');
    }
    for (let i = 0; i < x.length; i++) check(x[i], dim + 1, `${path}[${i}]`);
  };
  check(data, 0, '');
  return shape;
}

/**
 * Creates a tensor from a number, nested arrays, or a flat typed array (or number array) with `{ shape }`.
 *
 * @example
 * const W = tensor([[1, 2], [3, 4]], { dtype: 'float64', requiresGrad: true }); // shape [2, 2]
 * const x = tensor(new Float32Array([1, 2, 3, 4, 5, 6]), { shape: [2, 3] });
 */
export function tensor(data: TensorData, opts: TensorOptions & { shape?: readonly number[] } = {}): Tensor {
  const inferred = data instanceof Float64Array ? 'float64' : 'float32';
  const dtype = checkDType('tensor', opts.dtype ?? inferred);
  if (typeof data === 'number') {
    const shape = opts.shape ? checkShape('tensor', opts.shape) : [];
    if (sizeOf(shape) !== 1) throw new ShapeError('tensor', `a single number cannot fill shape ${fmtShape(shape)}`, 'shape');
    const out = alloc(dtype, 1);
    out[0] = data;
    return make(out, shape, opts);
  }
  const flat = ArrayBuffer.isView(data) || (opts.shape !== undefined && (data as unknown[]).every((v) => typeof v === 'number'));
  if (flat) {
    const arr = data as ArrayLike<number>;
    const shape = checkShape('tensor', opts.shape ?? [arr.length]);
    if (sizeOf(shape) !== arr.length) {
      throw new ShapeError('tensor', `${arr.length} values cannot fill shape ${fmtShape(shape)} (${sizeOf(shape)} elements)`, 'shape');
    }
    return make(castArray(arr, dtype), shape, opts);
  }
  if (!Array.isArray(data)) throw new TapegradError('tensor', `expected a number, nested arrays or a typed array, got ${typeof data}`, 'data');
  const shape = nestedShape(data);
  if (opts.shape !== undefined && (opts.shape.length !== shape.length || opts.shape.some((d, i) => d !== shape[i]))) {
    throw new ShapeError('tensor', `nested data has shape ${fmtShape(shape)} but shape ${fmtShape(opts.shape)} was given`, 'shape');
  }
  const out = alloc(dtype, sizeOf(shape));
  let i = 0;
  const fill = (x: NestedArray): void => {
    if (typeof x === 'number') out[i++] = x;
    else for (const y of x) fill(y);
  };
  fill(data as NestedArray);
  return make(out, shape, opts);
}

/** A 0-d tensor. */
export const scalar = (value: number, opts: TensorOptions = {}): Tensor => tensor(value, opts);

/** `full` on behalf of `op`, which its errors name. */
function filled(op: string, shape: readonly number[], value: number, opts: TensorOptions): Tensor {
  const s = checkShape(op, shape);
  const out = alloc(checkDType(op, opts.dtype ?? 'float32'), sizeOf(s));
  if (!Object.is(value, 0)) out.fill(value); // a new array is already +0; −0 must still be written
  return make(out, s, opts);
}

/** A tensor of `shape` filled with `value`. */
export const full = (shape: readonly number[], value: number, opts: TensorOptions = {}): Tensor => filled('full', shape, value, opts);
export const zeros = (shape: readonly number[], opts: TensorOptions = {}): Tensor => filled('zeros', shape, 0, opts);
export const ones = (shape: readonly number[], opts: TensorOptions = {}): Tensor => filled('ones', shape, 1, opts);
/** Zeros with the shape and dtype of `t`. */
export const zerosLike = (t: Tensor, opts: TensorOptions = {}): Tensor => full(t.shape, 0, { dtype: t.dtype, ...opts });
/** Ones with the shape and dtype of `t`. */
export const onesLike = (t: Tensor, opts: TensorOptions = {}): Tensor => full(t.shape, 1, { dtype: t.dtype, ...opts });

/** The n×m identity matrix (m defaults to n). */
export function eye(n: number, m: number = n, opts: TensorOptions = {}): Tensor {
  const [r, c] = checkShape('eye', [n, m], 'n, m');
  const out = alloc(checkDType('eye', opts.dtype ?? 'float32'), r * c);
  for (let i = 0; i < Math.min(r, c); i++) out[i * c + i] = 1;
  return make(out, [r, c], opts);
}

/**
 * Evenly spaced values in [start, stop) by `step`, as NumPy's arange: `arange(5)` is 0..4.
 *
 * @example
 * arange(0, 1, 0.25).toArray(); // [0, 0.25, 0.5, 0.75]
 */
export function arange(start: number, stop?: number, step = 1, opts: TensorOptions = {}): Tensor {
  const [lo, hi] = stop === undefined ? [0, start] : [start, stop];
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) throw new TapegradError('arange', `start and stop must be finite, got ${lo} and ${hi}`, 'start/stop');
  if (!Number.isFinite(step) || step === 0) throw new TapegradError('arange', `step must be a finite non-zero number, got ${step}`, 'step');
  const n = Math.max(0, Math.ceil((hi - lo) / step));
  const out = alloc(checkDType('arange', opts.dtype ?? 'float32'), n);
  for (let i = 0; i < n; i++) out[i] = lo + i * step;
  return make(out, [n], opts);
}

/** `num` evenly spaced values from start to stop, both included (NumPy's linspace). */
export function linspace(start: number, stop: number, num: number, opts: TensorOptions = {}): Tensor {
  if (!Number.isInteger(num) || num < 0) throw new TapegradError('linspace', `num must be a non-negative integer, got ${num}`, 'num');
  const out = alloc(checkDType('linspace', opts.dtype ?? 'float32'), num);
  const step = num > 1 ? (stop - start) / (num - 1) : 0;
  for (let i = 0; i < num; i++) out[i] = i === num - 1 && num > 1 ? stop : start + i * step;
  return make(out, [num], opts);
}
