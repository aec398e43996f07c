/**
 * Known values, errors, batching and dtypes of the linear-algebra ops, and the property cases of the
 * composites (the primitives' are in the op table's test). Imports the package as a user would.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  LinAlgError, ShapeError, backend, cholesky, det, diag, diagonal, eigh, qr, grad, gradcheck, gradgradcheck, inv, linalg, lu, matmul, outer, slogdet,
  solve, tensor, trace, triangularSolve, tril, triu, useWasm, type NestedArray, type Tensor,
} from '@tapegrad/core';
import { batchArb, broadcastFrom, checkBothOrders, generalMatrices, matrices, sizeArb, spdMatrices, type Case } from './linalg.testkit.js';

const f64 = (v: NestedArray) => tensor(v, { dtype: 'float64' });
const f32 = (v: NestedArray) => tensor(v, { dtype: 'float32' });

/** Every element of `t` within `tol` of `expected` (nested arrays of one shape). */
function expectClose(t: Tensor, expected: NestedArray, tol = 1e-12): void {
  const flat = (v: NestedArray): number[] => (typeof v === 'number' ? [v] : v.flatMap(flat));
  const want = flat(expected);
  expect(t.size).toBe(want.length);
  t.data.forEach((x, i) => expect(Math.abs(x - want[i]), `element ${i}: ${x} vs ${want[i]}`).toBeLessThanOrEqual(tol));
}

/** The LinAlgError that `f` throws (failing the test if it throws nothing or something else). */
function linAlgErrorOf(f: () => unknown): LinAlgError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(LinAlgError);
    return e as LinAlgError;
  }
  throw new Error('expected a LinAlgError');
}

