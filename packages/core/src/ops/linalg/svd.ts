import { alloc } from '../../dtype.js';
import { LinAlgError, ShapeError, TapegradError, fmtShape, fmtValue } from '../../errors.js';
import { kernels } from '../../kernels/index.js';
import { apply } from '../../tape.js';
import { Tensor } from '../../tensor.js';
import { add, div, eq, mul, sub, where } from '../arith.js';
import { defineOp, expectTensor, type Grads } from '../define.js';
import { concat, mT, reshape, sliceRaw } from '../layout.js';
import { matmul, matmulT } from '../matmul.js';
import { batchOf } from './common.js';
import { diagonalMatrix } from './structure.js';

interface Factors { U: Tensor; S: Tensor; Vh: Tensor }

/** U [..., m, k], S [..., k] and Vh [..., k, n] of the packed output [..., m·k + k + k·n]. */
function unpack(P: Tensor, m: number, n: number): Factors {
  const k = Math.min(m, n), lead = P.shape.slice(0, -1);
  const part = (at: number, size: number, shape: number[]) =>
    reshape(sliceRaw(P, [...lead.map(() => 0), at], P.shape.map(() => 1), [...lead, size]), [...lead, ...shape]);
  return { U: part(0, m * k, [m, k]), S: part(m * k, k, [k]), Vh: part(m * k + k, k * n, [k, n]) };
}

/** The reduced SVD of every matrix of A, by the kernel (one-sided Jacobi). */
function factor(A: Tensor): { u: Tensor; s: Tensor; vh: Tensor } {
  const m = A.shape[A.ndim - 2], n = A.shape[A.ndim - 1], k = Math.min(m, n);
  const { batch, count } = batchOf(A);
  const u = alloc(A.dtype, count * m * k), s = alloc(A.dtype, count * k), vh = alloc(A.dtype, count * k * n);
  kernels.svd(A.data, m, n, count, u, s, vh);
  return { u: new Tensor(u, [...batch, m * k]), s: new Tensor(s, [...batch, k]), vh: new Tensor(vh, [...batch, k * n]) };
}

const row = (S: Tensor) => reshape(S, [...S.shape.slice(0, -1), 1, S.shape[S.ndim - 1]]); // S as [..., 1, k]
const col = (S: Tensor) => reshape(S, [...S.shape, 1]); // S as [..., k, 1]
const nonzero = (t: Tensor) => t.data.some((v) => v !== 0);

// svdvals and a loss of S alone: dA = U·diag(dS)·Vh (no 1/(σⱼ² − σᵢ²) terms: finite for repeated σ)
const valuesGrad = (U: Tensor, dS: Tensor, Vh: Tensor): Tensor => matmul(mul(U, row(dS)), Vh);

// A = U·diag(S)·Vh, k = min(m, n). With J = Uᵀ·dU, K = Vh·dVhᵀ and E[i,j] = σⱼ² − σᵢ²:
//   dA = U·(diag(dS) + ((J − Jᵀ)·diag(S) + diag(S)·(K − Kᵀ)) / E)·Vh   (0 on E's diagonal)
//        + (I − U·Uᵀ)·dU·diag(S)⁻¹·Vh      when m > n
//        + U·diag(S)⁻¹·dVh·(I − Vhᵀ·Vh)    when m < n
// (Townsend 2016, "Differentiating the singular value decomposition"; PyTorch's svd_backward)
export const svdOp = defineOp<'svd', { m: number; n: number }>('svd', {
  forward: ([A]) => {
    const { u, s, vh } = factor(A);
    return concat([u, s, vh], -1);
  },
  vjp: (dP, { output, attrs: { m, n } }): Grads => {
    const { U, S, Vh } = unpack(output, m, n), { U: dU, S: dS, Vh: dVh } = unpack(dP, m, n);
    const onVectors = nonzero(dU) || nonzero(dVh);
    // a recorded cotangent (a jvp, or a second derivative in it) keeps the full rule unless σ repeats
    if (!onVectors && (!dP.requiresGrad || hasRepeated(S))) return [valuesGrad(U, dS, Vh)];
    const J = matmulT(U, dU, true, false), K = matmulT(Vh, dVh, false, true);
    const N = add(mul(sub(J, mT(J)), row(S)), mul(col(S), sub(K, mT(K))));
    const E = mul(sub(row(S), col(S)), add(row(S), col(S))); // (σⱼ − σᵢ)(σⱼ + σᵢ): exactly 0 where σⱼ = σᵢ (S ≥ 0)
    checkGaps(N, E, S);
    const k = Math.min(m, n);
    const G = add(div(N, where(eq(E, 0), 1, E)), mul(diagonalMatrix(k, S.dtype), row(dS)));
    if (m > n) {
      const dUS = div(dU, row(safeS(S, dU, 'U', m, n)));
      return [matmul(add(matmul(U, G), sub(dUS, matmul(U, matmulT(U, dUS, true, false)))), Vh)];
    }
    if (m < n) {
      const SdVh = div(dVh, col(safeS(S, mT(dVh), 'Vh', m, n)));
      return [matmul(U, add(matmul(G, Vh), sub(SdVh, matmul(matmulT(SdVh, Vh, false, true), Vh))))];
    }
    return [matmul(matmul(U, G), Vh)];
  },
});

