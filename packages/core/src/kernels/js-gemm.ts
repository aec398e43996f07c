/**
 * C[m×n] = op(A)[m×k] · op(B)[k×n], overwriting C. Element (i, p) of op(A) is a[aOff + i·k + p], or
 * a[aOff + p·m + i] when transA; element (p, j) of op(B) is b[bOff + p·n + j], or b[bOff + j·k + p]
 * when transB. Each case picks the loop order whose inner loop walks memory contiguously, and every
 * sum is carried in doubles, so float32 results are rounded once.
 */
import type { FloatArray } from '../dtype.js';

export function gemm(
  transA: boolean, transB: boolean, m: number, n: number, k: number,
  a: FloatArray, aOff: number, b: FloatArray, bOff: number, c: FloatArray, cOff: number,
): void {
  if (m === 0 || n === 0) return;
  if (k === 0) {
    c.fill(0, cOff, cOff + m * n);
    return;
  }
  if (!transB) gemmRowsOfB(transA, m, n, k, a, aOff, b, bOff, c, cOff);
  else if (!transA) gemmDots(m, n, k, a, aOff, b, bOff, c, cOff);
  else gemmTT(m, n, k, a, aOff, b, bOff, c, cOff);
}

/**
 * B not transposed: i-p-j order, C[i,:] = Σ_p op(A)[i,p] · B[p,:]. The inner loop is an axpy over a row
 * of B into a row accumulator that stays in cache. op(A)[i,p] is read once per row of B, so A's layout
 * (transposed or not) barely matters.
 */
function gemmRowsOfB(
  transA: boolean, m: number, n: number, k: number,
  a: FloatArray, aOff: number, b: FloatArray, bOff: number, c: FloatArray, cOff: number,
): void {
  // A float64 C is its own accumulator; a float32 C gets a double scratch row.
  const direct = c instanceof Float64Array;
  const acc: Float64Array = direct ? c : new Float64Array(n);
  const aRowStep = transA ? 1 : k;
  const aColStep = transA ? m : 1;
  for (let i = 0; i < m; i++) {
    const r0 = direct ? cOff + i * n : 0;
    const r1 = r0 + n;
    acc.fill(0, r0, r1);
    const ai = aOff + i * aRowStep;
    for (let p = 0; p < k; p++) {
      const aip = a[ai + p * aColStep];
      for (let j = r0, q = bOff + p * n; j < r1; j++, q++) acc[j] += aip * b[q];
    }
    if (!direct) for (let j = 0, q = cOff + i * n; j < n; j++, q++) c[q] = acc[j];
  }
}

/** A not transposed, B transposed: C[i,j] is the dot product of row i of A and row j of B, both contiguous. */
function gemmDots(
  m: number, n: number, k: number,
  a: FloatArray, aOff: number, b: FloatArray, bOff: number, c: FloatArray, cOff: number,
): void {
  for (let i = 0, ci = cOff; i < m; i++) {
    const ai = aOff + i * k;
    for (let j = 0; j < n; j++, ci++) {
      let s = 0;
      for (let p = 0, q = bOff + j * k; p < k; p++, q++) s += a[ai + p] * b[q];
      c[ci] = s;
    }
  }
}

/**
 * Both transposed: the stored arrays give Cᵀ[n×m] = B_stored[n×k] · A_stored[k×m], an untransposed
 * product, so column j of C accumulates B[j,p] · (row p of stored A) in a contiguous scratch column,
 * which is then written out with stride n.
 */
function gemmTT(
  m: number, n: number, k: number,
  a: FloatArray, aOff: number, b: FloatArray, bOff: number, c: FloatArray, cOff: number,
): void {
  const col = new Float64Array(m);
  for (let j = 0; j < n; j++) {
    col.fill(0);
    const bj = bOff + j * k;
    for (let p = 0; p < k; p++) {
      const bjp = b[bj + p];
      for (let i = 0, q = aOff + p * m; i < m; i++, q++) col[i] += bjp * a[q];
    }
    for (let i = 0, q = cOff + j; i < m; i++, q += n) c[q] = col[i];
  }
}