describe('known values', () => {
  it('cholesky', () => {
    expectClose(cholesky(f64([[4, 2], [2, 5]])), [[2, 0], [1, 2]]);
    expectClose(cholesky(f64([[4, 12, -16], [12, 37, -43], [-16, -43, 98]])), [[2, 0, 0], [6, 1, 0], [-8, 5, 3]]);
    // only the symmetric part is factored
    expectClose(cholesky(f64([[4, 0], [4, 5]])), [[2, 0], [1, 2]]);
  });

  it('triangularSolve, in all four orientations and with a unit diagonal', () => {
    const L = f64([[2, 99], [1, 4]]); // the 99 is outside the lower triangle and is not read
    expectClose(triangularSolve(L, f64([[2], [9]]), { lower: true }), [[1], [2]]);
    expectClose(triangularSolve(L, f64([4, 8]), { lower: true, transpose: true }), [1, 2]); // [[2, 1], [0, 4]] x = b
    expectClose(triangularSolve(L, f64([[2], [9]]), { lower: true, unitDiagonal: true }), [[2], [7]]);
    const U = f64([[2, 1], [-7, 4]]);
    expectClose(triangularSolve(U, f64([[4], [8]]), { lower: false }), [[1], [2]]);
    expectClose(triangularSolve(U, f64([[2], [9]]), { lower: false, transpose: true }), [[1], [2]]);
  });

  it('solve pivots (a zero in the top-left corner), and takes vectors and batches of vectors', () => {
    expectClose(solve(f64([[0, 1], [1, 0]]), f64([2, 3])), [3, 2]);
    expectClose(solve(f64([[3, 1], [1, 2]]), f64([[9, 1], [8, 2]])), [[2, 0], [3, 1]]);
    const A = f64([[[3, 1], [1, 2]], [[2, 0], [0, 4]]]);
    const x = solve(A, f64([[9, 8], [2, 4]])); // B [2, 2] has A's shape without the last dim: two vectors
    expect(x.shape).toEqual([2, 2]);
    expectClose(x, [[2, 3], [1, 1]]);
  });

  it('inv, det and slogdet', () => {
    expectClose(inv(f64([[4, 7], [2, 6]])), [[0.6, -0.7], [-0.2, 0.4]], 1e-15);
    expectClose(det(f64([[1, 2], [3, 4]])), -2, 1e-15);
    expectClose(det(f64([[6, 1, 1], [4, -2, 5], [2, 8, 7]])), -306, 1e-12);
    expectClose(det(f64([[0, 1], [1, 0]])), -1);
    const { sign, logabsdet } = slogdet(f64([[[1, 2], [3, 4]], [[2, 0], [0, 3]]]));
    expectClose(sign, [-1, 1]);
    expectClose(logabsdet, [Math.log(2), Math.log(6)], 1e-15);
  });

  it('lu: A = P·L·U with pivoting, batched', () => {
    const A = f64([[[1, 2], [3, 4]], [[0, 1], [2, 0]]]);
    const { P, L, U } = lu(A);
    expectClose(P, [[[0, 1], [1, 0]], [[0, 1], [1, 0]]]);
    expectClose(L, [[[1, 0], [1 / 3, 1]], [[1, 0], [0, 1]]], 1e-15);
    expectClose(U, [[[3, 4], [0, 2 / 3]], [[2, 0], [0, 1]]], 1e-15);
    expectClose(matmul(P, matmul(L, U)), A.toArray(), 1e-15);
    // a singular matrix factors; the gradient, which needs U⁻¹, is the error
    expectClose(lu(f64([[1, 2], [2, 4]])).U, [[2, 4], [0, 0]]);
    const e = linAlgErrorOf(() => grad((a: Tensor) => lu(a).U.sum())(f64([[1, 2], [2, 4]])));
    expect(e.message).toBe("lu: argument 'A': the gradient is infinite: U is singular: pivot 1 (counting from 0) is 0");
  });

  it('lu of tall and wide matrices: P m×m, L m×k, U k×n with k = min(m, n)', () => {
    // tall: the 3 in the last row is the first pivot, then the 2 of the first row
    const t = lu(f64([[1, 2], [0, 1], [3, 0]]));
    expectClose(t.P, [[0, 1, 0], [0, 0, 1], [1, 0, 0]]);
    expectClose(t.L, [[1, 0], [1 / 3, 1], [0, 0.5]], 1e-15);
    expectClose(t.U, [[3, 0], [0, 2]]);
    // wide: only the leading square block is eliminated; U's last column is L⁻¹·Pᵀ·(A's last column)
    const W = f64([[1, 2, 3], [4, 5, 6]]);
    const w = lu(W);
    expect([w.P.shape, w.L.shape, w.U.shape]).toEqual([[2, 2], [2, 2], [2, 3]]);
    expectClose(w.L, [[1, 0], [0.25, 1]]);
    expectClose(w.U, [[4, 5, 6], [0, 0.75, 1.5]]);
    const B = f64([[[[2, 1, 0, 1], [4, 0, 1, 2]]], [[[0, 1, 5, 1], [1, 0, 0, 3]]]]); // [2, 1, 2, 4]
    const { P, L, U } = lu(B);
    expect(U.shape).toEqual([2, 1, 2, 4]);
    expectClose(matmul(P, matmul(L, U)), B.toArray(), 1e-15);
  });

  it('eigh: ascending eigenvalues, unit eigenvectors (largest component positive), batched', () => {
    const { values, vectors } = eigh(f64([[[3, 0, 0], [0, 1, 0], [0, 0, 2]], [[2, 1, 0], [1, 2, 0], [0, 0, -1]]]));
    expectClose(values, [[1, 2, 3], [-1, 1, 3]], 1e-15);
    const r = Math.SQRT1_2;
    expectClose(vectors.slice([0], [1]).reshape([3, 3]), [[0, 0, 1], [1, 0, 0], [0, 1, 0]]);
    // the second matrix: e₃, then (1, −1)/√2 up to its tied sign, then (1, 1)/√2
    const V1 = vectors.slice([1], [2]).reshape([3, 3]);
    expectClose(V1.abs(), [[0, r, r], [0, r, r], [1, 0, 0]], 1e-15);
    expectClose(V1.slice([0, 2]), [[r], [r], [0]], 1e-15);
    const A = f64([[4, 1, -2, 0.5], [1, 3, 0, 1], [-2, 0, 5, 0.3], [0.5, 1, 0.3, -1]]);
    const d = eigh(A);
    expectClose(matmul(d.vectors.mul(d.values.reshape([1, 4])), d.vectors.T), A.toArray(), 1e-14);
    expectClose(matmul(d.vectors.T, d.vectors), [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]], 1e-15);
  });

  it('eigh at a repeated eigenvalue: the values have a gradient, the vectors a LinAlgError', () => {
    const I = f64([[1, 0], [0, 1]]);
    expectClose(grad((a: Tensor) => eigh(a).values.mul(f64([1, 2])).sum())(I), [[1, 0], [0, 2]]);
    expect(linAlgErrorOf(() => grad((a: Tensor) => eigh(a).vectors.sum())(I)).message).toBe(
      "eigh: argument 'A': the gradient through the eigenvectors is infinite: eigenvalues 0 and 1 are both 1",
    );
  });

  it('qr: Q·R = A, orthonormal Q, upper R, batched', () => {
    const A = f64([[[3, 1], [4, 2], [1, 5]], [[1, 0], [0, 2], [0, 0]]]);
    const { Q, R } = qr(A);
    expectClose(matmul(Q, R), A.toArray(), 1e-14);
    expectClose(matmul(Q.T, Q), [[[1, 0], [0, 1]], [[1, 0], [0, 1]]], 1e-15);
    expectClose(R.slice([0, 1, 0], [null, 2, 1]), [[[0]], [[0]]]); // R[..., 1, 0]
    // the second matrix is already upper triangular below: LAPACK's rule leaves it unreflected
    expectClose(R.slice([1], [2]), [[[1, 0], [0, 2]]]);
  });

  it('qr of wide matrices: Q m×m, R m×n; mode complete of tall ones: Q m×m, R m×n with zero rows', () => {
    const W = f64([[3, 1, 5], [4, 2, 0]]);
    const w = qr(W);
    expectClose(w.Q, [[-0.6, -0.8], [-0.8, 0.6]], 1e-15);
    expectClose(w.R, [[-5, -2.2, -3], [0, 0.4, -4]], 1e-15);
    expect(qr(W, 'complete').R.shape).toEqual([2, 3]);
    const T = f64([[[3, 1], [4, 2], [1, 5]], [[1, 0], [0, 2], [0, 0]]]);
    const { Q, R } = qr(T, 'complete');
    expect([Q.shape, R.shape]).toEqual([[2, 3, 3], [2, 3, 2]]);
    expectClose(matmul(Q, R), T.toArray(), 1e-14);
    expectClose(matmul(Q.T, Q), [[[1, 0, 0], [0, 1, 0], [0, 0, 1]], [[1, 0, 0], [0, 1, 0], [0, 0, 1]]], 1e-15);
    expectClose(R.slice([0, 2], [null, 3]), [[[0, 0]], [[0, 0]]]);
    // Q's first n columns and R's first n rows are the reduced factors, and so are their gradients
    const reduced = qr(T);
    expectClose(Q.slice([0, 0, 0], [null, null, 2]), reduced.Q.toArray(), 0);
    const loss = (mode: 'reduced' | 'complete') => (a: Tensor) => {
      const f = qr(a, mode);
      return f.Q.slice([0, 0, 0], [null, null, 2]).sum().add(f.R.square().sum());
    };
    expectClose(grad(loss('complete'))(T), grad(loss('reduced'))(T).toArray(), 0);
  });

  it('structure: tril, triu, diagonal, diag, trace, outer', () => {
    const X = f64([[1, 2, 3], [4, 5, 6]]);
    expectClose(tril(X, -1), [[0, 0, 0], [4, 0, 0]]);
    expectClose(triu(X, 1), [[0, 2, 3], [0, 0, 6]]);
    expectClose(diagonal(X, 1), [2, 6]);
    expectClose(diagonal(X, -1), [4]);
    expectClose(diagonal(f64([[[1, 2], [3, 4]], [[5, 6], [7, 8]]]), 0, 0, 2), [[1, 6], [3, 8]]);
    expectClose(diag(f64([1, 2]), 1), [[0, 1, 0], [0, 0, 2], [0, 0, 0]]);
    expectClose(diag(X), [1, 5]);
    expectClose(trace(f64([[[1, 2], [3, 4]], [[5, 6], [7, 8]]])), [5, 13]);
    expectClose(outer(f64([1, 2]), f64([3, 4, 5])), [[3, 4, 5], [6, 8, 10]]);
    // tril zeroes what it drops, even an infinity
    expectClose(tril(f64([[1, Infinity], [2, 3]])), [[1, 0], [2, 3]]);
  });

  it('logdet from cholesky agrees with slogdet', () => {
    const A = f64([[4, 12, -16], [12, 37, -43], [-16, -43, 98]]);
    const fromL = diagonal(cholesky(A)).log().sum().mul(2);
    expectClose(fromL, slogdet(A).logabsdet.item(), 1e-13);
  });

  it('is also reachable as the linalg namespace', () => {
    expect(linalg.solve).toBe(solve);
    expect(linalg.cholesky).toBe(cholesky);
  });
});

