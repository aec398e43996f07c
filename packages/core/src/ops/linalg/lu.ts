import { alloc, type DType } from '../../dtype.js';
import { ShapeError, fmtShape } from '../../errors.js';
import { kernels } from '../../kernels/index.js';
import { apply } from '../../tape.js';
import { Tensor } from '../../tensor.js';
import { add, sub } from '../arith.js';
import { defineOp, expectTensor, type Grads } from '../define.js';
import { concat, mT, sliceRaw } from '../layout.js';
import { matmul, matmulT } from '../matmul.js';
import { batchOf, checkPivots } from './common.js';
import { tril, triu } from './structure.js';
import { triangularSolve } from './triangular.js';

/** The permutation matrices P (A = P·L·U, P m×m) of the row swaps `piv` (k a matrix) of `count` factorizations. */
function permutations(piv: Int32Array, m: number, k: number, count: number, batch: readonly number[], dtype: DType): Tensor {
  const out = alloc(dtype, count * m * m);
  const rows = new Int32Array(m);
  for (let b = 0; b < count; b++) {
    for (let i = 0; i < m; i++) rows[i] = i;
    for (let i = 0; i < k; i++) {
      const p = piv[b * k + i];
      [rows[i], rows[p]] = [rows[p], rows[i]];
    }
    // row i of L·U is row rows[i] of A, so P[rows[i], i] = 1
    for (let i = 0; i < m; i++) out[b * m * m + rows[i] * m + i] = 1;
  }
  return new Tensor(out, [...batch, m, m]);
}

/** The rows × cols block of each matrix of X starting at (row, col). */
function block(X: Tensor, row: number, col: number, rows: number, cols: number): Tensor {
  const lead = X.shape.slice(0, -2);
  return sliceRaw(X, [...lead.map(() => 0), row, col], X.shape.map(() => 1), [...lead, rows, cols]);
}

/** The m×k "identity" (ones on the main diagonal) of `dtype`, a constant. */
function eyeLike(m: number, k: number, dtype: DType): Tensor {
  const out = alloc(dtype, m * k);
  for (let i = 0; i < Math.min(m, k); i++) out[i * k + i] = 1;
  return new Tensor(out, [m, k]);
}

type Attrs = { pivots: Int32Array };

