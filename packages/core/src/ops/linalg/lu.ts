import { alloc } from '../../dtype.js';
import { kernels } from '../../kernels/index.js';
import { apply } from '../../tape.js';
import { Tensor } from '../../tensor.js';
import { add } from '../arith.js';
import { defineOp, type Grads } from '../define.js';
import { mT } from '../layout.js';
import { matmul, matmulT } from '../matmul.js';
import { batchOf, squareSize } from './common.js';
import { diagonalMatrix, tril, triu } from './structure.js';
import { triangularSolve } from './triangular.js';

/** The permutation matrices P (A = P·L·U) of the row swaps `piv` of `count` n×n factorizations. */
function permutations(piv: Int32Array, n: number, count: number, shape: readonly number[], like: Tensor): Tensor {
  const out = alloc(like.dtype, count * n * n);
  const rows = new Int32Array(n);
  for (let m = 0; m < count; m++) {
    for (let i = 0; i < n; i++) rows[i] = i;
    for (let i = 0; i < n; i++) {
      const p = piv[m * n + i];
      [rows[i], rows[p]] = [rows[p], rows[i]];
    }
    // row i of L·U is row rows[i] of A, so P[rows[i], i] = 1
    for (let i = 0; i < n; i++) out[m * n * n + rows[i] * n + i] = 1;
  }
  return new Tensor(out, shape);
}

// A = P·L·U, packed as LU = (L − I) + U.  With M = tril₋₁(Lᵀ·dL) + triu(dU·Uᵀ):  dA = P·L⁻ᵀ·M·U⁻ᵀ
// (L⁻¹·Pᵀ·dA·U⁻¹ = L⁻¹·dL + dU·U⁻¹ splits into its strictly lower and upper parts)
export const luOp = defineOp<'lu', { pivots: Int32Array }>('lu', {
  forward: ([A], { pivots }) => {
    const n = A.shape[A.ndim - 1];
    const out = alloc(A.dtype, A.size);
    kernels.luFactor(A.data, n, batchOf(A).count, out, pivots, kernels.gemm); // a zero pivot is no error: U is singular
    return new Tensor(out, A.shape);
  },
  vjp: (dLU, { output: LU, attrs: { pivots } }): Grads => {
    const n = LU.shape[LU.ndim - 1];
    const L = add(tril(LU, -1), diagonalMatrix(n, LU.dtype)), U = triu(LU);
    const M = add(tril(matmulT(L, dLU, true, false), -1), triu(matmulT(dLU, U, false, true)));
    const LinvT_M = triangularSolve(LU, M, { lower: true, transpose: true, unitDiagonal: true });
    const Z = mT(triangularSolve(LU, mT(LinvT_M), { lower: false }));
    return [matmul(permutations(pivots, n, batchOf(LU).count, LU.shape, LU), Z)];
  },
});

/**
 * The LU factorization with partial pivoting of each square matrix of A [..., n, n]: A = P·L·U with
 * P a permutation matrix, L unit lower triangular and U upper triangular (PyTorch's `linalg.lu`, for
 * square A only). A singular A still factors, with a zero on U's diagonal; the gradient there (which
 * needs U⁻¹) is a `LinAlgError`. P carries no gradient.
 *
 * @example
 * const { P, L, U } = lu(tensor([[1, 2], [3, 4]], { dtype: 'float64' }));
 * P.toArray(); // [[0, 1], [1, 0]]
 * L.toArray(); // [[1, 0], [1 / 3, 1]]
 * U.toArray(); // [[3, 4], [0, 2 / 3]]
 */
export function lu(A: Tensor): { P: Tensor; L: Tensor; U: Tensor } {
  const n = squareSize('lu', A);
  const { count } = batchOf(A);
  const pivots = new Int32Array(count * n); // the forward fills it
  const LU = apply(luOp, [A], { pivots });
  return {
    P: permutations(pivots, n, count, A.shape, A),
    L: add(tril(LU, -1), diagonalMatrix(n, A.dtype)),
    U: triu(LU),
  };
}
