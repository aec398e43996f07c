/**
 * Vector and matrix norms, as `torch.linalg.vector_norm` and `matrix_norm`: composites of abs, pow,
 * sum, max, min and svdvals, so their gradients (and those of their gradients) come from those ops'.
 */
import { ShapeError, TapegradError, fmtShape, fmtValue } from '../../errors.js';
import { normAxis } from '../../shape.js';
import type { Tensor } from '../../tensor.js';
import { abs, div, eq, gt, lt, mul, ne, where } from '../arith.js';
import { expectTensor } from '../define.js';
import { reshape, transpose, type Axis } from '../layout.js';
import { keptShape, max, min, sum } from '../reduce.js';
import { norm } from '../stats.js';
import { pow } from '../unary.js';
import { svdvals } from './svd.js';

/** The options of `vectorNorm`: the order p and the dims to reduce (all by default). */
export interface VectorNormOptions {
  /** p: any real number, `Infinity` (max |x|), `-Infinity` (min |x|) or 0 (the count of nonzeros). Default 2. */
  ord?: number;
  /** The dim or dims to reduce (negative from the end); all of them by default (also for [], as PyTorch). */
  dim?: Axis | null;
  /** Keep the reduced dims as size 1. Default false. */
  keepdim?: boolean;
}

/** The matrix norms `matrixNorm` takes. */
export type MatrixNormOrder = 'fro' | 'nuc' | 1 | -1 | 2 | -2 | typeof Infinity;

/** The options of `matrixNorm`: the order and the two dims that hold the matrices. */
export interface MatrixNormOptions {
  /** 'fro' (the default), 'nuc', 1, −1, 2, −2, `Infinity` or `-Infinity`. */
  ord?: MatrixNormOrder;
  /** The row and column dims of the matrices, default [−2, −1]. */
  dim?: readonly [number, number];
  /** Keep the two reduced dims as size 1. Default false. */
  keepdim?: boolean;
}

/**
 * `dim` resolved to sorted distinct dims of x, or a ShapeError naming `dim`. As in PyTorch, null,
 * undefined and [] mean every dim, and a 0-d x takes dim 0 or −1.
 */
function dimsOf(op: string, x: Tensor, dim: Axis | null | undefined): number[] {
  if (typeof dim !== 'number' && !Array.isArray(dim) && dim !== undefined && dim !== null) {
    throw new TapegradError(op, `expected a dim, an array of them or null, got ${fmtValue(dim)}`, 'dim');
  }
  const list = typeof dim === 'number' ? [dim] : [...(dim ?? [])];
  if (list.length === 0 || (x.ndim === 0 && list.every((d) => d === 0 || d === -1))) return x.shape.map((_, i) => i);
  const dims = list.map((d) => normAxis(op, d, x.ndim, 'dim')).sort((a, b) => a - b);
  dims.forEach((d, i) => {
    if (i > 0 && d === dims[i - 1]) throw new ShapeError(op, `dim ${d} is repeated in ${JSON.stringify(list)}`, 'dim');
  });
  return dims;
}

function checkKeepdim(op: string, keepdim: unknown): boolean {
  if (typeof keepdim !== 'boolean') throw new TapegradError(op, `expected a boolean, got ${fmtValue(keepdim)}`, 'keepdim');
  return keepdim;
}

/**
 * ‖x‖_p = (Σ|x|^p)^(1/p) for p ∉ {0, 1, 2, ±∞}, as m·(Σ(|x|/m)^p)^(1/p) with m held constant (the
 * norm is homogeneous): max|x| for p > 0 and min|x| for p < 0, so every term is at most 1, the largest
 * is 1, and the sum neither overflows nor loses the terms that matter. Zeros are kept out of
 * pow's rule: for p > 0 they add 0 with gradient 0; for p < 0 one zero makes the sum ∞ and the norm 0.
 */
