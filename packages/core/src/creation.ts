import { alloc, castArray, checkDType, type DType, type FloatArray } from './dtype.js';
import { DTypeError, ShapeError, TapegradError, fmtShape, fmtValue } from './errors.js';
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

/**
 * The most elements a tensor may hold: 2³² − 1. Node 20's V8 refuses typed arrays longer than 2³²,
 * and below that every flat index fits an unsigned 32-bit integer. Creation checks it before
 * allocating, so an absurd size is a ShapeError naming the op, not a RangeError from the engine.
 */
export const MAX_SIZE = 2 ** 32 - 1;

/** `n` elements for `op`'s argument `arg` (described by `what`), checked against MAX_SIZE. */
export function checkSize(op: string, n: number, arg: string, what: string): number {
  if (n > MAX_SIZE) {
    throw new ShapeError(op, `${what} has ${n} elements, more than the ${MAX_SIZE} (2^32 − 1) a tensor may hold`, arg);
  }
  return n;
}

/** A zeroed array of `n` elements; the engine's out-of-memory RangeError becomes a TapegradError naming `op`. */
export function allocate(op: string, dtype: DType, n: number): FloatArray {
  try {
    return alloc(dtype, n);
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    throw new TapegradError(op, `cannot allocate ${n} ${dtype} elements (${((n * (dtype === 'float64' ? 8 : 4)) / 2 ** 30).toFixed(1)} GiB): ${e.message}`);
  }
}

/** The shape `shape` for `op`, checked to be non-negative integers holding at most MAX_SIZE elements. */
export function checkSizedShape(op: string, shape: unknown, arg = 'shape'): number[] {
  const s = checkShape(op, shape, arg);
  checkSize(op, sizeOf(s), arg, `shape ${fmtShape(s)}`);
  return s;
}

/** `v` if it is a number, else a DTypeError: tensors hold numbers, not BigInts, strings, null or undefined. */
function checkNumber(op: string, v: unknown, arg: string): number {
  if (typeof v === 'number') return v;
  throw new DTypeError(op, `expected a number, got ${fmtValue(v)}${typeof v === 'bigint' ? ' (convert a BigInt with Number())' : ''}`, arg);
}

/** `v` if it is a finite number, else a TapegradError naming `arg`. */
function checkFinite(op: string, v: unknown, arg: string): number {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  throw new TapegradError(op, `${arg} must be a finite number, got ${fmtValue(v)}`, arg);
}

