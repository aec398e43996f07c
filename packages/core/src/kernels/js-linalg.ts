/**
 * Dense factorizations as plain loops over row-major arrays. Every inner loop walks a row (contiguous),
 * and a float32 matrix is factored in a double scratch copy, so it is rounded once, on store.
 */
import type { FloatArray } from '../dtype.js';
import type { GemmKernel, LinalgKernels, PivotFailure } from './linalg-types.js';

/** `out` itself when it can hold the work in doubles, else a scratch of `size` doubles. */
const workFor = (out: FloatArray, size: number): Float64Array => (out instanceof Float64Array ? out : new Float64Array(size));

/** Columns per block of the blocked factorizations: below this size a matrix is one block. */
const NB = 64;

/**
 * Blocked right-looking Cholesky of S = ½(A + Aᵀ), lower triangle only. For each block column k:
 * Cholesky–Crout on the rows from k down, L[i,j] = (S[i,j] − Σ_{k≤p<j} L[i,p]·L[j,p]) / L[j,j] and
 * L[i,i] = √(S[i,i] − Σ_{k≤p<i} L[i,p]²) (both rows of the sum contiguous), then the trailing matrix
 * loses the panel's outer product, S₂₂ −= L₂₁·L₂₁ᵀ, in one `gemm` call — the O(n³) part.
 */
export function cholesky(a: FloatArray, n: number, count: number, out: FloatArray, gemm: GemmKernel): PivotFailure | null {
  const nn = n * n;
  const direct = out instanceof Float64Array;
  const W = direct ? out : new Float64Array(nn);
  const panel = n > NB ? new Float64Array(n * NB) : null, outerProduct = n > NB ? new Float64Array(nn) : null;
  for (let b = 0; b < count; b++) {
    const o = b * nn, w = direct ? o : 0;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j <= i; j++) W[w + i * n + j] = 0.5 * (a[o + i * n + j] + a[o + j * n + i]);
    }
    for (let k = 0; k < n; k += NB) {
      const kb = Math.min(NB, n - k), m = n - k - kb;
      for (let i = k; i < n; i++) {
        const ri = w + i * n;
        for (let j = k; j <= i && j < k + kb; j++) {
          const rj = w + j * n;
          let s = W[ri + j];
          for (let p = k; p < j; p++) s -= W[ri + p] * W[rj + p];
          if (j < i) W[ri + j] = s / W[rj + j];
          else if (s > 0) W[ri + i] = Math.sqrt(s);
          else return { batch: b, pivot: i, value: s };
        }
      }
      if (m === 0) break;
      for (let i = 0; i < m; i++) for (let p = 0; p < kb; p++) panel![i * kb + p] = W[w + (k + kb + i) * n + k + p];
      gemm(false, true, m, m, kb, panel!, 0, panel!, 0, outerProduct!, 0);
      for (let i = 0; i < m; i++) {
        const ri = w + (k + kb + i) * n + k + kb;
        for (let j = 0; j <= i; j++) W[ri + j] -= outerProduct![i * m + j];
      }
    }
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) W[w + i * n + j] = 0;
    if (!direct) for (let i = 0; i < nn; i++) out[o + i] = W[i];
  }
  return null;
}

export function triangularSolve(
  a: FloatArray, b: FloatArray, n: number, k: number, count: number,
  lower: boolean, transpose: boolean, unitDiagonal: boolean, out: FloatArray,
): PivotFailure | null {
  const nn = n * n, nk = n * k;
  if (!unitDiagonal) {
    for (let m = 0; m < count; m++) {
      for (let i = 0; i < n; i++) if (a[m * nn + i * n + i] === 0) return { batch: m, pivot: i, value: 0 };
    }
  }
  const direct = out instanceof Float64Array;
  const X = workFor(out, nk);
  // op(A) is lower triangular when exactly one of lower/transpose holds: then solve top-down.
  const forward = lower !== transpose;
  // op(A)[i,j] = A[i,j], or A[j,i] when transposed
  const rowStep = transpose ? 1 : n, colStep = transpose ? n : 1;
  for (let m = 0; m < count; m++) {
    const ao = m * nn, xo = direct ? m * nk : 0;
    for (let i = 0; i < nk; i++) X[xo + i] = b[m * nk + i];
    for (let t = 0; t < n; t++) {
      const i = forward ? t : n - 1 - t;
      const xi = xo + i * k;
      const [j0, j1] = forward ? [0, i] : [i + 1, n];
      for (let j = j0; j < j1; j++) {
        const aij = a[ao + i * rowStep + j * colStep];
        if (aij === 0) continue;
        for (let c = 0, xj = xo + j * k; c < k; c++) X[xi + c] -= aij * X[xj + c];
      }
      if (!unitDiagonal) {
        const d = a[ao + i * n + i];
        for (let c = 0; c < k; c++) X[xi + c] /= d;
      }
    }
    if (!direct) for (let i = 0; i < nk; i++) out[m * nk + i] = X[i];
  }
  return null;
}