describe('singular and non-positive-definite matrices', () => {
  it('cholesky names the op and the first failing pivot, in the batch', () => {
    const e = linAlgErrorOf(() => cholesky(f64([[[4, 0], [0, 4]], [[1, 2], [2, 1]]])));
    expect(e.op).toBe('cholesky');
    expect(e.pivot).toBe(1);
    expect(e.batch).toEqual([1]);
    expect(e.message).toBe(
      "cholesky: argument 'A': the matrix is not positive definite (its leading minor of order 2 is not): pivot 1 (counting from 0) is -3 (matrix [1] of the batch)",
    );
    expect(linAlgErrorOf(() => cholesky(f64([[NaN]]))).message).toContain('pivot 0 (counting from 0) is NaN');
  });

  it('solve, inv and triangularSolve name the zero pivot', () => {
    const S = f64([[1, 2], [2, 4]]);
    expect(linAlgErrorOf(() => solve(S, f64([1, 1]))).message).toBe(
      "solve: argument 'A': the matrix is singular (LU with partial pivoting met a zero pivot): pivot 1 (counting from 0) is 0",
    );
    expect(linAlgErrorOf(() => inv(S)).op).toBe('inv');
    expect(linAlgErrorOf(() => triangularSolve(f64([[1, 0], [5, 0]]), f64([1, 1]), { lower: true })).pivot).toBe(1);
    // with a unit diagonal the zero is not read
    expectClose(triangularSolve(f64([[1, 0], [5, 0]]), f64([1, 1]), { lower: true, unitDiagonal: true }), [1, -4]);
  });

  it('det of a singular matrix is 0 and its gradient the cofactor matrix (PyTorch 1.13 returns zeros)', () => {
    const S = f64([[1, 2], [2, 4]]);
    expectClose(det(S), 0, 0);
    expectClose(grad((A: Tensor) => det(A))(S), [[4, -2], [-2, 1]]);
    // rank 2 of 3 (LU meets an exactly zero pivot): the cofactors, from the 2×2 minors
    const R = f64([[1, 2, 3], [4, 5, 6], [7, 8, 9]]);
    expectClose(grad((A: Tensor) => det(A))(R), [[-3, 6, -3], [6, -12, 6], [-3, 6, -3]]);
    expect(gradcheck(det, [R]).ok).toBe(true);
    expect(gradgradcheck(det, [R]).ok).toBe(true);
    expect(gradgradcheck(det, [f64([[0, 1, 0], [0, 0, 1], [0, 0, 0]])]).ok).toBe(true);
  });

  it("slogdet of a singular matrix is (0, −∞), and its gradient (infinite) an error naming slogdet", () => {
    const S = f64([[1, 2], [2, 4]]);
    const { sign, logabsdet } = slogdet(S);
    expect([sign.item(), logabsdet.item()]).toEqual([0, -Infinity]);
    expect(linAlgErrorOf(() => grad((A: Tensor) => slogdet(A).logabsdet)(S)).op).toBe('slogdet');
  });
});