// A = P·L·U, packed as LU = (L − I) + U, A m×n, k = min(m, n), with the blocks L = [L₁; L₂] (L₁ k×k)
// and U = [U₁ | U₂] (U₁ k×k) — L₂ only for tall A, U₂ only for wide. With (dL, dU) packed as dLU:
//   M = tril₋₁(L₁ᵀ·dL₁ − dU₂·U₂ᵀ) + triu(dU₁·U₁ᵀ − L₂ᵀ·dL₂)
//   dA = P·[L₁⁻ᵀ·M·U₁⁻ᵀ, L₁⁻ᵀ·dU₂; dL₂·U₁⁻ᵀ, 0]
// (L₁⁻¹·Pᵀ·dA₁₁·U₁⁻¹ = L₁⁻¹·dL₁ + dU₁·U₁⁻¹ splits into strictly lower and upper parts; U₂ = L₁⁻¹·(PᵀA)₁₂
// and L₂ = (PᵀA)₂₁·U₁⁻¹ add the rest. PyTorch's linalg_lu_backward, in another arrangement.)
export const luOp = defineOp<'lu', Attrs>('lu', {
  forward: ([A], { pivots }) => {
    const m = A.shape[A.ndim - 2], n = A.shape[A.ndim - 1];
    const out = alloc(A.dtype, A.size);
    kernels.luFactor(A.data, m, n, batchOf(A).count, out, pivots, kernels.gemm); // a zero pivot is no error: U is singular
    return new Tensor(out, A.shape);
  },
  vjp: (dLU, { output: LU, attrs: { pivots } }): Grads => {
    const m = LU.shape[LU.ndim - 2], n = LU.shape[LU.ndim - 1], k = Math.min(m, n);
    checkPivots('lu', LU, 'the gradient is infinite: U is singular');
    const LU1 = k === m && k === n ? LU : block(LU, 0, 0, k, k), dLU1 = k === m && k === n ? dLU : block(dLU, 0, 0, k, k);
    const L1 = add(tril(LU1, -1), eyeLike(k, k, LU.dtype)), U1 = triu(LU1);
    // tril₋₁(L₁ᵀ·X) reads only X's strictly lower part, triu(X·U₁ᵀ) only its upper part: dLU₁ needs no masks
    let lower = matmulT(L1, dLU1, true, false), upper = matmulT(dLU1, U1, false, true);
    if (n > k) lower = sub(lower, matmulT(block(dLU, 0, k, k, n - k), block(LU, 0, k, k, n - k), false, true));
    if (m > k) upper = sub(upper, matmulT(block(LU, k, 0, m - k, k), block(dLU, k, 0, m - k, k), true, false));
    const M = add(tril(lower, -1), triu(upper));
    const LinvT = (X: Tensor) => triangularSolve(LU1, X, { lower: true, transpose: true, unitDiagonal: true });
    const timesUinvT = (X: Tensor) => mT(triangularSolve(LU1, mT(X), { lower: false })); // X·U₁⁻ᵀ = (U₁⁻¹·Xᵀ)ᵀ
    let G = timesUinvT(LinvT(M));
    if (n > k) G = concat([G, LinvT(block(dLU, 0, k, k, n - k))], -1);
    if (m > k) G = concat([G, timesUinvT(block(dLU, k, 0, m - k, k))], -2);
    return [matmul(permutations(pivots, m, k, batchOf(LU).count, batchOf(LU).batch, LU.dtype), G)];
  },
});

/**
 * The LU factorization with partial pivoting of each matrix of A [..., m, n]: A = P·L·U with P [..., m, m]
 * a permutation matrix, L [..., m, k] unit lower triangular and U [..., k, n] upper triangular, k = min(m, n)
 * (PyTorch's `linalg.lu`, LAPACK's getrf: the same pivots, so the same factors). Tall and wide A work
 * too. A singular A still factors, with a zero on U's diagonal; the gradient there (which needs U₁⁻¹,
 * U's leading k×k block) is a `LinAlgError` naming `lu` and the pivot, where PyTorch returns
 * infinities or NaN. P carries no gradient.
 *
 * @example
 * const { P, L, U } = lu(tensor([[1, 2], [3, 4]], { dtype: 'float64' }));
 * P.toArray(); // [[0, 1], [1, 0]]
 * L.toArray(); // [[1, 0], [1 / 3, 1]]
 * U.toArray(); // [[3, 4], [0, 2 / 3]]
 * const wide = lu(tensor([[1, 2, 3], [4, 5, 6]], { dtype: 'float64' }));
 * wide.U.toArray(); // [[4, 5, 6], [0, 0.75, 1.5]]
 */
export function lu(A: Tensor): { P: Tensor; L: Tensor; U: Tensor } {
  expectTensor('lu', A, 'A');
  if (A.ndim < 2) throw new ShapeError('lu', `expected a matrix or a batch of matrices (rank ≥ 2), got shape ${fmtShape(A.shape)}`, 'A');
  const m = A.shape[A.ndim - 2], n = A.shape[A.ndim - 1], k = Math.min(m, n);
  const { batch, count } = batchOf(A);
  const pivots = new Int32Array(count * k); // the forward fills it
  const LU = apply(luOp, [A], { pivots });
  return {
    P: permutations(pivots, m, k, count, batch, A.dtype),
    L: add(tril(n > k ? block(LU, 0, 0, m, k) : LU, -1), eyeLike(m, k, A.dtype)),
    U: triu(m > k ? block(LU, 0, 0, k, n) : LU),
  };
}