/**
 * Blocked right-looking LU with partial pivoting (LAPACK's getrf) of m×n matrices, k = min(m, n) steps.
 * For each block column: the panel (rows from the block down, columns of the block) is factored with
 * row swaps applied to whole rows; U₁₂ = L₁₁⁻¹·A₁₂ by forward substitution along rows; then the
 * trailing matrix loses L₂₁·U₁₂ in one `gemm` call.
 */
export function luFactor(a: FloatArray, m: number, n: number, count: number, lu: FloatArray, piv: Int32Array, gemm: GemmKernel): PivotFailure | null {
  const mn = m * n, k = Math.min(m, n);
  const direct = lu instanceof Float64Array;
  const W = workFor(lu, mn);
  const blocked = k > NB;
  const left = blocked ? new Float64Array(m * NB) : null, top = blocked ? new Float64Array(n * NB) : null;
  const product = blocked ? new Float64Array(mn) : null;
  let first: PivotFailure | null = null;
  for (let b = 0; b < count; b++) {
    const o = b * mn, w = direct ? o : 0;
    for (let i = 0; i < mn; i++) W[w + i] = a[o + i];
    for (let s = 0; s < k; s += NB) {
      const end = Math.min(s + NB, k), kb = end - s;
      for (let c = s; c < end; c++) {
        let p = c, best = Math.abs(W[w + c * n + c]);
        for (let i = c + 1; i < m; i++) {
          const v = Math.abs(W[w + i * n + c]);
          if (v > best) (best = v), (p = i);
        }
        piv[b * k + c] = p;
        if (p !== c) {
          for (let j = 0, rc = w + c * n, rp = w + p * n; j < n; j++) {
            const t = W[rc + j];
            W[rc + j] = W[rp + j];
            W[rp + j] = t;
          }
        }
        const rc = w + c * n, pivot = W[rc + c];
        if (pivot === 0) {
          first ??= { batch: b, pivot: c, value: 0 };
          continue; // the column is zero below the pivot: nothing to eliminate
        }
        // the panel's columns only, except in the last block, which updates every column at once
        const last = end === k ? n : end;
        for (let i = c + 1; i < m; i++) {
          const ri = w + i * n;
          const l = (W[ri + c] /= pivot);
          if (l !== 0) for (let j = c + 1; j < last; j++) W[ri + j] -= l * W[rc + j];
        }
      }
      if (end === k) break;
      const restM = m - end, restN = n - end;
      // U₁₂: rows of the block, columns right of it
      for (let i = s + 1; i < end; i++) {
        const ri = w + i * n;
        for (let p = s; p < i; p++) {
          const l = W[ri + p];
          if (l !== 0) for (let j = end, rp = w + p * n; j < n; j++) W[ri + j] -= l * W[rp + j];
        }
      }
      for (let i = 0; i < restM; i++) for (let p = 0; p < kb; p++) left![i * kb + p] = W[w + (end + i) * n + s + p];
      for (let p = 0; p < kb; p++) for (let j = 0; j < restN; j++) top![p * restN + j] = W[w + (s + p) * n + end + j];
      gemm(false, false, restM, restN, kb, left!, 0, top!, 0, product!, 0);
      for (let i = 0; i < restM; i++) {
        const ri = w + (end + i) * n + end;
        for (let j = 0; j < restN; j++) W[ri + j] -= product![i * restN + j];
      }
    }
    if (!direct) for (let i = 0; i < mn; i++) lu[o + i] = W[i];
  }
  return first;
}

/** Swaps rows i and piv[i] of the n×k block at xo, for i ascending (P·X) or descending (Pᵀ·X). */
function permuteRows(X: Float64Array, xo: number, piv: Int32Array, po: number, n: number, k: number, inverse: boolean): void {
  for (let t = 0; t < n; t++) {
    const i = inverse ? n - 1 - t : t;
    const p = piv[po + i];
    if (p === i) continue;
    for (let c = 0, ri = xo + i * k, rp = xo + p * k; c < k; c++) {
      const v = X[ri + c];
      X[ri + c] = X[rp + c];
      X[rp + c] = v;
    }
  }
}

/**
 * Substitution with the triangle of the n×n block `lu` at `o`: op(T)·X = X in place, where T is L (unit
 * diagonal, below) or U (on and above), and op(T) is T or Tᵀ. Rows of X are contiguous.
 */