function pNorm(x: Tensor, p: number, dims: number[], keepdim: boolean): Tensor {
  if (dims.some((d) => x.shape[d] === 0)) return sum(abs(x), dims, keepdim); // no elements: 0 (p > 0 here)
  const m = (p > 0 ? max : min)(abs(x.detach()), dims, true);
  const scale = where(mul(gt(m, 0), lt(m, Infinity)), m, 1); // 0, ∞ and NaN (all of which propagate) are not scaled
  const a = div(abs(x), scale);
  const zero = eq(a, 0);
  const terms = where(zero, p > 0 ? 0 : Infinity, pow(where(zero, 1, a), p));
  const s = sum(terms, dims, keepdim);
  const sZero = eq(s, 0); // every element 0 (p > 0): the norm is 0 and so is its gradient, as PyTorch's
  const r = where(sZero, 0, pow(where(sZero, 1, s), 1 / p));
  return mul(r, reshape(scale, keepdim ? scale.shape : r.shape));
}

/**
 * The vector p-norm of x over `dim` (all dims by default, as if flattened), as
 * `torch.linalg.vector_norm`: `ord` p = 2 (default) gives √Σx², any real p gives (Σ|x|^p)^(1/p)
 * (negative p too), `Infinity` max |x|, `-Infinity` min |x| and 0 the number of nonzero elements.
 * Computed without overflow or underflow for large and tiny x (`norm`'s scaling, for every p).
 *
 * Gradients where the norm has none, all as PyTorch 1.13: at x = 0 every p > 0 gives 0 (p = 2:
 * x/‖x‖ is 0 there; p = 1: sign(x) with sign(0) = 0); for 0 < p < 1 an element that is 0 gets 0 (its
 * one-sided derivative is infinite); for p < 0 any zero element makes the norm 0 and the whole
 * gradient 0; ±∞ shares the gradient evenly among tied extremes (with sign(x), so 0 at x = 0); ord
 * 0 is piecewise constant, gradient 0. The empty vector has norm 0 for p ≥ 0 and is a ShapeError for
 * p < 0 and ±∞ (no identity), as in PyTorch.
 *
 * @example
 * vectorNorm(tensor([3, -4])).item(); // 5
 * vectorNorm(tensor([3, -4]), { ord: 1 }).item(); // 7
 * vectorNorm(tensor([[1, -5], [2, 0]]), { ord: -Infinity, dim: 1 }).toArray(); // [1, 0]
 * vectorNorm(tensor([[1, -5], [2, 0]]), { ord: 0, dim: 0, keepdim: true }).toArray(); // [[2, 1]]
 */
export function vectorNorm(x: Tensor, options: VectorNormOptions = {}): Tensor {
  expectTensor('vectorNorm', x);
  const { ord = 2, dim, keepdim = false } = options;
  if (typeof ord !== 'number' || Number.isNaN(ord)) {
    const given: unknown = ord, matrix = given === 'fro' || given === 'nuc' ? ' (a matrix norm: use matrixNorm)' : '';
    throw new TapegradError('vectorNorm', `ord must be a real number, Infinity or -Infinity, got ${typeof given === 'string' ? JSON.stringify(given) : fmtValue(given)}${matrix}`, 'ord');
  }
  const dims = dimsOf('vectorNorm', x, dim), keep = checkKeepdim('vectorNorm', keepdim);
  if ((ord < 0 || ord === Infinity) && dims.some((d) => x.shape[d] === 0)) {
    throw new ShapeError('vectorNorm', `the ${ord} norm of no elements is undefined (it has no identity); shape ${fmtShape(x.shape)} is empty along dims ${JSON.stringify(dims)}`, 'x');
  }
  if (ord === 2) return norm(x, 2, dims, keep);
  if (ord === 1) return sum(abs(x), dims, keep);
  if (ord === 0) return sum(ne(x, 0), dims, keep);
  if (ord === Infinity) return max(abs(x), dims, keep);
  if (ord === -Infinity) return min(abs(x), dims, keep);
  return pNorm(x, ord, dims, keep);
}

const MATRIX_ORDERS: readonly unknown[] = ['fro', 'nuc', 1, -1, 2, -2, Infinity, -Infinity];