describe('lu and qr errors name the op', () => {
  it("qr's gradient needs R invertible; mode 'complete' has none through Q's extra columns", () => {
    const rankOne = f64([[1, 2, 3], [0, 0, 1]]); // wide, its leading 2×2 block singular (and already triangular)
    expect(linAlgErrorOf(() => grad((a: Tensor) => qr(a).R.sum())(rankOne)).message).toBe(
      "qr: argument 'A': the gradient is infinite: A does not have full column rank (R is singular): pivot 1 (counting from 0) is 0",
    );
    const T = f64([[3, 1], [4, 2], [1, 5]]);
    expect(linAlgErrorOf(() => grad((a: Tensor) => qr(a, 'complete').Q.sum())(T)).message).toBe(
      "qr: argument 'A': mode 'complete' of a tall matrix (m = 3 > n = 2) has no gradient through Q's last m − n columns (they are not a function of A); use mode 'reduced'",
    );
    expect(() => qr(T, 'r' as 'reduced')).toThrow("qr: argument 'mode': expected 'reduced' or 'complete', got \"r\"");
  });

  it('lu of a singular tall matrix factors; its gradient names the zero pivot of U in the batch', () => {
    const S = f64([[[1, 0], [0, 1], [1, 1]], [[1, 2], [2, 4], [3, 6]]]);
    expectClose(lu(S).U.slice([1], [2]), [[[3, 6], [0, 0]]], 1e-15);
    const e = linAlgErrorOf(() => grad((a: Tensor) => lu(a).L.sum())(S));
    expect([e.op, e.batch, e.pivot]).toEqual(['lu', [1], 1]);
  });
});