function substitute(lu: FloatArray, o: number, X: Float64Array, xo: number, n: number, k: number, upper: boolean, transpose: boolean): void {
  const forward = upper === transpose; // op(T) is lower triangular
  const rowStep = transpose ? 1 : n, colStep = transpose ? n : 1;
  for (let t = 0; t < n; t++) {
    const i = forward ? t : n - 1 - t;
    const xi = xo + i * k;
    const [j0, j1] = forward ? [0, i] : [i + 1, n];
    for (let j = j0; j < j1; j++) {
      const v = lu[o + i * rowStep + j * colStep];
      if (v !== 0) for (let c = 0, xj = xo + j * k; c < k; c++) X[xi + c] -= v * X[xj + c];
    }
    if (upper) {
      const d = lu[o + i * n + i];
      for (let c = 0; c < k; c++) X[xi + c] /= d;
    }
  }
}

// P·A = L·U:  A⁻¹·B = U⁻¹·L⁻¹·(P·B)  and  A⁻ᵀ·B = Pᵀ·L⁻ᵀ·U⁻ᵀ·B
export function luSolve(
  lu: FloatArray, piv: Int32Array, b: FloatArray, n: number, k: number, count: number, transpose: boolean, out: FloatArray,
): void {
  const nn = n * n, nk = n * k;
  const direct = out instanceof Float64Array;
  const X = workFor(out, nk);
  for (let m = 0; m < count; m++) {
    const o = m * nn, xo = direct ? m * nk : 0;
    for (let i = 0; i < nk; i++) X[xo + i] = b[m * nk + i];
    if (!transpose) {
      permuteRows(X, xo, piv, m * n, n, k, false);
      substitute(lu, o, X, xo, n, k, false, false);
      substitute(lu, o, X, xo, n, k, true, false);
    } else {
      substitute(lu, o, X, xo, n, k, true, true);
      substitute(lu, o, X, xo, n, k, false, true);
      permuteRows(X, xo, piv, m * n, n, k, true);
    }
    if (!direct) for (let i = 0; i < nk; i++) out[m * nk + i] = X[i];
  }
}

/** (−1)^(number of row swaps) of matrix m's pivots. */
function permutationSign(piv: Int32Array, n: number, m: number): number {
  let s = 1;
  for (let i = 0; i < n; i++) if (piv[m * n + i] !== i) s = -s;
  return s;
}

export function luSlogdet(lu: FloatArray, piv: Int32Array, n: number, count: number, sign: FloatArray, logabsdet: FloatArray): void {
  for (let m = 0; m < count; m++) {
    let s = permutationSign(piv, n, m), l = 0, zero = false;
    for (let i = 0; i < n; i++) {
      const d = lu[m * n * n + i * n + i];
      if (d < 0) s = -s;
      else if (d === 0) zero = true;
      else if (Number.isNaN(d)) s = NaN;
      l += Math.log(Math.abs(d));
    }
    sign[m] = zero && !Number.isNaN(s) ? 0 : s;
    logabsdet[m] = l;
  }
}

export function luDet(lu: FloatArray, piv: Int32Array, n: number, count: number, out: FloatArray): void {
  for (let m = 0; m < count; m++) {
    let d = permutationSign(piv, n, m);
    for (let i = 0; i < n; i++) d *= lu[m * n * n + i * n + i];
    out[m] = d;
  }
}

/**
 * Cyclic Jacobi (Golub & Van Loan, Alg. 8.5.3): each rotation J(p, q) zeroes S[p,q] in Jᵀ·S·J, with
 * τ = (S_qq − S_pp)/2S_pq, t = sign(τ)/(|τ| + √(1 + τ²)), c = 1/√(1 + t²), s = t·c; V accumulates the
 * rotations. Sweeps stop when the off-diagonal norm is below ε·‖S‖ (quadratic convergence: a handful).
 */
