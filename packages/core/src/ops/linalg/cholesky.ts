import { alloc } from '../../dtype.js';
import { kernels } from '../../kernels/index.js';
import { apply } from '../../tape.js';
import { Tensor } from '../../tensor.js';
import { add, mul } from '../arith.js';
import { defineOp, type Grads } from '../define.js';
import { mT } from '../layout.js';
import { matmulT } from '../matmul.js';
import { batchOf, pivotError, squareSize } from './common.js';
import { triangleMask } from './structure.js';
import { triangularSolve } from './triangular.js';

// L = chol(S), S = ½(A + Aᵀ):  dA = ½ L⁻ᵀ (P + Pᵀ) L⁻¹ with P = Φ(Lᵀ·dL), Φ = the lower triangle
// with its diagonal halved (Murray 2016, arXiv:1602.07527; PyTorch's cholesky_backward)
export const choleskyOp = defineOp('cholesky', {
  forward: ([A]) => {
    const n = A.shape[A.ndim - 1];
    const { batch, count } = batchOf(A);
    const out = alloc(A.dtype, A.size);
    const failed = kernels.cholesky(A.data, n, count, out, kernels.gemm);
    if (failed !== null) {
      throw pivotError('cholesky', 'A', failed, batch, `the matrix is not positive definite (its leading minor of order ${failed.pivot + 1} is not)`);
    }
    return new Tensor(out, A.shape);
  },
  vjp: (dL, { output: L }): Grads => {
    const n = L.shape[L.ndim - 1];
    const P = mul(matmulT(L, dL, true, false), triangleMask(n, n, 0, true, L.dtype, 1, 0.5));
    const LinvT_S = triangularSolve(L, add(P, mT(P)), { lower: true, transpose: true });
    // (L⁻ᵀ·S)·L⁻¹ = (L⁻ᵀ·(L⁻ᵀ·S)ᵀ)ᵀ
    return [mul(mT(triangularSolve(L, mT(LinvT_S), { lower: true, transpose: true })), 0.5)];
  },
});

/**
 * The Cholesky factor L (lower triangular, positive diagonal) with L·Lᵀ = A, for symmetric positive
 * definite A [..., n, n]. A non-positive-definite matrix is a `LinAlgError` naming the first failing
 * pivot (PyTorch's "leading minor of order k"), never NaN.
 *
 * Differs from PyTorch: we factor the symmetric part ½(A + Aᵀ), as JAX does, where PyTorch reads only
 * A's lower triangle. For symmetric A the results agree, and so do the gradients: ours is the true
 * derivative of what we compute, which is symmetric — the same matrix PyTorch returns.
 *
 * @example
 * cholesky(tensor([[4, 2], [2, 5]], { dtype: 'float64' })).toArray(); // [[2, 0], [1, 2]]
 */
export function cholesky(A: Tensor): Tensor {
  squareSize('cholesky', A);
  return apply(choleskyOp, [A], null);
}