describe('shape errors name the op and the shapes', () => {
  it.each([
    ['cholesky', () => cholesky(f64([[1, 2, 3], [4, 5, 6]])), "cholesky: argument 'A': expected square matrices, got shape [2, 3] (2 × 3)"],
    ['det', () => det(f64([1, 2])), "det: argument 'A': expected a matrix or a batch of matrices (rank ≥ 2), got shape [2]"],
    ['lu', () => lu(f64([1, 2])), "lu: argument 'A': expected a matrix or a batch of matrices (rank ≥ 2), got shape [2]"],
    ['qr', () => qr(f64([1, 2])), "qr: argument 'A': expected a matrix or a batch of matrices (rank ≥ 2), got shape [2]"],
    ['solve', () => solve(f64([[1, 0], [0, 1]]), f64([[1, 2, 3]])), "solve: argument 'B': B must have shape [..., 2, k] to match A of shape [2, 2], got [1, 3]"],
    ['solve', () => solve(f64([[1, 0], [0, 1]]), f64([1, 2, 3])), "solve: argument 'B': the vector(s) B must have length 2 to match A, got shape [3]"],
    ['solve', () => solve(f64([[[1, 0], [0, 1]], [[1, 0], [0, 1]]]), f64([[[1], [2]], [[1], [2]], [[1], [2]]])), 'solve: shapes [2] (A (batch dims)) and [3] (B (batch dims)) do not broadcast'],
    ['outer', () => outer(f64([[1]]), f64([1])), "outer: argument 'a': expected a vector, got shape [1, 1]"],
    ['diagonal', () => diagonal(f64([[1]]), 0, 1, -1), "diagonal: argument 'axis2': axis1 and axis2 must differ, both are 1"],
  ])('%s', (_op, f, message) => {
    expect(f).toThrow(ShapeError);
    expect(f).toThrow(message);
  });
});