export function eigh(a: FloatArray, n: number, count: number, values: FloatArray, vectors: FloatArray): void {
  const nn = n * n;
  const S = new Float64Array(nn), V = new Float64Array(nn);
  const order = Array.from({ length: n }, (_, i) => i);
  for (let m = 0; m < count; m++) {
    const o = m * nn;
    let norm = 0;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        const v = 0.5 * (a[o + i * n + j] + a[o + j * n + i]);
        S[i * n + j] = v;
        V[i * n + j] = i === j ? 1 : 0;
        norm += v * v;
      }
    }
    for (let sweep = 0; sweep < 100; sweep++) {
      let off = 0;
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (i !== j) off += S[i * n + j] ** 2;
      if (!(off > 1e-32 * norm)) break; // also stops on NaN
      for (let p = 0; p < n - 1; p++) {
        for (let q = p + 1; q < n; q++) {
          const spq = S[p * n + q];
          if (spq === 0) continue;
          const tau = (S[q * n + q] - S[p * n + p]) / (2 * spq);
          const t = (tau >= 0 ? 1 : -1) / (Math.abs(tau) + Math.sqrt(1 + tau * tau));
          const c = 1 / Math.sqrt(1 + t * t), s = t * c;
          for (let k = 0; k < n; k++) {
            const kp = S[k * n + p], kq = S[k * n + q];
            S[k * n + p] = c * kp - s * kq;
            S[k * n + q] = s * kp + c * kq;
          }
          for (let k = 0; k < n; k++) {
            const pk = S[p * n + k], qk = S[q * n + k];
            S[p * n + k] = c * pk - s * qk;
            S[q * n + k] = s * pk + c * qk;
            const vp = V[k * n + p], vq = V[k * n + q];
            V[k * n + p] = c * vp - s * vq;
            V[k * n + q] = s * vp + c * vq;
          }
        }
      }
    }
    order.sort((i, j) => S[i * n + i] - S[j * n + j]);
    for (let c = 0; c < n; c++) {
      const src = order[c];
      let big = 0;
      for (let k = 0; k < n; k++) if (Math.abs(V[k * n + src]) > Math.abs(big)) big = V[k * n + src];
      const sign = big < 0 ? -1 : 1;
      values[m * n + c] = S[src * n + src];
      for (let k = 0; k < n; k++) vectors[o + k * n + c] = sign * V[k * n + src];
    }
  }
}

/**
 * Householder QR of m×n matrices, k = min(m, n) reflectors: column j's H = I − τ·v·vᵀ (v[j] = 1) maps
 * x = W[j.., j] to β·e₁ with β = −sign(x₀)·‖x‖, τ = (β − x₀)/β (dlarfg); Q = H₀·H₁⋯ applied to the
 * first c columns of the m×m identity (c = k, or m for the complete Q), R = the top c rows of W.
 */
export function qr(a: FloatArray, m: number, n: number, count: number, q: FloatArray, r: FloatArray, complete: boolean): void {
  const k = Math.min(m, n), c = complete ? m : k, width = Math.max(n, c);
  const W = new Float64Array(m * n), Q = new Float64Array(m * c), tau = new Float64Array(k), s = new Float64Array(width);
  for (let b = 0; b < count; b++) {
    for (let i = 0; i < m * n; i++) W[i] = a[b * m * n + i];
    for (let j = 0; j < k; j++) {
      const alpha = W[j * n + j];
      let xnorm2 = 0;
      for (let i = j + 1; i < m; i++) xnorm2 += W[i * n + j] ** 2;
      if (xnorm2 === 0) {
        tau[j] = 0;
        continue;
      }
      const beta = -(alpha >= 0 ? 1 : -1) * Math.sqrt(alpha * alpha + xnorm2);
      tau[j] = (beta - alpha) / beta;
      const scale = 1 / (alpha - beta);
      for (let i = j + 1; i < m; i++) W[i * n + j] *= scale;
      W[j * n + j] = beta;
      // the trailing columns: W −= τ·v·(vᵀ·W), rows j.. (v[j] = 1, the rest stored below the diagonal)
      for (let col = j + 1; col < n; col++) s[col] = W[j * n + col];
      for (let i = j + 1; i < m; i++) for (let col = j + 1, vi = W[i * n + j]; col < n; col++) s[col] += vi * W[i * n + col];
      for (let col = j + 1; col < n; col++) W[j * n + col] -= tau[j] * s[col];
      for (let i = j + 1; i < m; i++) for (let col = j + 1, tv = tau[j] * W[i * n + j]; col < n; col++) W[i * n + col] -= tv * s[col];
    }
    Q.fill(0);
    for (let i = 0; i < c; i++) Q[i * c + i] = 1;
    for (let j = k - 1; j >= 0; j--) {
      if (tau[j] === 0) continue;
      // Q[j.., :] −= τ·v·(vᵀ·Q[j.., :])
      for (let col = 0; col < c; col++) s[col] = Q[j * c + col];
      for (let i = j + 1; i < m; i++) for (let col = 0, vi = W[i * n + j]; col < c; col++) s[col] += vi * Q[i * c + col];
      for (let col = 0; col < c; col++) Q[j * c + col] -= tau[j] * s[col];
      for (let i = j + 1; i < m; i++) for (let col = 0, tv = tau[j] * W[i * n + j]; col < c; col++) Q[i * c + col] -= tv * s[col];
    }
    for (let i = 0; i < m * c; i++) q[b * m * c + i] = Q[i];
    for (let i = 0; i < c; i++) for (let col = 0; col < n; col++) r[b * c * n + i * n + col] = col >= i && i < k ? W[i * n + col] : 0;
  }
}

export const linalgKernels: LinalgKernels = { cholesky, triangularSolve, luFactor, luSolve, luSlogdet, luDet, eigh, qr };
