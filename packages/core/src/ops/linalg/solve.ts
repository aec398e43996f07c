import { alloc, promote } from '../../dtype.js';
import { kernels } from '../../kernels/index.js';
import { apply } from '../../tape.js';
import { Tensor } from '../../tensor.js';
import { neg } from '../arith.js';
import { defineOp, expectTensor, type Grads } from '../define.js';
import { broadcastTo } from '../layout.js';
import { matmulT } from '../matmul.js';
import { asColumn, batchOf, broadcastBatch, pivotError, squareSize } from './common.js';
import { diagonalMatrix } from './structure.js';

/** `transpose` solves Aᵀ·X = B; `op` is the public function named in a singular-matrix error. */
type Attrs = { transpose: boolean; op: string };

// X = op(A)⁻¹·B:  dB = op(A)⁻ᵀ·dX,  d op(A) = −dB·Xᵀ  (both solves use the LU of A itself, so the
// gradient's solve cannot meet a zero pivot that the forward's did not)
export const solveOp = defineOp<'solve', Attrs>('solve', {
  forward: ([A, B], { transpose, op }) => {
    const n = A.shape[A.ndim - 1], k = B.shape[B.ndim - 1];
    const { batch, count } = batchOf(A);
    const dtype = promote(A.dtype, B.dtype);
    const lu = alloc(dtype, A.size), piv = new Int32Array(count * n);
    const failed = kernels.luFactor(A.data, n, n, count, lu, piv, kernels.gemm);
    if (failed !== null) throw pivotError(op, 'A', failed, batch, 'the matrix is singular (LU with partial pivoting met a zero pivot)');
    const out = alloc(dtype, B.size);
    kernels.luSolve(lu, piv, B.data, n, k, count, transpose, out);
    return new Tensor(out, B.shape);
  },
  vjp: (dX, { inputs: [A], output: X, attrs }, needs): Grads => {
    const dB = apply(solveOp, [A, dX], { ...attrs, transpose: !attrs.transpose });
    const dA = needs[0] ? neg(attrs.transpose ? matmulT(X, dB, false, true) : matmulT(dB, X, false, true)) : null;
    return [dA, needs[1] ? dB : null];
  },
});

/**
 * X with A·X = B, by LU with partial pivoting: A is [..., n, n]; B is [..., n, k] (batch dims broadcast),
 * a vector [n], or a batch of vectors [..., n] when its shape is A's without the last dim (PyTorch's
 * rule). A singular matrix is a `LinAlgError` naming the first zero pivot. Like PyTorch and LAPACK,
 * only an exactly zero pivot counts: a nearly singular A gives a large, inaccurate X.
 *
 * @example
 * const A = tensor([[3, 1], [1, 2]], { dtype: 'float64' });
 * solve(A, tensor([9, 8], { dtype: 'float64' })).toArray(); // [2, 3]
 */
export function solve(A: Tensor, B: Tensor): Tensor {
  return solveAs('solve', A, B);
}

function solveAs(op: string, A: Tensor, B: Tensor): Tensor {
  const n = squareSize(op, A);
  expectTensor(op, B, 'B');
  const vectors = B.ndim === 1 || (B.ndim === A.ndim - 1 && B.shape.every((d, i) => d === A.shape[i]));
  if (vectors) return asColumn(op, n, B, (b) => solveAs(op, A, b));
  const [A2, B2] = broadcastBatch(op, A, B);
  return apply(solveOp, [A2, B2], { transpose: false, op });
}

/**
 * The inverse of each matrix of A [..., n, n]; a singular one is a `LinAlgError`. Prefer `solve(A, B)`
 * to `matmul(inv(A), B)`: it is faster and more accurate.
 *
 * @example
 * inv(tensor([[2, 0], [0, 4]], { dtype: 'float64' })).toArray(); // [[0.5, 0], [0, 0.25]]
 */
export function inv(A: Tensor): Tensor {
  return invAs('inv', A);
}

/** @internal inv under another op's name (a gradient that needs A⁻¹ names its own op in errors). */
export function invAs(op: string, A: Tensor): Tensor {
  const n = squareSize(op, A);
  return apply(solveOp, [A, broadcastTo(diagonalMatrix(n, A.dtype), A.shape)], { transpose: false, op });
}
