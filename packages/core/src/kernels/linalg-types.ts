import type { FloatArray } from '../dtype.js';

/** The gemm a blocked factorization does its O(n³) updates with (`Kernels.gemm`, passed in by the op). */
export type GemmKernel = (
  transA: boolean, transB: boolean, m: number, n: number, k: number,
  a: FloatArray, aOff: number, b: FloatArray, bOff: number, c: FloatArray, cOff: number,
) => void;

/** Where a factorization broke down: the batch element, the pivot (counting from 0) and its value. */
export interface PivotFailure {
  readonly batch: number;
  readonly pivot: number;
  readonly value: number;
}

/**
 * Dense factorizations and triangular solves on `count` stacked n×n matrices (each operand's matrices
 * contiguous, row-major). Sums run in doubles; a float32 result is rounded on store.
 */
export interface LinalgKernels {
  /**
   * Cholesky factor L (lower, zeros above the diagonal) of the symmetric part ½(A + Aᵀ) of each matrix.
   * Returns the first pivot that is not positive (the matrix is not positive definite), or null.
   * Blocked: the trailing updates go through `gemm`, so a faster gemm speeds it up.
   */
  cholesky(a: FloatArray, n: number, count: number, out: FloatArray, gemm: GemmKernel): PivotFailure | null;
  /**
   * X = op(A)⁻¹·B for A n×n and B n×k; op(A) = Aᵀ with `transpose`. Only the `lower` (else upper)
   * triangle of A is read, its diagonal as ones with `unitDiagonal`. Returns the first zero diagonal
   * element (X is then not finite), or null.
   */
  triangularSolve(
    a: FloatArray, b: FloatArray, n: number, k: number, count: number,
    lower: boolean, transpose: boolean, unitDiagonal: boolean, out: FloatArray,
  ): PivotFailure | null;
  /**
   * LU with partial pivoting of m×n matrices, P·A = L·U, k = min(m, n) steps: `lu` (m×n) gets L below
   * the diagonal (unit diagonal implied) and U on and above it; row i was swapped with row piv[i] ≥ i
   * at step i (LAPACK's getrf; `piv` holds k entries a matrix). Continues past a zero pivot (its column
   * is zero below it) and returns the first one, or null. Blocked: the trailing updates go through `gemm`.
   */
  luFactor(a: FloatArray, m: number, n: number, count: number, lu: FloatArray, piv: Int32Array, gemm: GemmKernel): PivotFailure | null;
  /** X = A⁻¹·B, or A⁻ᵀ·B with `transpose` (B n×k), from luFactor's output, whose U must have no zero pivot. */
  luSolve(lu: FloatArray, piv: Int32Array, b: FloatArray, n: number, k: number, count: number, transpose: boolean, out: FloatArray): void;
  /** sign(det A) (0 when singular) and log|det A| (−∞ when singular) from luFactor's output. */
  luSlogdet(lu: FloatArray, piv: Int32Array, n: number, count: number, sign: FloatArray, logabsdet: FloatArray): void;
  /**
   * Eigen-decomposition of the symmetric part ½(A + Aᵀ) by cyclic Jacobi rotations: `values` gets the
   * eigenvalues ascending (count×n), `vectors` the unit eigenvectors as columns (count×n×n), each with
   * its largest-magnitude component positive (a sign convention that is continuous in A).
   */
  eigh(a: FloatArray, n: number, count: number, values: FloatArray, vectors: FloatArray): void;
  /**
   * QR of `count` m×n matrices by Householder reflections, LAPACK's geqrf convention (R[j,j] =
   * −sign(a)·‖x‖, no reflection where the column below is already zero), k = min(m, n): q gets Q
   * (m×c, orthonormal columns), r gets R (c×n, upper triangular), with c = k, or c = m if `complete`.
   */
  qr(a: FloatArray, m: number, n: number, count: number, q: FloatArray, r: FloatArray, complete: boolean): void;
  /** det A as the product of U's pivots and the permutation's sign, from luFactor's output. */
  luDet(lu: FloatArray, piv: Int32Array, n: number, count: number, out: FloatArray): void;
}

/** The SVD kernel (js-svd.ts), beside the factorizations. */
export interface SvdKernels {
  /**
   * Reduced SVD of `count` m×n matrices by one-sided Jacobi: u gets U (m×k, k = min(m, n)), s the
   * singular values descending (count×k), vh gets Vh (k×n), A = U·diag(s)·Vh; each column of U has
   * its largest-magnitude component positive, and the columns for σ = 0 complete an orthonormal set.
   */
  svd(a: FloatArray, m: number, n: number, count: number, u: FloatArray, s: FloatArray, vh: FloatArray): void;
}
