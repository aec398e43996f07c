/**
 * W6's data and float64 references: `solve` and `cholesky` of a symmetric positive definite A, and the
 * batched bilinear form v[b] = Σ_ij x[b,i]·W[i,j]·y[b,j] (`einsum('bi,ij,bj->b', x, W, y)`), all in
 * float64. The inputs are float32 values (every library receives them exactly, then widens them):
 * jax-js in Node 20 cannot be handed a Float64Array.
 */
import { stream, type Rng } from './data.js';

export interface SolveData {
  n: number;
  /** A [n, n] = M·Mᵀ/n + I rounded to float32, M uniform in [−1, 1): its eigenvalues lie in about
   * [1, 2.4], so it is positive definite with condition number below 3. */
  A: Float32Array;
  /** B [n, rhs], uniform in [−1, 1). */
  B: Float32Array;
  rhs: number;
  /** Entries of X = A⁻¹B ([n, rhs]) and of L ([n, n], lower) compared, as flat row-major indices;
   * L's include entries above the diagonal, which must be 0. */
  sampleX: number[];
  sampleL: number[];
}

export interface BilinearData {
  batch: number;
  n: number;
  x: Float32Array; // [batch, n]
  W: Float32Array; // [n, n]
  y: Float32Array; // [batch, n]
  /** Entries of v [batch] compared. */
  sample: number[];
}

/** W6's einsum row. */
export const bilinearKey = (batch: number, n: number): string => `W6 einsum bi,ij,bj->b batch=${batch} n=${n}`;

const picks = (g: Rng, count: number, n: number): number[] => Array.from({ length: count }, () => g.int(n));

export function solveData(n: number, rhs: number): SolveData {
  const g = stream(`W6 spd n=${n} rhs=${rhs}`);
  const M = g.floats(n * n, -1, 1);
  const A = new Float32Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += M[i * n + k] * M[j * n + k];
      A[i * n + j] = A[j * n + i] = s / n + (i === j ? 1 : 0);
    }
  }
  const B = g.floats(n * rhs, -1, 1);
  const below = Array.from({ length: 12 }, () => {
    const i = g.int(n);
    return i * n + g.int(i + 1);
  });
  const above = n > 1 ? Array.from({ length: 4 }, () => {
    const i = g.int(n - 1);
    return i * n + i + 1 + g.int(n - i - 1);
  }) : [];
  return { n, A, B, rhs, sampleX: picks(g, 16, n * rhs), sampleL: [...below, ...above] };
}

export function bilinearData(batch: number, n: number): BilinearData {
  const g = stream(`W6 bilinear batch=${batch} n=${n}`);
  return { batch, n, x: g.floats(batch * n, -1, 1), W: g.floats(n * n, -1, 1), y: g.floats(batch * n, -1, 1), sample: picks(g, 16, batch) };
}

/** L with A = L·Lᵀ, row-major float64 (Cholesky–Banachiewicz). */
function choleskyOf(A: ArrayLike<number>, n: number): Float64Array {
  const L = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = A[i * n + j];
      for (let k = 0; k < j; k++) s -= L[i * n + k] * L[j * n + k];
      L[i * n + j] = i === j ? Math.sqrt(s) : s / L[j * n + j];
    }
  }
  return L;
}

/** X = A⁻¹B through L·Lᵀ: forward then backward substitution, one column of B at a time. */
function solveWith(L: Float64Array, B: ArrayLike<number>, n: number, r: number): Float64Array {
  const X = new Float64Array(n * r);
  for (let c = 0; c < r; c++) {
    for (let i = 0; i < n; i++) {
      let s = B[i * r + c];
      for (let k = 0; k < i; k++) s -= L[i * n + k] * X[k * r + c];
      X[i * r + c] = s / L[i * n + i];
    }
    for (let i = n - 1; i >= 0; i--) {
      let s = X[i * r + c];
      for (let k = i + 1; k < n; k++) s -= L[k * n + i] * X[k * r + c];
      X[i * r + c] = s / L[i * n + i];
    }
  }
  return X;
}

/**
 * The sampled entries of X and L in float64, each with its tolerance. A backward-stable float64
 * factorization errs by about n·u·κ relative to the largest entry (κ < 3 here: under 2e-13 for
 * n = 512); 1e-10 of the largest entry leaves room for any stable algorithm, while a float32
 * computation (errors near 1e-7) fails.
 */
export function solveReference(d: SolveData): { X: { values: number[]; tolerance: number[] }; L: { values: number[]; tolerance: number[] } } {
  const L = choleskyOf(d.A, d.n);
  const X = solveWith(L, d.B, d.n, d.rhs);
  const maxAbs = (a: Float64Array): number => a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  const tolX = 1e-10 * maxAbs(X), tolL = 1e-10 * maxAbs(L);
  return {
    X: { values: d.sampleX.map((i) => X[i]), tolerance: d.sampleX.map(() => tolX) },
    L: { values: d.sampleL.map((i) => L[i]), tolerance: d.sampleL.map(() => tolL) },
  };
}

/** v[b] at the sampled b in float64, with the classic bound 2·K·u·Σ|terms| for a sum of K = n² terms. */
export function bilinearReference(d: BilinearData): { values: number[]; tolerance: number[] } {
  const { n, x, W, y } = d;
  const values: number[] = [], tolerance: number[] = [];
  for (const b of d.sample) {
    let v = 0, s = 0;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        const t = x[b * n + i] * W[i * n + j] * y[b * n + j];
        v += t;
        s += Math.abs(t);
      }
    }
    values.push(v);
    tolerance.push(2 * n * n * 2 ** -53 * s);
  }
  return { values, tolerance };
}
