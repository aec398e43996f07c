import { ShapeError, fmtShape } from './errors.js';

export type Shape = readonly number[];

/**
 * n copies of v in a packed array. Shape, stride and index arrays are all built packed (by push, map,
 * spread — never `new Array(n)`, which V8 marks holey for good): code that reads them then sees one
 * kind of array and stays monomorphic, instead of being deoptimized and recompiled for the other kind.
 */
export function filled<T>(n: number, v: T): T[] {
  const out: T[] = [];
  for (let i = 0; i < n; i++) out.push(v);
  return out;
}

export const sizeOf = (shape: Shape): number => {
  let n = 1;
  // indexed: for-of over a frozen array (every tensor's shape) is about three times slower in V8
  for (let i = 0; i < shape.length; i++) n *= shape[i];
  return n;
};

/** Row-major strides, in elements. */
export function stridesOf(shape: Shape): number[] {
  const s = filled(shape.length, 0);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

/**
 * Whether two shapes are equal: the same number of dimensions and the same size in each. No
 * broadcasting: `[3]` and `[1, 3]` differ.
 *
 * @example
 * sameShape([2, 3], [2, 3]); // true
 * sameShape([3], [1, 3]); // false
 */
export function sameShape(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** NumPy broadcasting: align from the right; each pair of dims must be equal or one of them 1. */
export function broadcastShapes(op: string, a: Shape, b: Shape, argA = 'a', argB = 'b'): number[] {
  const n = Math.max(a.length, b.length);
  const out = filled(n, 0);
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new ShapeError(
        op,
        `shapes ${fmtShape(a)} (${argA}) and ${fmtShape(b)} (${argB}) do not broadcast: dimension ${i - n} is ${da} vs ${db}`,
      );
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** Strides for reading an array of `shape` as if broadcast to `outShape` (0 on broadcast dims). */
export function broadcastStrides(shape: Shape, outShape: Shape): number[] {
  const own = stridesOf(shape);
  const off = outShape.length - shape.length;
  return outShape.map((_, i) => (i < off || shape[i - off] === 1 ? 0 : own[i - off]));
}

/** Resolves a possibly negative axis against `ndim`, or throws naming the op and both numbers. */
export function normAxis(op: string, axis: number, ndim: number, arg = 'axis'): number {
  if (!Number.isInteger(axis) || axis < -ndim || axis >= ndim) {
    throw new ShapeError(op, `axis ${axis} is out of range for a tensor of rank ${ndim} (valid: ${-ndim}..${ndim - 1})`, arg);
  }
  return axis < 0 ? axis + ndim : axis;
}

/** `undefined` means every axis; a number or array is normalized, sorted and checked for repeats. */
export function normAxes(op: string, axis: number | readonly number[] | undefined | null, ndim: number): number[] {
  if (axis === undefined || axis === null) return Array.from({ length: ndim }, (_, i) => i);
  const list = typeof axis === 'number' ? [axis] : [...axis];
  const out = list.map((a) => normAxis(op, a, ndim)).sort((x, y) => x - y);
  for (let i = 1; i < out.length; i++) {
    if (out[i] === out[i - 1]) throw new ShapeError(op, `axis ${out[i]} is repeated in ${JSON.stringify(list)}`, 'axis');
  }
  return out;
}

export function checkShape(op: string, shape: unknown, arg = 'shape'): number[] {
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new ShapeError(op, `expected an array of non-negative integers, got ${JSON.stringify(shape)}`, arg);
  }
  return [...shape];
}

export { fmtShape };