/** Shape of nested arrays, checking that they are not ragged; the path names the first bad element. */
function nestedShape(data: unknown): number[] {
  const shape: number[] = [];
  const chain = new Set<unknown>();
  let level: unknown = data;
  while (Array.isArray(level)) {
    // an array that contains itself would make this walk endless
    if (chain.has(level)) throw new ShapeError('tensor', `nested arrays contain themselves (at depth ${shape.length})`, 'data');
    chain.add(level);
    shape.push(level.length);
    if (level.length === 0) break;
    level = level[0];
  }
  const check = (x: unknown, dim: number, path: string): void => {
    if (dim === shape.length) {
      if (Array.isArray(x)) throw new ShapeError('tensor', `element at ${path || '[]'} is an array, expected a number (ragged nested arrays?)`, 'data');
      if (typeof x !== 'number') throw new DTypeError('tensor', `element at ${path || '[]'} is ${fmtValue(x)}, expected a number`, 'data');
      return;
    }
    if (!Array.isArray(x) || x.length !== shape[dim]) {
      throw new ShapeError('tensor', `ragged nested arrays: ${path || 'the top level'} has ${Array.isArray(x) ? `length ${x.length}` : 'a number'} where length ${shape[dim]} was expected`, 'data');
    }
    for (let i = 0; i < x.length; i++) {
      if (!(i in x)) throw new DTypeError('tensor', `element at ${path}[${i}] is a hole (a sparse array such as [1, , 3]), expected a number`, 'data');
      check(x[i], dim + 1, `${path}[${i}]`);
    }
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
  if (typeof data !== 'object' || data === null) {
    if (typeof data !== 'number' && (data === null || data === undefined || typeof data === 'function' || typeof data === 'symbol')) {
      throw new TapegradError('tensor', `expected a number, nested arrays or a typed array, got ${fmtValue(data)}`, 'data');
    }
    const shape = opts.shape ? checkShape('tensor', opts.shape) : [];
    if (sizeOf(shape) !== 1) throw new ShapeError('tensor', `a single number cannot fill shape ${fmtShape(shape)}`, 'shape');
    const out = alloc(dtype, 1);
    out[0] = checkNumber('tensor', data, 'data');
    return make(out, shape, opts);
  }
  if (ArrayBuffer.isView(data)) {
    if (data instanceof DataView) throw new TapegradError('tensor', 'got a DataView, expected a typed array such as Float32Array', 'data');
    const view: unknown = data;
    if (view instanceof BigInt64Array || view instanceof BigUint64Array) {
      throw new DTypeError('tensor', `got a ${view.constructor.name}: tensors hold float32 or float64, not BigInts (convert with Float64Array.from(data, Number))`, 'data');
    }
  } else if (!Array.isArray(data)) {
    throw new TapegradError('tensor', `expected a number, nested arrays or a typed array, got ${fmtValue(data)}`, 'data');
  }
  if (ArrayBuffer.isView(data) || (opts.shape !== undefined && isFlatNumbers(data as unknown[]))) {
    const arr = data as ArrayLike<number>;
    const shape = checkShape('tensor', opts.shape ?? [arr.length]);
    if (sizeOf(shape) !== arr.length) {
      throw new ShapeError('tensor', `${arr.length} values cannot fill shape ${fmtShape(shape)} (${sizeOf(shape)} elements)`, 'shape');
    }
    return make(castArray(arr, dtype), shape, opts);
  }
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

/** Whether `data` is a flat array of numbers with no holes (`every` would skip holes). */
function isFlatNumbers(data: readonly unknown[]): boolean {
  for (let i = 0; i < data.length; i++) if (typeof data[i] !== 'number') return false;
  return true;
}

/**
 * A 0-d tensor (shape `[]`) holding `value`, float32 unless `opts.dtype` says otherwise.
 *
 * @example
 * const s = scalar(3, { dtype: 'float64' }); // shape [], s.item() is 3
 * s.item(); // 3
 */
export const scalar = (value: number, opts: TensorOptions = {}): Tensor => tensor(value, opts);

/** `full` on behalf of `op`, which its errors name. */
function filled(op: string, shape: readonly number[], value: number, opts: TensorOptions): Tensor {
  const s = checkSizedShape(op, shape);
  const v = checkNumber(op, value, 'value');
  const out = allocate(op, checkDType(op, opts.dtype ?? 'float32'), sizeOf(s));
  if (!Object.is(v, 0)) out.fill(v); // a new array is already +0; −0 must still be written
  return make(out, s, opts);
}

/**
 * A tensor of `shape` filled with `value` (any number, NaN and ±Infinity included; `undefined`, `null`
 * or a string is a DTypeError, where PyTorch would fill NaN or 0 for neither).
 *
 * @example
 * full([2], -Infinity).toArray(); // [-Infinity, -Infinity]
 */
export const full = (shape: readonly number[], value: number, opts: TensorOptions = {}): Tensor => filled('full', shape, value, opts);
/**
 * A tensor of `shape` filled with 0 (float32 unless `opts.dtype` says otherwise). The shape is an
 * array, as NumPy's `zeros((2, 3))`, not PyTorch's spread `zeros(2, 3)`.
 *
 * @example
 * zeros([2, 3]).toArray(); // [[0, 0, 0], [0, 0, 0]]
 * const b = zeros([3, 1], { requiresGrad: true }); // a bias b[l] of shape [n_l, 1]
 */
export const zeros = (shape: readonly number[], opts: TensorOptions = {}): Tensor => filled('zeros', shape, 0, opts);
/**
 * A tensor of `shape` filled with 1 (float32 unless `opts.dtype` says otherwise); the shape is an array.
 *
 * @example
 * ones([2]).toArray(); // [1, 1]
 */
export const ones = (shape: readonly number[], opts: TensorOptions = {}): Tensor => filled('ones', shape, 1, opts);
/**
 * Zeros with the shape and dtype of `t` (`opts` may override the dtype). It is a new leaf: it does not
 * take over `t`'s `requiresGrad`, as PyTorch's `zeros_like` does not.
 *
 * @example
 * zerosLike(tensor([[1, 2]], { dtype: 'float64' })).toArray(); // [[0, 0]]
 */
export const zerosLike = (t: Tensor, opts: TensorOptions = {}): Tensor => full(t.shape, 0, { dtype: t.dtype, ...opts });
/**
 * Ones with the shape and dtype of `t` (`opts` may override the dtype); a new leaf, as `zerosLike`.
 *
 * @example
 * onesLike(tensor([5, 6, 7])).toArray(); // [1, 1, 1]
 */
export const onesLike = (t: Tensor, opts: TensorOptions = {}): Tensor => full(t.shape, 1, { dtype: t.dtype, ...opts });

/**
 * The n×m identity matrix (m defaults to n).
 *
 * @example
 * eye(2).toArray(); // [[1, 0], [0, 1]]
 */
export function eye(n: number, m: number = n, opts: TensorOptions = {}): Tensor {
  const [r, c] = checkSizedShape('eye', [n, m], 'n, m');
  const out = allocate('eye', checkDType('eye', opts.dtype ?? 'float32'), r * c);
  for (let i = 0; i < Math.min(r, c); i++) out[i * c + i] = 1;
  return make(out, [r, c], opts);
}

/**
 * Evenly spaced values in [start, stop) by `step`, as NumPy's arange: `arange(5)` is 0..4. At most
 * MAX_SIZE (2³² − 1) values.
 *
 * @example
 * arange(0, 1, 0.25).toArray(); // [0, 0.25, 0.5, 0.75]
 */
export function arange(start: number, stop?: number, step = 1, opts: TensorOptions = {}): Tensor {
  const [lo, hi] = stop === undefined ? [0, start] : [start, stop];
  for (const [v, name] of [[lo, stop === undefined ? 'stop' : 'start'], [hi, 'stop']] as const) {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new TapegradError('arange', `start and stop must be finite numbers, got ${fmtValue(lo)} and ${fmtValue(hi)}`, name);
  }
  if (typeof step !== 'number' || !Number.isFinite(step) || step === 0) throw new TapegradError('arange', `step must be a finite non-zero number, got ${fmtValue(step)}`, 'step');
  const n = checkSize('arange', Math.max(0, Math.ceil((hi - lo) / step)), 'stop', `the range from ${lo} to ${hi} by ${step}`);
  const out = allocate('arange', checkDType('arange', opts.dtype ?? 'float32'), n);
  for (let i = 0; i < n; i++) out[i] = lo + i * step;
  return make(out, [n], opts);
}

/**
 * `num` evenly spaced values from start to stop, both included (NumPy's linspace). `num` is at most
 * MAX_SIZE (2³² − 1); start and stop must be finite.
 *
 * @example
 * linspace(0, 1, 5).toArray(); // [0, 0.25, 0.5, 0.75, 1]
 */
export function linspace(start: number, stop: number, num: number, opts: TensorOptions = {}): Tensor {
  checkFinite('linspace', start, 'start');
  checkFinite('linspace', stop, 'stop');
  if (!Number.isInteger(num) || num < 0) throw new TapegradError('linspace', `num must be a non-negative integer, got ${fmtValue(num)}`, 'num');
  checkSize('linspace', num, 'num', `num = ${num}`);
  const out = allocate('linspace', checkDType('linspace', opts.dtype ?? 'float32'), num);
  const step = num > 1 ? (stop - start) / (num - 1) : 0;
  for (let i = 0; i < num; i++) out[i] = i === num - 1 && num > 1 ? stop : start + i * step;
  return make(out, [num], opts);
}
