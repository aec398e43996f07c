import { alloc, type FloatArray } from '../../dtype.js';
import { kernels } from '../../kernels/index.js';
import { apply } from '../../tape.js';
import { Tensor } from '../../tensor.js';
import { mul } from '../arith.js';
import { defineOp, type Grads } from '../define.js';
import { take } from '../indexing.js';
import { mT, reshape, stack } from '../layout.js';
import { batchOf, squareSize } from './common.js';
import { invAs } from './solve.js';

/** LU-factors each matrix of A (a zero pivot is no error here: det is 0, log|det| is −∞). */
function factor(A: Tensor): { lu: FloatArray; piv: Int32Array; n: number; count: number; batch: number[] } {
  const n = A.shape[A.ndim - 1];
  const { batch, count } = batchOf(A);
  const lu = alloc('float64', A.size), piv = new Int32Array(count * n);
  kernels.luFactor(A.data, n, n, count, lu, piv, kernels.gemm);
  return { lu, piv, n, count, batch };
}

/** A batch of scalars [...] as [..., 1, 1], to scale a batch of matrices. */
const perMatrix = (s: Tensor): Tensor => reshape(s, [...s.shape, 1, 1]);

// d det A = det A · tr(A⁻¹·dA):  dA = dy · cof(A), the cofactor matrix: det(A)·A⁻ᵀ, or from minors when A is (nearly) singular
export const detOp = defineOp('det', {
  forward: ([A]) => {
    const { lu, piv, n, count, batch } = factor(A);
    const out = alloc(A.dtype, count);
    kernels.luDet(lu, piv, n, count, out);
    return new Tensor(out, batch);
  },
  vjp: (dy, { inputs: [A], output: d }) => [mul(perMatrix(dy), cofactors(A, d))],
});

/**
 * True when some matrix is singular or nearly so: |det A| ≤ √ε · Π‖row i‖ (Hadamard's bound). There
 * det(A)·A⁻ᵀ loses to cancellation what its derivative loses squared, so the cofactors come from minors.
 */
function nearlySingular(A: Tensor, d: Tensor): boolean {
  const n = A.shape[A.ndim - 1];
  const tol = Math.sqrt(A.dtype === 'float64' ? 2.2e-16 : 1.2e-7);
  for (let m = 0; m < d.size; m++) {
    let bound = 1;
    for (let i = 0; i < n; i++) {
      let r = 0;
      for (let j = 0, o = m * n * n + i * n; j < n; j++) r += A.data[o + j] ** 2;
      bound *= Math.sqrt(r);
    }
    if (!(Math.abs(d.data[m]) > tol * bound)) return true;
  }
  return false;
}

function cofactors(A: Tensor, d: Tensor): Tensor {
  if (!nearlySingular(A, d)) return mul(perMatrix(d), mT(invAs('det', A)));
  // cof(A)[i, j] = (−1)^(i+j) det(A without row i and column j): O(n⁵), for (nearly) singular A only
  const n = A.shape[A.ndim - 1];
  if (n === 1) return new Tensor(alloc(A.dtype, A.size).fill(1), A.shape);
  const without = (i: number) => Int32Array.from({ length: n - 1 }, (_, j) => (j < i ? j : j + 1));
  const rows: Tensor[] = [];
  for (let i = 0; i < n; i++) {
    const Ai = take(A, without(i), -2);
    const row: Tensor[] = [];
    for (let j = 0; j < n; j++) row.push(mul(det(take(Ai, without(j), -1)), (i + j) % 2 === 0 ? 1 : -1));
    rows.push(stack(row, -1));
  }
  return stack(rows, -2);
}

/**
 * The determinant of each matrix of A [..., n, n], from LU with partial pivoting. A singular matrix
 * has det 0, and its gradient is the cofactor matrix — where PyTorch 1.13 returns zeros there, ours is
 * the true derivative. Use `slogdet` when det may overflow or underflow.
 *
 * @example
 * det(tensor([[1, 2], [3, 4]], { dtype: 'float64' })).item(); // -2
 */
export function det(A: Tensor): Tensor {
  squareSize('det', A);
  return apply(detOp, [A], null);
}

// d log|det A| = tr(A⁻¹·dA):  dA = dy · A⁻ᵀ
export const slogdetOp = defineOp<'slogdet', { sign: FloatArray }>('slogdet', {
  forward: ([A], { sign }) => {
    const { lu, piv, n, count, batch } = factor(A);
    const out = alloc(A.dtype, count);
    kernels.luSlogdet(lu, piv, n, count, sign, out);
    return new Tensor(out, batch);
  },
  vjp: (dy, { inputs: [A] }): Grads => [mul(perMatrix(dy), mT(invAs('slogdet', A)))],
});

/**
 * The sign (±1, or 0 for a singular matrix) and log|det| (−∞ for a singular matrix) of each matrix of
 * A [..., n, n], so det = sign · exp(logabsdet) without overflow. `sign` is piecewise constant and
 * carries no gradient; the gradient of `logabsdet` is A⁻ᵀ, and at a singular matrix (where it is
 * infinite) a `LinAlgError`.
 *
 * @example
 * const { sign, logabsdet } = slogdet(tensor([[1, 2], [3, 4]], { dtype: 'float64' }));
 * sign.item(); // -1
 * logabsdet.item(); // Math.log(2)
 */
export function slogdet(A: Tensor): { sign: Tensor; logabsdet: Tensor } {
  squareSize('slogdet', A);
  // the forward writes each matrix's sign here, so one LU gives both results
  const sign = alloc(A.dtype, batchOf(A).count);
  const logabsdet = apply(slogdetOp, [A], { sign });
  return { sign: new Tensor(sign, logabsdet.shape), logabsdet };
}
