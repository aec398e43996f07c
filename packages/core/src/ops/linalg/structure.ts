/**
 * Matrix structure: triangles, diagonals, trace and the outer product. All are composites of layout
 * and elementwise primitives (a diagonal is a strided slice of the flattened matrix, `diag` of a
 * vector its adjoint), so their gradients, and the gradients of those, come from the primitives'.
 */
import { alloc, type DType } from '../../dtype.js';
import { ShapeError, TapegradError, fmtShape, fmtValue } from '../../errors.js';
import { normAxis } from '../../shape.js';
import { Tensor } from '../../tensor.js';
import { mul, where } from '../arith.js';
import { expectTensor } from '../define.js';
import { reshape, sliceRaw, transpose, unslice } from '../layout.js';
import { sum } from '../reduce.js';

function checkOffset(op: string, k: unknown): number {
  if (!Number.isInteger(k)) throw new TapegradError(op, `expected an integer diagonal offset, got ${fmtValue(k)}`, 'k');
  return k as number;
}

function checkMatrix(op: string, x: Tensor): void {
  expectTensor(op, x);
  if (x.ndim < 2) throw new ShapeError(op, `expected a matrix or a batch of matrices (rank ≥ 2), got shape ${fmtShape(x.shape)}`, 'x');
}

/** An n×m constant: `inside` where j − i ≤ k (lower) or j − i ≥ k (upper), 0 elsewhere; `onDiag` on j = i. */
export function triangleMask(n: number, m: number, k: number, lower: boolean, dtype: DType, inside = 1, onDiag = inside): Tensor {
  const out = alloc(dtype, n * m);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      if (lower ? j - i <= k : j - i >= k) out[i * m + j] = i === j ? onDiag : inside;
    }
  }
  return new Tensor(out, [n, m]);
}

/** The n×n identity of `dtype` (a constant). */
export function diagonalMatrix(n: number, dtype: DType): Tensor {
  const out = alloc(dtype, n * n);
  for (let i = 0; i < n; i++) out[i * n + i] = 1;
  return new Tensor(out, [n, n]);
}

function triangle(op: string, x: Tensor, k: number, lower: boolean): Tensor {
  checkMatrix(op, x);
  const mask = triangleMask(x.shape[x.ndim - 2], x.shape[x.ndim - 1], checkOffset(op, k), lower, x.dtype);
  return where(mask, x, 0); // not x·mask: an infinite x outside the triangle still gives 0
}

/**
 * The lower triangle of each matrix (the last two axes): elements with j − i ≤ k kept, the rest 0.
 *
 * @example
 * tril(tensor([[1, 2], [3, 4]])).toArray(); // [[1, 0], [3, 4]]
 */
export const tril = (x: Tensor, k = 0): Tensor => triangle('tril', x, k, true);

/**
 * The upper triangle of each matrix (the last two axes): elements with j − i ≥ k kept, the rest 0.
 *
 * @example
 * triu(tensor([[1, 2], [3, 4]]), 1).toArray(); // [[0, 2], [0, 0]]
 */
export const triu = (x: Tensor, k = 0): Tensor => triangle('triu', x, k, false);

/** Where diagonal k of an n×m matrix starts in the flattened matrix, and its length. */
function diagonalSpan(n: number, m: number, k: number): { start: number; length: number } {
  const length = Math.max(0, k >= 0 ? Math.min(n, m - k) : Math.min(n + k, m));
  return { start: length === 0 ? 0 : k >= 0 ? k : -k * m, length };
}

/**
 * Diagonal `k` (0 the main one, > 0 above, < 0 below) of the matrices spanned by `axis1` and `axis2`
 * (the last two by default), as a new last axis — NumPy's and PyTorch's `diagonal`.
 *
 * @example
 * diagonal(tensor([[1, 2], [3, 4]])).toArray(); // [1, 4]
 */
export function diagonal(x: Tensor, k = 0, axis1 = -2, axis2 = -1): Tensor {
  checkMatrix('diagonal', x);
  const a1 = normAxis('diagonal', axis1, x.ndim, 'axis1'), a2 = normAxis('diagonal', axis2, x.ndim, 'axis2');
  if (a1 === a2) throw new ShapeError('diagonal', `axis1 and axis2 must differ, both are ${a1}`, 'axis2');
  const rest = x.shape.map((_, i) => i).filter((i) => i !== a1 && i !== a2);
  const moved = a1 === x.ndim - 2 && a2 === x.ndim - 1 ? x : transpose(x, [...rest, a1, a2]);
  const n = x.shape[a1], m = x.shape[a2];
  const lead = rest.map((i) => x.shape[i]);
  const { start, length } = diagonalSpan(n, m, checkOffset('diagonal', k));
  // element (i, i + k) of the flattened matrix sits at start + i·(m + 1)
  const flat = reshape(moved, [...lead, n * m]);
  return sliceRaw(flat, [...lead.map(() => 0), start], [...lead.map(() => 1), m + 1], [...lead, length]);
}

/**
 * A vector's diagonal matrix (its elements on diagonal `k`), or a matrix's diagonal `k` as a vector —
 * both directions of NumPy's and PyTorch's `diag`.
 *
 * @example
 * diag(tensor([1, 2])).toArray(); // [[1, 0], [0, 2]]
 */
export function diag(x: Tensor, k = 0): Tensor {
  expectTensor('diag', x);
  const off = checkOffset('diag', k);
  if (x.ndim === 2) return diagonal(x, off);
  if (x.ndim !== 1) throw new ShapeError('diag', `expected a vector or a matrix, got shape ${fmtShape(x.shape)}`, 'x');
  const n = x.shape[0] + Math.abs(off);
  const { start } = diagonalSpan(n, n, off);
  return reshape(unslice(x, [start], [n + 1], [n * n]), [n, n]);
}

/**
 * Σ of diagonal `k` of each matrix (the last two axes): a batch of matrices gives a batch of traces.
 * (NumPy's `trace` of an N-D array uses its first two axes; PyTorch's takes only 2-D input.)
 *
 * @example
 * trace(tensor([[1, 2], [3, 4]])).item(); // 5
 */
export function trace(x: Tensor, k = 0): Tensor {
  checkMatrix('trace', x);
  return sum(diagonal(x, k), -1);
}

/**
 * The outer product of two vectors: out[i, j] = a[i]·b[j].
 *
 * @example
 * outer(tensor([1, 2]), tensor([3, 4, 5])).toArray(); // [[3, 4, 5], [6, 8, 10]]
 */
export function outer(a: Tensor, b: Tensor): Tensor {
  for (const [x, arg] of [[a, 'a'], [b, 'b']] as const) {
    expectTensor('outer', x, arg);
    if (x.ndim !== 1) throw new ShapeError('outer', `expected a vector, got shape ${fmtShape(x.shape)}`, arg);
  }
  return mul(reshape(a, [a.shape[0], 1]), reshape(b, [1, b.shape[0]]));
}
