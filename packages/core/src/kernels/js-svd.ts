/**
 * The singular value decomposition by one-sided Jacobi rotations (Hestenes 1958; Demmel & Veselić 1992,
 * "Jacobi's method is more accurate than QR"), in doubles whatever the dtype.
 */
import type { FloatArray } from '../dtype.js';

const EPS = 2 ** -52;

/**
 * Reduced SVD of `count` m×n matrices, A = U·diag(s)·Vh with k = min(m, n). Let B be A (m ≥ n) or Aᵀ
 * (m < n), L×k with L = max(m, n). The k columns of B, stored as the rows of W, are rotated in pairs
 * until every pair is orthogonal to working precision: for columns p, q with α = ‖w_p‖², β = ‖w_q‖²,
 * γ = w_p·w_q, the rotation (ζ = (β − α)/2γ, t = sign(ζ)/(|ζ| + √(1 + ζ²)), c = 1/√(1 + t²), s = t·c)
 * is the 2×2 symmetric Jacobi step on the Gram matrix BᵀB, without forming it, so small singular
 * values keep their relative accuracy. A sweep with no pair above |γ| > √L·ε·√(αβ) (LAPACK dgesvj's
 * test) ends the iteration; then σ_j = ‖w_j‖, the left vectors are w_j/σ_j (orthonormal to O(√L·ε)
 * by that test) and the right ones the accumulated rotations Z (to O(k·ε), as dgesvj's). The order is
 * σ descending; each column of U has its largest-magnitude component positive (the first such on a
 * tie), and a column of U for σ = 0 completes the others to an orthonormal set (the unit vector e_i
 * farthest from their span, orthogonalized twice).
 */
export function svd(a: FloatArray, m: number, n: number, count: number, u: FloatArray, s: FloatArray, vh: FloatArray): void {
  const tall = m >= n, k = Math.min(m, n), L = Math.max(m, n);
  const W = new Float64Array(k * L), Z = new Float64Array(k * k), norms = new Float64Array(k);
  const left = new Float64Array(k * L), residual = new Float64Array(L);
  const tol = Math.sqrt(L) * EPS;
  const order = Array.from({ length: k }, (_, i) => i);
  for (let b = 0; b < count; b++) {
    const o = b * m * n;
    // scaled to max |a| = 1, so no square below over- or underflows for any representable A
    let big = 0;
    for (let i = 0; i < m * n; i++) big = Math.max(big, Math.abs(a[o + i]));
    const scale = big > 0 && big < Infinity ? big : 1;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) W[tall ? j * L + i : i * L + j] = a[o + i * n + j] / scale;
    }
    Z.fill(0);
    for (let i = 0; i < k; i++) Z[i * k + i] = 1;
    for (let sweep = 0; sweep < 60; sweep++) {
      let rotated = false;
      for (let p = 0; p < k - 1; p++) {
        for (let q = p + 1; q < k; q++) {
          const wp = p * L, wq = q * L;
          let alpha = 0, beta = 0, gamma = 0;
          for (let i = 0; i < L; i++) {
            alpha += W[wp + i] * W[wp + i];
            beta += W[wq + i] * W[wq + i];
            gamma += W[wp + i] * W[wq + i];
          }
          if (!(Math.abs(gamma) > tol * Math.sqrt(alpha * beta))) continue; // also skips NaN
          rotated = true;
          const zeta = (beta - alpha) / (2 * gamma);
          const root = Math.abs(zeta) > 1e150 ? Math.abs(zeta) : Math.sqrt(1 + zeta * zeta);
          const t = (zeta >= 0 ? 1 : -1) / (Math.abs(zeta) + root);
          const c = 1 / Math.sqrt(1 + t * t), sn = t * c;
          for (let i = 0; i < L; i++) {
            const x = W[wp + i], y = W[wq + i];
            W[wp + i] = c * x - sn * y;
            W[wq + i] = sn * x + c * y;
          }
          for (let i = 0, zp = p * k, zq = q * k; i < k; i++) {
            const x = Z[zp + i], y = Z[zq + i];
            Z[zp + i] = c * x - sn * y;
            Z[zq + i] = sn * x + c * y;
          }
        }
      }
      if (!rotated) break;
    }
    for (let j = 0; j < k; j++) {
      let ss = 0;
      for (let i = 0; i < L; i++) ss += W[j * L + i] ** 2;
      norms[j] = Math.sqrt(ss);
    }
    order.sort((i, j) => norms[j] - norms[i] || i - j);
    for (let r = 0; r < k; r++) {
      const j = order[r], x = left.subarray(r * L, (r + 1) * L);
      if (norms[j] > 0) for (let i = 0; i < L; i++) x[i] = W[j * L + i] / norms[j];
      else if (norms[j] === 0) complete(left, r, L, residual);
      else x.fill(NaN); // a NaN in A
      // the sign: U's column r is x (tall) or Z's row j (wide); its largest component is made positive
      const uCol = tall ? x : Z.subarray(j * k, (j + 1) * k);
      let lead = 0;
      for (let i = 0; i < uCol.length; i++) if (Math.abs(uCol[i]) > Math.abs(lead)) lead = uCol[i];
      const sign = lead < 0 ? -1 : 1;
      s[b * k + r] = norms[j] * scale;
      for (let i = 0; i < L; i++) {
        if (tall) u[b * m * k + i * k + r] = sign * x[i];
        else vh[b * k * n + r * n + i] = sign * x[i];
      }
      for (let i = 0; i < k; i++) {
        if (tall) vh[b * k * n + r * n + i] = sign * Z[j * k + i];
        else u[b * m * k + i * k + r] = sign * Z[j * k + i];
      }
    }
  }
}

/**
 * Row r of `X` (r rows of length L already orthonormal above it) set to the unit vector e_i with the
 * largest component outside their span, orthogonalized against them twice (classical Gram–Schmidt
 * twice is orthogonal to working precision) and normalized. Some e_i has a residual of at least
 * √((L − r)/L), so the division is safe.
 */
function complete(X: Float64Array, r: number, L: number, v: Float64Array): void {
  let best = -1, bestNorm = -1;
  for (let e = 0; e < L; e++) {
    // ‖(I − XᵀX)e‖² = 1 − Σ_j X[j, e]²
    let ss = 1;
    for (let j = 0; j < r; j++) ss -= X[j * L + e] ** 2;
    if (ss > bestNorm) (bestNorm = ss), (best = e);
  }
  v.fill(0);
  v[best] = 1;
  for (let pass = 0; pass < 2; pass++) {
    for (let j = 0; j < r; j++) {
      let d = 0;
      for (let i = 0; i < L; i++) d += X[j * L + i] * v[i];
      for (let i = 0; i < L; i++) v[i] -= d * X[j * L + i];
    }
  }
  let ss = 0;
  for (let i = 0; i < L; i++) ss += v[i] * v[i];
  const norm = Math.sqrt(ss);
  for (let i = 0; i < L; i++) X[r * L + i] = v[i] / norm;
}