describe('large matrices (several blocks of the blocked kernels)', () => {
  /** An n×n SPD matrix M·Mᵀ/n + I from a fixed sequence (as the bench builds them). */
  function spd(n: number, dtype: 'float32' | 'float64' = 'float64'): Tensor {
    const M = Float64Array.from({ length: n * n }, (_, i) => Math.sin(i * 12.9898) * 0.9);
    const A = matmul(tensor(M, { shape: [n, n], dtype: 'float64' }), tensor(M, { shape: [n, n], dtype: 'float64' }).T).div(n);
    return A.add(tensor(Float64Array.from({ length: n * n }, (_, i) => (i % (n + 1) === 0 ? 1 : 0)), { shape: [n, n], dtype: 'float64' })).astype(dtype);
  }
  const maxAbs = (t: Tensor) => t.abs().max().item();

  it.each([true, false])('cholesky of n = 150 reproduces A, and is lower triangular (WebAssembly gemm: %s)', (wasm) => {
    const A = spd(150);
    const was = backend().kernels !== 'js';
    useWasm(wasm);
    let L: Tensor;
    try {
      L = cholesky(A);
    } finally {
      useWasm(was);
    }
    expect(maxAbs(matmul(L, L.T).sub(A))).toBeLessThan(1e-13);
    expect(maxAbs(triu(L, 1))).toBe(0);
    const L32 = cholesky(A.astype('float32'));
    expect(maxAbs(L32.astype('float64').sub(L))).toBeLessThan(1e-5);
  });

  it.each([true, false])('solve, det and lu of n = 150 with pivoting (WebAssembly gemm: %s)', (wasm) => {
    const n = 150;
    // a well-conditioned matrix whose rows are rotated, so every column pivots
    const A = spd(n).add(tensor(Float64Array.from({ length: n * n }, (_, i) => Math.cos(i) * 0.3), { shape: [n, n], dtype: 'float64' }));
    const R = tensor(Float64Array.from({ length: n * n }, (_, i) => (Math.floor(i / n) === ((i % n) + 7) % n ? 1 : 0)), { shape: [n, n], dtype: 'float64' });
    const RA = matmul(R, A);
    const b = tensor(Float64Array.from({ length: n }, (_, i) => Math.sin(i)), { dtype: 'float64' });
    const was = backend().kernels !== 'js';
    useWasm(wasm);
    try {
      const x = solve(RA, b);
      expect(maxAbs(matmul(RA, x).sub(b))).toBeLessThan(1e-12);
      const { P, L, U } = lu(RA);
      expect(maxAbs(matmul(P, matmul(L, U)).sub(RA))).toBeLessThan(1e-12);
      // a cyclic shift of 150 rows is an odd permutation (149 transpositions): det(RA) = −det(A)
      expect(Math.abs(det(RA).item() / det(A).item() + 1)).toBeLessThan(1e-10);
      const [s1, s2] = [slogdet(RA), slogdet(A)];
      expect(s1.sign.item()).toBe(-s2.sign.item());
      expect(Math.abs(s1.logabsdet.item() - s2.logabsdet.item())).toBeLessThan(1e-10);
    } finally {
      useWasm(was);
    }
  });

  it.each([[150, 70], [70, 150], [200, 130]])('lu of a %i×%i matrix (blocked, pivoting) reproduces it', (m, n) => {
    const A = tensor(Float64Array.from({ length: m * n }, (_, i) => Math.sin(i * 12.9898) + (i % (n + 1) === 0 ? 2 : 0)), { shape: [m, n], dtype: 'float64' });
    const { P, L, U } = lu(A);
    expect(maxAbs(matmul(P, matmul(L, U)).sub(A))).toBeLessThan(1e-12);
    expect(maxAbs(triu(L, 1))).toBe(0);
    expect(maxAbs(tril(U, -1))).toBe(0);
    expect(maxAbs(L)).toBeLessThanOrEqual(1); // partial pivoting: no multiplier exceeds 1
  });

  it('a failing pivot in a later block is found and named', () => {
    const n = 150;
    const A = spd(n);
    // make the trailing 2×2 [[1, 2], [2, 1]]-like: indefinite at pivot 140 at the latest
    const bad = Float64Array.from(A.data);
    bad[140 * n + 141] = bad[141 * n + 140] = 10 * bad[140 * n + 140];
    const e = linAlgErrorOf(() => cholesky(tensor(bad, { shape: [n, n], dtype: 'float64' })));
    expect(e.pivot).toBe(141);
  });
});