/** True when two neighbouring singular values of some matrix are equal (S is sorted). */
function hasRepeated(S: Tensor): boolean {
  const k = S.shape[S.ndim - 1];
  for (let i = 0; i < S.size; i++) if (i % k > 0 && S.data[i] === S.data[i - 1]) return true;
  return false;
}

/** The batch index of matrix b (counting row-major), and how a message names it. */
function locate(S: Tensor, b: number): { batch: number[]; where: string } {
  const lead = S.shape.slice(0, -1), batch: number[] = [];
  for (let d = lead.length - 1, rest = b; d >= 0; d--) {
    batch.unshift(rest % lead[d]);
    rest = Math.floor(rest / lead[d]);
  }
  return { batch, where: lead.length > 0 ? ` (matrix ${fmtShape(batch)} of the batch)` : '' };
}

/**
 * A LinAlgError where the rule divides a nonzero term by σⱼ² − σᵢ² = 0: the singular vectors of a
 * repeated singular value are not functions of A, so a loss of them has no gradient. Terms that are
 * exactly 0 there (the loss does not read those vectors) are dropped, as in the limit.
 */
function checkGaps(N: Tensor, E: Tensor, S: Tensor): void {
  const k = S.shape[S.ndim - 1];
  for (let at = 0; at < E.size; at++) {
    const i = Math.floor(at / k) % k, j = at % k;
    if (E.data[at] !== 0 || N.data[at] === 0 || i === j) continue; // the diagonal is 0 by construction (NaN from a NaN in A)
    const b = Math.floor(at / (k * k)), { batch, where: w } = locate(S, b);
    throw new LinAlgError('svd', `the gradient through U and Vh is infinite: singular values ${Math.min(i, j)} and ${Math.max(i, j)} are both ${S.data[b * k + i]}${w}`, 'A', batch, Math.max(i, j));
  }
}

/**
 * S with its zeros replaced by 1, after checking that the cotangent on the matching columns of U
 * (tall A) or rows of Vh (wide A, passed transposed) is 0: the extra left (right) singular vectors of
 * σ = 0 are any unit vectors orthogonal to the rest, not functions of A.
 */
function safeS(S: Tensor, dX: Tensor, what: 'U' | 'Vh', m: number, n: number): Tensor {
  const k = S.shape[S.ndim - 1], rows = dX.shape[dX.ndim - 2];
  for (let at = 0; at < S.size; at++) {
    if (S.data[at] !== 0) continue;
    const b = Math.floor(at / k), j = at % k;
    for (let r = 0; r < rows; r++) {
      if (dX.data[(b * rows + r) * k + j] === 0) continue;
      const { batch, where: w } = locate(S, b);
      const side = what === 'U' ? `column ${j} of U (A is tall, ${m} × ${n})` : `row ${j} of Vh (A is wide, ${m} × ${n})`;
      throw new LinAlgError('svd', `the gradient through ${side} is infinite: its singular value is 0${w}`, 'A', batch, j);
    }
  }
  return where(eq(S, 0), 1, S);
}

/** The options of `svd`: only the reduced factorization is computed. */
export interface SvdOptions {
  /** PyTorch's `full_matrices`; only `false` (the reduced SVD, the default here) is supported. */
  fullMatrices?: false;
}

