import { alloc } from '../../dtype.js';
import { LinAlgError, ShapeError, TapegradError, fmtShape, fmtValue } from '../../errors.js';
import { kernels } from '../../kernels/index.js';
import { apply } from '../../tape.js';
import { Tensor } from '../../tensor.js';
import { add, mul, sub } from '../arith.js';
import { defineOp, expectTensor, type Grads } from '../define.js';
import { concat, mT, reshape, sliceRaw } from '../layout.js';
import { matmul, matmulT } from '../matmul.js';
import { sizeOf } from '../../shape.js';
import { checkPivots } from './common.js';
import { diagonalMatrix, tril } from './structure.js';
import { triangularSolve } from './triangular.js';

/** The rows × cols block of each matrix of X starting at (row, col). */
function block(X: Tensor, row: number, col: number, rows: number, cols: number): Tensor {
  const lead = X.shape.slice(0, -2);
  return sliceRaw(X, [...lead.map(() => 0), row, col], X.shape.map(() => 1), [...lead, rows, cols]);
}

/** Q [..., m, c] and R [..., c, n] of the packed [..., m·c + c·n] output (Q and R flattened, end to end). */
function unpack(QR: Tensor, m: number, c: number, n: number): { Q: Tensor; R: Tensor } {
  const lead = QR.shape.slice(0, -1);
  const part = (at: number, size: number) => sliceRaw(QR, [...lead.map(() => 0), at], QR.shape.map(() => 1), [...lead, size]);
  return { Q: reshape(part(0, m * c), [...lead, m, c]), R: reshape(part(m * c, c * n), [...lead, c, n]) };
}

/** The symmetric matrix with M's lower triangle: tril(M, −1) + tril(M, −1)ᵀ + M ∘ I. */
function copyLowerToUpper(M: Tensor): Tensor {
  const strict = tril(M, -1);
  return add(add(strict, mT(strict)), mul(M, diagonalMatrix(M.shape[M.ndim - 1], M.dtype)));
}

/** A is m×n with m ≥ n; Q has c = n columns (reduced) or c = m (complete). */
type Attrs = { m: number; n: number; complete: boolean };

// A = Q·R (m ≥ n, full rank):  dA = (dQ + Q·copyltu(M))·R⁻ᵀ with M = R·dRᵀ − dQᵀ·Q
// (Walter & Lehmann 2018; Seeger et al. 2017; PyTorch's linalg_qr_backward for m ≥ n). In complete mode
// the first n columns of Q and rows of R are the reduced factors; Q's other m − n columns span A's
// orthogonal complement in a basis that is no function of A: a cotangent on them is an error.
export const qrOp = defineOp<'qr', Attrs>('qr', {
  forward: ([A], { m, n, complete }) => {
    const lead = A.shape.slice(0, -2), count = sizeOf(lead), c = complete ? m : n;
    const q = alloc(A.dtype, count * m * c), r = alloc(A.dtype, count * c * n);
    kernels.qr(A.data, m, n, count, q, r, complete);
    return concat([new Tensor(q, [...lead, m * c]), new Tensor(r, [...lead, c * n])], -1);
  },
  vjp: (dQR, { output, attrs: { m, n, complete } }): Grads => {
    const c = complete ? m : n;
    return [qrBackward(unpack(output, m, c, n), unpack(dQR, m, c, n), m, n)];
  },
});

function qrBackward({ Q, R }: { Q: Tensor; R: Tensor }, { Q: dQ, R: dR }: { Q: Tensor; R: Tensor }, m: number, n: number): Tensor {
  if (Q.shape[Q.ndim - 1] > n) {
    const extra = block(dQ, 0, n, m, m - n);
    if (extra.data.some((v) => v !== 0)) {
      throw new LinAlgError('qr', `mode 'complete' of a tall matrix (m = ${m} > n = ${n}) has no gradient through Q's last m − n columns (they are not a function of A); use mode 'reduced'`, 'A', [], n);
    }
    [Q, R, dQ, dR] = [block(Q, 0, 0, m, n), block(R, 0, 0, n, n), block(dQ, 0, 0, m, n), block(dR, 0, 0, n, n)];
  }
  checkPivots('qr', R, 'the gradient is infinite: A does not have full column rank (R is singular)');
  const M = sub(matmulT(R, dR, false, true), matmulT(dQ, Q, true, false));
  const X = add(dQ, matmul(Q, copyLowerToUpper(M)));
  // X·R⁻ᵀ = (R⁻¹·Xᵀ)ᵀ
  return mT(triangularSolve(R, mT(X), { lower: false }));
}

/** Which QR `qr` returns: Q [..., m, k] and R [..., k, n] (reduced), or Q [..., m, m] and R [..., m, n] (complete). */
export type QrMode = 'reduced' | 'complete';

/**
 * The QR factorization of each matrix of A [..., m, n], A = Q·R with Q's columns orthonormal and R upper
 * triangular (PyTorch's `linalg.qr`), by Householder reflections with LAPACK's signs, so Q and R match
 * PyTorch's. With k = min(m, n), mode 'reduced' (the default) gives Q [..., m, k] and R [..., k, n];
 * 'complete' gives Q [..., m, m] and R [..., m, n] (the same as 'reduced' when m ≤ n).
 *
 * Gradients, as in PyTorch: a tall A (m ≥ n) needs full column rank, a wide one (m < n) a full-rank
 * leading m×m block X of A = [X | Y], so that R's leading block is invertible; otherwise the gradient
 * is a `LinAlgError` naming the zero pivot, where PyTorch returns infinities or NaN. In mode 'complete'
 * with m > n, Q's last m − n columns have no gradient (a `LinAlgError` if the loss reads them); PyTorch
 * refuses any gradient in that mode. As in LAPACK and PyTorch, a column already zero below the
 * diagonal is not reflected, so Q and R jump (a sign of R's diagonal flips) where such an entry crosses 0.
 *
 * @example
 * const { Q, R } = qr(tensor([[3, 1], [4, 2]], { dtype: 'float64' }));
 * R.toArray(); // [[-5, -2.2], [0, 0.4]]
 * const wide = qr(tensor([[3, 1, 5], [4, 2, 0]], { dtype: 'float64' }));
 * wide.R.toArray(); // [[-5, -2.2, -3], [0, 0.4, -4]]
 */
export function qr(A: Tensor, mode: QrMode = 'reduced'): { Q: Tensor; R: Tensor } {
  expectTensor('qr', A, 'A');
  if (A.ndim < 2) throw new ShapeError('qr', `expected a matrix or a batch of matrices (rank ≥ 2), got shape ${fmtShape(A.shape)}`, 'A');
  if (mode !== 'reduced' && mode !== 'complete') throw new TapegradError('qr', `expected 'reduced' or 'complete', got ${fmtValue(mode)}`, 'mode');
  const m = A.shape[A.ndim - 2], n = A.shape[A.ndim - 1];
  if (m >= n) {
    const complete = mode === 'complete' && m > n;
    return unpack(apply(qrOp, [A], { m, n, complete }), m, complete ? m : n, n);
  }
  // wide, A = [X | Y]: X = Q·R₁ is a square QR and R = [R₁ | Qᵀ·Y], so the gradient is the square one's
  // with dQ + Y·dR₂ᵀ for dQ, and Q·dR₂ for dY (PyTorch's linalg_qr_backward for m < n)
  const { Q, R } = qr(block(A, 0, 0, m, m));
  return { Q, R: concat([R, matmulT(Q, block(A, 0, m, m, n - m), true, false)], -1) };
}