describe('batches broadcast and float32 works', () => {
  it('solve broadcasts A over a batch of B, and the gradient sums back', () => {
    const A = f64([[3, 1], [1, 2]]);
    const B = f64([[[9], [8]], [[1], [2]]]);
    const X = solve(A, B);
    expectClose(X, [[[2], [3]], [[0], [1]]], 1e-15);
    const gA = grad((a: Tensor) => solve(a, B).sum())(A);
    expect(gA.shape).toEqual([2, 2]);
    expect(gradcheck((a: Tensor) => solve(a, B), [A]).ok).toBe(true);
  });

  it('float32 in, float32 out, to float32 accuracy', () => {
    const L = cholesky(f32([[4, 12, -16], [12, 37, -43], [-16, -43, 98]]));
    expect(L.dtype).toBe('float32');
    expectClose(L, [[2, 0, 0], [6, 1, 0], [-8, 5, 3]], 1e-5);
    expect(solve(f32([[3, 1], [1, 2]]), f32([9, 8])).dtype).toBe('float32');
    expectClose(det(f32([[6, 1, 1], [4, -2, 5], [2, 8, 7]])), -306, 1e-4);
    expect(solve(f32([[3, 1], [1, 2]]), f64([9, 8])).dtype).toBe('float64');
  });

  it.each([
    ['triangularSolve', (A: Tensor) => triangularSolve(A, A.slice([0, 0, 0], [null, null, 2]), { lower: true })],
    ['cholesky', (A: Tensor) => cholesky(matmul(A, A.T))],
    ['solve', (A: Tensor) => solve(A, A.sum(-1))],
    ['inv', inv],
    ['det', det],
    ['slogdet', (A: Tensor) => slogdet(A).logabsdet],
    ['eigh', (A: Tensor) => { const { values, vectors } = eigh(A.add(A.T)); return values.sum().add(vectors.square().mul(A).sum()); }],
    ['lu', (A: Tensor) => { const { L, U } = lu(A); return L.sum().add(U.square().sum()); }],
    ['qr', (A: Tensor) => { const { Q, R } = qr(A); return Q.sum().add(R.square().sum()); }],
  ] as const)('%s: a batch in float32 gives float64\'s values and gradients to float32 accuracy', (_name, f) => {
    const A = [[[4, 1, -0.5], [1, -3, 0.2], [0.5, 0.7, 2]], [[-2, 0.3, 1], [0.4, 5, -1], [1, 1, 3]]];
    const fsum = (a: Tensor) => (f as (a: Tensor) => Tensor)(a).sum();
    const [y32, y64] = [fsum(f32(A)), fsum(f64(A))];
    expect(y32.dtype).toBe('float32');
    expect(Math.abs(y32.item() - y64.item())).toBeLessThan(1e-5 * (1 + Math.abs(y64.item())));
    const g32 = grad(fsum)(f32(A));
    expect(g32.dtype).toBe('float32');
    expectClose(g32, grad(fsum)(f64(A)).toArray(), 1e-4);
  });

  it('lu and qr of tall and wide matrices in float32 match float64 to float32 accuracy, gradients too', () => {
    const A = [[0.5, -1, 2], [3, 0.2, -0.4], [-1, 2.5, 1], [0.7, 0.3, -2]];
    const At = [[0.5, 3, -1, 0.7], [-1, 0.2, 2.5, 0.3], [2, -0.4, 1, -2]];
    for (const X of [A, At]) {
      const luLoss = (a: Tensor) => { const { L, U } = lu(a); return L.sum().add(U.square().sum()); };
      const qrLoss = (a: Tensor) => { const { Q, R } = qr(a); return Q.sum().add(R.square().sum()); };
      for (const loss of [luLoss, qrLoss]) {
        const g32 = grad(loss)(f32(X)), g64 = grad(loss)(f64(X));
        expect(g32.dtype).toBe('float32');
        expectClose(g32, g64.toArray(), 1e-4);
      }
      const [l32, l64] = [lu(f32(X)), lu(f64(X))];
      expect(l32.U.dtype).toBe('float32');
      expectClose(l32.P, l64.P.toArray(), 0);
      expectClose(l32.U, l64.U.toArray(), 1e-5);
      expectClose(qr(f32(X)).R, qr(f64(X)).R.toArray(), 1e-5);
    }
  });
});