function checkMatrix(op: string, A: Tensor): void {
  expectTensor(op, A, 'A');
  if (A.ndim < 2) throw new ShapeError(op, `expected a matrix or a batch of matrices (rank ≥ 2), got shape ${fmtShape(A.shape)}`, 'A');
}

/**
 * The reduced singular value decomposition of each matrix of A [..., m, n], tall or wide: U [..., m, k]
 * and Vh [..., k, n] with orthonormal columns and rows, S [..., k] descending, k = min(m, n),
 * A = U·diag(S)·Vh (PyTorch's `linalg.svd(A, full_matrices=False)`). Computed by one-sided Jacobi
 * rotations in doubles, which gives even the small singular values to high relative accuracy.
 *
 * Signs: each column of U has its largest-magnitude component positive, and the matching row of Vh
 * follows (LAPACK and PyTorch leave the signs free, so compare sign-invariant quantities). Columns of
 * U (rows of Vh) for σ = 0 beyond the rank complete an orthonormal set.
 *
 * Gradients: the standard rule (Townsend 2016, PyTorch's svd_backward) is exact for distinct singular
 * values (nonzero ones too when m ≠ n). It has terms 1/(σⱼ² − σᵢ²), so close singular values give
 * large gradients through U and Vh. At exactly equal ones, a loss that would turn the tied singular
 * vectors into each other has no gradient (they are not functions of A): a `LinAlgError` naming the
 * pair, where PyTorch returns NaN or ∞; terms that are exactly 0 there drop out, as in the limit. For
 * m ≠ n a cotangent on a singular vector of σ = 0 beyond the square part is likewise a `LinAlgError`.
 * A loss of S alone (or `svdvals`) has the gradient U·diag(dS)·Vh, finite everywhere; its second
 * derivative goes through U and Vh, so it needs distinct singular values again.
 *
 * Differences from PyTorch: only the reduced SVD (PyTorch's default is `full_matrices=True`), the
 * signs above, and a `LinAlgError` instead of NaN at ties.
 *
 * @example
 * const { U, S, Vh } = svd(tensor([[3, 0], [4, 5]], { dtype: 'float64' }));
 * S.toArray(); // [6.7082, 2.2361]  (√45 and √5)
 * U.toArray(); // [[0.3162, 0.9487], [0.9487, -0.3162]]  (each column's largest entry positive)
 * Vh.toArray(); // [[0.7071, 0.7071], [0.7071, -0.7071]]
 * matmul(U.mul(S.reshape([1, 2])), Vh).toArray(); // [[3, 0], [4, 5]]  (to rounding)
 */
export function svd(A: Tensor, options: SvdOptions = {}): Factors {
  checkMatrix('svd', A);
  if (options.fullMatrices !== undefined && options.fullMatrices !== false) {
    throw new TapegradError('svd', `only the reduced SVD is supported (fullMatrices: false), got fullMatrices: ${fmtValue(options.fullMatrices)}`, 'fullMatrices');
  }
  const m = A.shape[A.ndim - 2], n = A.shape[A.ndim - 1];
  return unpack(apply(svdOp, [A], { m, n }), m, n);
}

// dA = U·diag(dS)·Vh, with U and Vh from the differentiable svd, so second derivatives go through svd's rule
export const svdvalsOp = defineOp('svdvals', {
  forward: ([A]) => factor(A).s,
  vjp: (dS, { inputs: [A] }): Grads => {
    const { U, Vh } = svd(A);
    return [valuesGrad(U, dS, Vh)];
  },
});

/**
 * The singular values of each matrix of A [..., m, n], descending: S [..., min(m, n)], as
 * `svd(A).S` and PyTorch's `linalg.svdvals`. Its gradient U·diag(dS)·Vh is defined for repeated and
 * zero singular values too (at a tie it is one of the subgradients; at σ = 0 the extra singular
 * vectors are the ones `svd` picks); its second derivative needs distinct ones, as `svd`'s gradient.
 *
 * @example
 * svdvals(tensor([[3, 0], [0, -4]], { dtype: 'float64' })).toArray(); // [4, 3]
 */
export function svdvals(A: Tensor): Tensor {
  checkMatrix('svdvals', A);
  return apply(svdvalsOp, [A], null);
}
