import { DTypeError } from './errors.js';

/** The element types a tensor can hold. `float32` is the default; `float64` is there for exact work. */
export type DType = 'float32' | 'float64';

/** The typed array behind a tensor of either dtype. */
export type FloatArray = Float32Array | Float64Array;

export const DTYPES: readonly DType[] = ['float32', 'float64'];

export function checkDType(op: string, dtype: unknown, arg = 'dtype'): DType {
  if (dtype === 'float32' || dtype === 'float64') return dtype;
  throw new DTypeError(op, `expected 'float32' or 'float64', got ${JSON.stringify(dtype)}`, arg);
}

/** Mixing dtypes promotes to float64, as NumPy does for float32 with float64. */
export const promote = (a: DType, b: DType): DType => (a === 'float64' || b === 'float64' ? 'float64' : 'float32');

export const alloc = (dtype: DType, n: number): FloatArray =>
  dtype === 'float64' ? new Float64Array(n) : new Float32Array(n);

export const dtypeOf = (data: FloatArray): DType => (data instanceof Float64Array ? 'float64' : 'float32');

/** Copies `data` into a new array of `dtype` (rounding to float32 when narrowing). */
export function castArray(data: ArrayLike<number>, dtype: DType): FloatArray {
  // The constructors convert a typed array in one native pass (`from` goes through the iterator).
  return dtype === 'float64' ? new Float64Array(data) : new Float32Array(data);
}