/**
 * The matrix norm of each matrix of A, whose rows and columns are the dims `dim` (default [−2, −1]),
 * as `torch.linalg.matrix_norm`: 'fro' (default) √Σa², 'nuc' the sum of the singular values, 1 and −1
 * the largest and smallest column sum of |a|, `Infinity` and `-Infinity` the largest and smallest row
 * sum, 2 and −2 the largest and smallest singular value.
 *
 * Gradients where the norm has none, all as PyTorch 1.13: 'fro' is 0 at A = 0; 1, ∞ and 2 (and their
 * negatives) share the gradient evenly among tied column sums, row sums or singular values (at a tie
 * of σ, ½(u₁v₁ᵀ + u₂v₂ᵀ), which does not depend on the basis picked), and an element that is 0 gets 0
 * from |a|; 'nuc' is U·Vh, whose part for σ = 0 is one subgradient of many, built from the singular
 * vectors `svd` picks there (PyTorch's LAPACK picks others, so that part can differ). The second
 * derivative of 'nuc', 2 and −2 needs distinct singular values (see `svd`).
 *
 * @example
 * const A = tensor([[1, -2], [3, 4]], { dtype: 'float64' });
 * matrixNorm(A).item(); // 5.477225575051661  (√30)
 * matrixNorm(A, { ord: 1 }).item(); // 6  (column 1: |−2| + |4|)
 * matrixNorm(A, { ord: Infinity }).item(); // 7  (row 1: |3| + |4|)
 * matrixNorm(tensor([[3, 0], [0, -4]]), { ord: 'nuc' }).item(); // 7
 */
export function matrixNorm(A: Tensor, options: MatrixNormOptions = {}): Tensor {
  expectTensor('matrixNorm', A, 'A');
  const { ord = 'fro', dim = [-2, -1], keepdim = false } = options;
  if (A.ndim < 2) throw new ShapeError('matrixNorm', `expected a matrix or a batch of matrices (rank ≥ 2), got shape ${fmtShape(A.shape)}`, 'A');
  if (!MATRIX_ORDERS.includes(ord)) {
    throw new TapegradError('matrixNorm', `ord must be 'fro', 'nuc', 1, -1, 2, -2, Infinity or -Infinity, got ${typeof ord === 'string' ? JSON.stringify(ord) : fmtValue(ord)}`, 'ord');
  }
  if (!Array.isArray(dim) || dim.length !== 2) throw new TapegradError('matrixNorm', `dim must be two dims [rows, columns], got ${fmtValue(dim)}`, 'dim');
  const [r, c] = dim.map((d) => normAxis('matrixNorm', d, A.ndim, 'dim'));
  if (r === c) throw new ShapeError('matrixNorm', `dim must name two different dims, got ${JSON.stringify(dim)} (both ${r})`, 'dim');
  const keep = checkKeepdim('matrixNorm', keepdim);
  const kept = keptShape(A.shape, [r, c]);
  const out = (t: Tensor) => reshape(t, keep ? kept : A.shape.filter((_, i) => i !== r && i !== c));
  const empty = (d: number) => {
    if (A.shape[d] === 0) throw new ShapeError('matrixNorm', `the ${String(ord)} norm of an empty matrix is undefined, got shape ${fmtShape(A.shape)}`, 'A');
  };
  if (ord === 'fro') return norm(A, 2, [r, c], keep);
  if (ord === 1 || ord === -1 || ord === Infinity || ord === -Infinity) {
    // 1: the largest column sum (sum down the rows, then the extreme over the columns); ∞: rows
    const [along, across] = ord === 1 || ord === -1 ? [r, c] : [c, r];
    empty(across);
    const sums = sum(abs(A), along, true);
    return out(ord > 0 ? max(sums, across, true) : min(sums, across, true));
  }
  // the singular values, with the matrix dims moved to the end
  const rest = A.shape.map((_, i) => i).filter((i) => i !== r && i !== c);
  const S = svdvals(transpose(A, [...rest, r, c]));
  if (ord === 'nuc') return out(sum(S, -1));
  empty(r);
  empty(c);
  return out(ord === 2 ? max(S, -1) : min(S, -1));
}