// ── the composites at first and second order ──────────────────────────────────────────────────────
const offset = fc.integer({ min: -3, max: 3 });
const someMatrices = fc.tuple(batchArb, sizeArb, sizeArb).chain(([b, n, m]) => matrices(b, n, m));
const vector = sizeArb.chain((n) => matrices([], 1, n).map((t) => t.reshape([n])));

const COMPOSITES: Record<string, Case> = {
  tril: { args: fc.tuple(someMatrices, offset), f: tril },
  triu: { args: fc.tuple(someMatrices, offset), f: triu },
  diagonal: {
    args: fc.tuple(fc.array(sizeArb, { minLength: 2, maxLength: 4 }), offset).chain(([s, k]) =>
      fc.tuple(matrices(s.slice(0, -2), s[s.length - 2], s[s.length - 1]), fc.constant(k), fc.uniqueArray(fc.integer({ min: -s.length, max: s.length - 1 }), { minLength: 2, maxLength: 2, selector: (a) => (a + s.length) % s.length })),
    ).map(([x, k, [a1, a2]]) => [x, k, a1, a2]),
    f: diagonal,
  },
  diag: { args: fc.tuple(fc.oneof(vector, sizeArb.chain((n) => matrices([], n, n + 1))), offset), f: diag },
  trace: { args: fc.tuple(someMatrices, offset), f: trace },
  outer: { args: fc.tuple(vector, vector), f: outer },
  inv: { args: fc.tuple(batchArb, sizeArb).chain(([b, n]) => generalMatrices(b, n).map((A) => [A])), f: inv },
  // a Gaussian log-density's quadratic form and log-determinant, through cholesky and triangularSolve
  gaussianTerms: {
    args: fc.tuple(batchArb, sizeArb).chain(([b, n]) => fc.tuple(spdMatrices(b, n), broadcastFrom(b).chain((bb) => matrices(bb, n, 1)))),
    f: (K: Tensor, y: Tensor) => {
      const L = cholesky(K);
      const z = triangularSolve(L, y, { lower: true });
      return [z.square().sum(), diagonal(L).log().sum()];
    },
  },
  matmulOfInverse: {
    args: fc.tuple(sizeArb).chain(([n]) => fc.tuple(generalMatrices([], n), matrices([], n, 2))),
    f: (A: Tensor, B: Tensor) => matmul(inv(A), B).sub(solve(A, B)),
  },
};

describe('the linalg composites pass gradcheck and gradgradcheck', () => {
  for (const [name, c] of Object.entries(COMPOSITES)) it(name, () => checkBothOrders(name, c, 15));
});
