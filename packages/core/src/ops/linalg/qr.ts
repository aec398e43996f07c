import { alloc } from '../../dtype.js';
import { ShapeError, fmtShape } from '../../errors.js';
import { kernels } from '../../kernels/index.js';
import { apply } from '../../tape.js';
import { Tensor } from '../../tensor.js';
import { add, mul, sub } from '../arith.js';
import { defineOp, expectTensor, type Grads } from '../define.js';
import { concat, mT, sliceRaw } from '../layout.js';
import { matmul, matmulT } from '../matmul.js';
import { sizeOf } from '../../shape.js';
import { diagonalMatrix, tril } from './structure.js';
import { triangularSolve } from './triangular.js';

/** Q (rows 0..m−1) and R (rows m..m+n−1) of the packed [..., m + n, n] output. */
function unpack(QR: Tensor, m: number): { Q: Tensor; R: Tensor } {
  const n = QR.shape[QR.ndim - 1], lead = QR.shape.slice(0, -2);
  const part = (row: number, rows: number) => sliceRaw(QR, [...lead.map(() => 0), row, 0], QR.shape.map(() => 1), [...lead, rows, n]);
  return { Q: part(0, m), R: part(m, n) };
}

/** The symmetric matrix with M's lower triangle: tril(M, −1) + tril(M, −1)ᵀ + M ∘ I. */
function copyLowerToUpper(M: Tensor): Tensor {
  const strict = tril(M, -1);
  return add(add(strict, mT(strict)), mul(M, diagonalMatrix(M.shape[M.ndim - 1], M.dtype)));
}

// A = Q·R (m ≥ n, full rank):  dA = (dQ + Q·copyltu(M))·R⁻ᵀ with M = R·dRᵀ − dQᵀ·Q
// (Walter & Lehmann 2018; Seeger et al. 2017; PyTorch's linalg_qr_backward for m ≥ n)
export const qrOp = defineOp<'qr', { m: number }>('qr', {
  forward: ([A], { m }) => {
    const n = A.shape[A.ndim - 1], lead = A.shape.slice(0, -2), count = sizeOf(lead);
    const q = alloc(A.dtype, count * m * n), r = alloc(A.dtype, count * n * n);
    kernels.qr(A.data, m, n, count, q, r);
    return concat([new Tensor(q, [...lead, m, n]), new Tensor(r, [...lead, n, n])], A.ndim - 2);
  },
  vjp: (dQR, { output, attrs: { m } }): Grads => {
    const { Q, R } = unpack(output, m), { Q: dQ, R: dR } = unpack(dQR, m);
    const M = sub(matmulT(R, dR, false, true), matmulT(dQ, Q, true, false));
    const X = add(dQ, matmul(Q, copyLowerToUpper(M)));
    // X·R⁻ᵀ = (R⁻¹·Xᵀ)ᵀ
    return [mT(triangularSolve(R, mT(X), { lower: false }))];
  },
});

/**
 * The reduced QR factorization of each matrix of A [..., m, n] with m ≥ n: Q [..., m, n] with
 * orthonormal columns and R [..., n, n] upper triangular, A = Q·R (PyTorch's `linalg.qr(A)`, mode
 * 'reduced'), by Householder reflections with LAPACK's signs, so Q and R match PyTorch's. Its gradient
 * needs A to have full column rank (R invertible: a `LinAlgError` otherwise). As in LAPACK and
 * PyTorch, a column already zero below the diagonal is not reflected, so Q and R jump (a sign of R's
 * diagonal flips) where such an entry crosses 0. Wide matrices (m < n) are not supported yet: factor
 * Aᵀ instead.
 *
 * @example
 * const { Q, R } = qr(tensor([[3, 1], [4, 2]], { dtype: 'float64' }));
 * R.toArray(); // [[-5, -2.2], [0, 0.4]]
 */
export function qr(A: Tensor): { Q: Tensor; R: Tensor } {
  expectTensor('qr', A, 'A');
  if (A.ndim < 2) throw new ShapeError('qr', `expected a matrix or a batch of matrices (rank ≥ 2), got shape ${fmtShape(A.shape)}`, 'A');
  const m = A.shape[A.ndim - 2], n = A.shape[A.ndim - 1];
  if (m < n) throw new ShapeError('qr', `wide matrices (m < n) are not supported yet, got shape ${fmtShape(A.shape)}; factor the transpose`, 'A');
  return unpack(apply(qrOp, [A], { m }), m);
}
