/**
 * Known values, accuracy, errors, batching and float32 of svd, svdvals, vectorNorm and matrixNorm
 * (their property cases are in the op table's test, their PyTorch comparison in svd.torch.test.ts).
 */
import { describe, expect, it } from 'vitest';
import {
  LinAlgError, ShapeError, TapegradError, eigh, grad, jvp, linalg, mT, matmul, matrixNorm, svd, svdvals, tensor, vectorNorm,
  type NestedArray, type Tensor,
} from '@tapegrad/core';

const f64 = (v: NestedArray) => tensor(v, { dtype: 'float64' });
const eye = (k: number) => f64(Array.from({ length: k }, (_, i) => Array.from({ length: k }, (_, j) => (i === j ? 1 : 0))));
const maxAbs = (t: Tensor) => (t.size === 0 ? 0 : t.abs().max().item());
/** A fixed m×n matrix with entries in (−1, 1) (a hash of the index, so no structure). */
const noise = (m: number, n: number, seed = 1) =>
  tensor(Float64Array.from({ length: m * n }, (_, i) => (Math.sin(seed * 7.1 + i * i * 12.9898) * 43758.5453) % 1), { shape: [m, n], dtype: 'float64' });

function expectClose(t: Tensor, expected: NestedArray, tol = 1e-14): void {
  const flat = (v: NestedArray): number[] => (typeof v === 'number' ? [v] : v.flatMap(flat));
  const want = flat(expected);
  expect(t.size).toBe(want.length);
  t.data.forEach((x, i) => expect(Math.abs(x - want[i]), `element ${i}: ${x} vs ${want[i]}`).toBeLessThanOrEqual(tol));
}

/** A = U·diag(S)·Vh to tol·‖A‖₂, orthonormal columns of U and rows of Vh, S descending and ≥ 0, for each matrix. */
function expectSvdOf(A: Tensor, tol: number): void {
  const { U, S, Vh } = svd(A);
  const k = S.shape[S.ndim - 1];
  expect(maxAbs(matmul(U.mul(S.unsqueeze(-2)), Vh).sub(A))).toBeLessThanOrEqual(tol * Math.max(1, maxAbs(S)));
  expect(maxAbs(matmul(mT(U), U).sub(eye(k)))).toBeLessThanOrEqual(tol);
  expect(maxAbs(matmul(Vh, mT(Vh)).sub(eye(k)))).toBeLessThanOrEqual(tol);
  for (let i = 0; i < S.size; i++) {
    expect(S.data[i]).toBeGreaterThanOrEqual(0);
    if (i % k > 0) expect(S.data[i]).toBeLessThanOrEqual(S.data[i - 1]);
  }
}

function errorOf<E>(type: new (...args: never[]) => E, f: () => unknown): E {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(type);
    return e as E;
  }
  throw new Error('expected an error');
}

describe('svd and svdvals', () => {
  it('known values, with each column of U led by a positive largest entry', () => {
    const r = Math.SQRT1_2, t = 1 / Math.sqrt(10);
    const { U, S, Vh } = svd(f64([[3, 0], [4, 5]]));
    expectClose(S, [Math.sqrt(45), Math.sqrt(5)]);
    expectClose(U, [[t, 3 * t], [3 * t, -t]]);
    expectClose(Vh, [[r, r], [r, -r]]);
    // a diagonal with negative entries: σ = |d| sorted, the signs go to Vh
    const d = svd(f64([[0, 0, -2], [1, 0, 0]]));
    expectClose(d.S, [2, 1], 0);
    expectClose(d.U, [[1, 0], [0, 1]], 0);
    expectClose(d.Vh, [[0, 0, -1], [1, 0, 0]], 0);
    expectClose(svdvals(f64([[3, 0], [0, -4]])), [4, 3], 0);
  });

  it('tall, wide, square and batched: U·diag(S)·Vh = A with orthonormal factors', () => {
    // the accumulated rotations (Vh when tall, U when wide) are orthonormal to O(n·ε), as in dgesvj
    for (const [m, n] of [[1, 1], [1, 4], [4, 1], [3, 3], [5, 3], [3, 5], [12, 7], [7, 12], [40, 40]]) expectSvdOf(noise(m, n, m + n), 1e-15 * Math.max(m, n, 4));
    const batch = tensor(Float64Array.from(noise(6, 4).data), { shape: [2, 1, 3, 4], dtype: 'float64' });
    expectSvdOf(batch, 1e-14);
    // each matrix of the batch as on its own
    const { S } = svd(batch);
    expectClose(S.reshape([2, 3]).slice([1], [2]), svdvals(noise(6, 4).slice([3], [6])).toArray(), 1e-15);
  });

  it('agrees with eigh of AᵀA (σ² = λ) on a random 30 × 20 matrix', () => {
    const A = noise(30, 20, 3);
    const lambda = eigh(matmul(A.T, A)).values.data;
    svdvals(A).data.forEach((s, i) => expect(Math.abs(s * s - lambda[19 - i])).toBeLessThan(1e-13 * lambda[19]));
  });

  it('gives small singular values to full relative accuracy (graded rows or columns)', () => {
    // D·Q and Q·D with Q orthogonal have singular values |D| exactly; the Gram matrix AᵀA would lose
    // 1e-12 (its square is below ε·‖A‖²), and so does any method accurate only to ε·‖A‖
    const Q = f64([[1, 2, 2], [2, 1, -2], [2, -2, 1]]).div(3), D = f64([[1, 0, 0], [0, 1e-6, 0], [0, 0, 1e-12]]);
    for (const A of [matmul(D, Q), matmul(Q, D)]) {
      svdvals(A).data.forEach((s, i) => expect(Math.abs(s / [1, 1e-6, 1e-12][i] - 1)).toBeLessThan(1e-14));
    }
  });

  it('rank-deficient and empty matrices: zero singular values, U and Vh still orthonormal', () => {
    const ones = svd(f64([[1, 1], [1, 1], [1, 1]]));
    expectClose(ones.S, [Math.sqrt(6), 0], 1e-15);
    expectClose(ones.U.slice([0, 0], [3, 1]), [[1 / Math.sqrt(3)], [1 / Math.sqrt(3)], [1 / Math.sqrt(3)]], 1e-15);
    expectSvdOf(f64([[1, 1], [1, 1], [1, 1]]), 1e-15);
    const zero = svd(f64([[0, 0, 0], [0, 0, 0]]));
    expectClose(zero.S, [0, 0], 0);
    expectClose(zero.U, [[1, 0], [0, 1]], 0);
    expectSvdOf(f64([[0, 0, 0], [0, 0, 0]]), 0);
    const empty = svd(tensor(new Float64Array(0), { shape: [2, 0, 3], dtype: 'float64' }));
    expect([empty.U.shape, empty.S.shape, empty.Vh.shape]).toEqual([[2, 0, 0], [2, 0], [2, 0, 3]]);
  });

  it('float32 in, float32 out, to float32 accuracy, with float32 gradients', () => {
    const A = noise(5, 3), A32 = A.astype('float32');
    const r = svd(A32);
    expect([r.U.dtype, r.S.dtype, r.Vh.dtype]).toEqual(['float32', 'float32', 'float32']);
    r.S.data.forEach((s, i) => expect(Math.abs(s - svdvals(A).data[i])).toBeLessThan(1e-6));
    expect(maxAbs(matmul(r.U.mul(r.S.unsqueeze(-2)), r.Vh).sub(A32))).toBeLessThan(1e-6);
    const g = grad((a: Tensor) => svd(a).U.square().mul(noise(5, 3, 2).astype('float32')).sum())(A32);
    const g64 = grad((a: Tensor) => svd(a).U.square().mul(noise(5, 3, 2)).sum())(A);
    expect(g.dtype).toBe('float32');
    expect(maxAbs(g.astype('float64').sub(g64))).toBeLessThan(1e-4);
  });

  it('a loss of S alone has a gradient at repeated singular values; svdvals too', () => {
    const I = eye(2);
    expectClose(grad((a: Tensor) => svd(a).S.mul(f64([1, 2])).sum())(I), [[1, 0], [0, 2]]);
    expectClose(grad((a: Tensor) => svdvals(a).mul(f64([1, 2])).sum())(I), [[1, 0], [0, 2]]);
    // ... and a loss of U blind to rotations of the tied vectors into each other (Uᵀ·dU symmetric) gets
    // the rule's limit: those terms are 0/0 and drop out, as they would at nearby distinct σ
    expectClose(grad((a: Tensor) => svd(a).U.sum().add(svd(a).S.sum()))(I), [[1, 0], [0, 1]]);
  });

  it('the gradient through tied singular vectors is a LinAlgError naming the pair and the matrix', () => {
    const A = f64([[[1, 0], [0, 2]], [[3, 0], [0, 3]]]);
    const e = errorOf(LinAlgError, () => grad((a: Tensor) => svd(a).U.mul(f64([[0, 1], [0, 0]])).sum())(A));
    expect(e.message).toBe("svd: argument 'A': the gradient through U and Vh is infinite: singular values 0 and 1 are both 3 (matrix [1] of the batch)");
    expect([e.batch, e.pivot]).toEqual([[1], 1]);
  });

  it('the gradient through an extra singular vector of σ = 0 is a LinAlgError; the others are finite', () => {
    const T = f64([[1, 1], [1, 1], [1, 1]]);
    expect(errorOf(LinAlgError, () => grad((a: Tensor) => svd(a).U.sum())(T)).message).toBe(
      "svd: argument 'A': the gradient through column 1 of U (A is tall, 3 × 2) is infinite: its singular value is 0",
    );
    expect(errorOf(LinAlgError, () => grad((a: Tensor) => svd(a).Vh.sum())(T.T)).message).toBe(
      "svd: argument 'A': the gradient through row 1 of Vh (A is wide, 2 × 3) is infinite: its singular value is 0",
    );
    // u₁ = (1, 1, 1)/√3 moves with A: a loss of it alone has a finite gradient (central differences agree)
    const loss = (a: Tensor) => svd(a).U.slice([0, 0], [3, 1]).square().mul(f64([[1], [2], [3]])).sum();
    const g = grad(loss)(T), h = 1e-6;
    const E = f64([[0.3, -0.2], [0.5, 0.1], [-0.4, 0.7]]);
    expect(Math.abs(g.mul(E).sum().item() - (loss(T.add(E.mul(h))).item() - loss(T.sub(E.mul(h))).item()) / (2 * h))).toBeLessThan(1e-8);
  });

  it('jvp through U agrees with central differences', () => {
    const A = f64([[3, 0], [4, 5]]), dA = f64([[0.3, -1], [0.5, 0.2]]), h = 1e-6;
    const [, dU] = jvp((a: Tensor) => svd(a).U, [A], [dA]);
    const fd = svd(A.add(dA.mul(h))).U.sub(svd(A.sub(dA.mul(h))).U).div(2 * h);
    expect(maxAbs(dU.sub(fd))).toBeLessThan(1e-8);
    expect(maxAbs(dU)).toBeGreaterThan(0.05);
  });

  it('bad input: rank < 2 and full matrices are typed errors naming the op and the argument', () => {
    expect(() => svd(f64([1, 2]))).toThrow(new ShapeError('svd', 'expected a matrix or a batch of matrices (rank ≥ 2), got shape [2]', 'A'));
    expect(() => svdvals(f64(3))).toThrow(new ShapeError('svdvals', 'expected a matrix or a batch of matrices (rank ≥ 2), got shape []', 'A'));
    const e = errorOf(TapegradError, () => svd(f64([[1]]), { fullMatrices: true as unknown as false }));
    expect(e.message).toBe("svd: argument 'fullMatrices': only the reduced SVD is supported (fullMatrices: false), got fullMatrices: true");
  });

  it('is also reachable as the linalg namespace', () => {
    expect([linalg.svd, linalg.svdvals, linalg.vectorNorm, linalg.matrixNorm]).toEqual([svd, svdvals, vectorNorm, matrixNorm]);
  });
});

describe('vectorNorm and matrixNorm', () => {
  const x = f64([[3, -4, 0], [1, 2, -2]]);
  it('vectorNorm: every kind of order, over all dims or some', () => {
    expectClose(vectorNorm(x), Math.sqrt(34));
    expectClose(vectorNorm(x, { ord: 1, dim: 1 }), [7, 5]);
    expectClose(vectorNorm(x, { ord: Infinity, dim: 0, keepdim: true }), [[3, 4, 2]]);
    expectClose(vectorNorm(x, { ord: -Infinity, dim: 1 }), [0, 1]);
    expectClose(vectorNorm(x, { ord: 0, dim: [0, 1] }), 5);
    expectClose(vectorNorm(x, { dim: [] }), Math.sqrt(34)); // [] is every dim, as in PyTorch
    expectClose(vectorNorm(f64(-5), { ord: 0.5, dim: 0 }), 5);
    expectClose(vectorNorm(x, { ord: 3, dim: -1 }), [Math.cbrt(91), Math.cbrt(17)]);
    expectClose(vectorNorm(x, { ord: 0.5, dim: 1 }), [(Math.sqrt(3) + 2) ** 2, (1 + 2 * Math.SQRT2) ** 2], 1e-13);
    expectClose(vectorNorm(x, { ord: -1, dim: 1 }), [0, 1 / (1 + 0.5 + 0.5)]);
  });

  it('vectorNorm does not overflow or underflow, in float32 either (PyTorch float32 gives ∞ and 0)', () => {
    expectClose(vectorNorm(tensor([3e30, 4e30]), { ord: 3 }).div(1e30), Math.cbrt(91), 1e-5);
    expectClose(vectorNorm(tensor([3e-30, 4e-30]), { ord: 2 }).mul(1e30), 5, 1e-5);
    expectClose(vectorNorm(tensor([3e-30, 4e-30]), { ord: -1 }).mul(1e30), 12 / 7, 1e-5);
    // p < 0 is dominated by the smallest |x|, which sets the scale: 1e300 does not overflow its term
    expectClose(vectorNorm(f64([1e300, 2e-10, 2e-10]), { ord: -1 }).mul(1e10), 1, 1e-15);
  });

  it("subgradients at 0 and at ties are PyTorch's", () => {
    expectClose(grad((v: Tensor) => vectorNorm(v))(f64([0, 0])), [0, 0]);
    expectClose(grad((v: Tensor) => vectorNorm(v, { ord: 0.5 }))(f64([0, 2, 1])), [0, 1 + Math.SQRT1_2, 1 + Math.SQRT2], 1e-14);
    expectClose(grad((v: Tensor) => vectorNorm(v, { ord: -1 }))(f64([0, 2, 1])), [0, 0, 0]);
    expectClose(grad((v: Tensor) => vectorNorm(v, { ord: Infinity }))(f64([3, -3, 1])), [0.5, -0.5, 0]);
    expectClose(grad((v: Tensor) => vectorNorm(v, { ord: 0 }))(f64([0, -1, 3])), [0, 0, 0]);
    expectClose(grad((A: Tensor) => matrixNorm(A, { ord: 1 }))(f64([[1, 2], [-2, 1]])), [[0.5, 0.5], [-0.5, 0.5]]);
    expectClose(grad((A: Tensor) => matrixNorm(A, { ord: 2 }))(eye(2)), [[0.5, 0], [0, 0.5]]);
    expectClose(grad((A: Tensor) => matrixNorm(A, { ord: 'nuc' }))(f64([[1, 0], [0, 0], [0, 0]])), [[1, 0], [0, 1], [0, 0]]);
    expectClose(grad((A: Tensor) => matrixNorm(A))(f64([[0, 0], [0, 0]])), [[0, 0], [0, 0]]);
  });

  it('matrixNorm: every order, batched, over other dims', () => {
    const A = f64([[1, -2], [3, 4]]);
    const want: [Parameters<typeof matrixNorm>[1], number][] = [
      [{}, Math.sqrt(30)], [{ ord: 1 }, 6], [{ ord: -1 }, 4], [{ ord: Infinity }, 7], [{ ord: -Infinity }, 3],
      [{ ord: 2 }, svdvals(A).data[0]], [{ ord: -2 }, svdvals(A).data[1]], [{ ord: 'nuc' }, svdvals(A).data[0] + svdvals(A).data[1]],
    ];
    for (const [options, value] of want) expectClose(matrixNorm(A, options), value, 1e-14);
    expectClose(matrixNorm(A, { ord: 2 }).mul(matrixNorm(A, { ord: -2 })), 10, 1e-14); // σ₁σ₂ = |det A|
    const B = tensor(Float64Array.from({ length: 24 }, (_, i) => i), { shape: [2, 3, 4], dtype: 'float64' });
    expectClose(matrixNorm(B, { ord: 1, dim: [0, 2], keepdim: true }), [[[18], [26], [34]]]);
    expectClose(matrixNorm(B, { ord: 1, dim: [2, 0] }), [54, 70, 86]);
    expect(matrixNorm(B, { ord: 'nuc', dim: [0, 2], keepdim: true }).shape).toEqual([1, 3, 1]);
    expectClose(matrixNorm(B, { ord: 2, dim: [-1, 0] }), [0, 1, 2].map((j) => svdvals(B.slice([0, j], [2, j + 1]).reshape([2, 4])).data[0]), 1e-13);
  });

  it('bad input is a typed error naming the op and the argument', () => {
    expect(() => vectorNorm(x, { ord: 'fro' as unknown as number })).toThrow(
      new TapegradError('vectorNorm', 'ord must be a real number, Infinity or -Infinity, got "fro" (a matrix norm: use matrixNorm)', 'ord'));
    expect(() => vectorNorm(x, { ord: NaN })).toThrow("vectorNorm: argument 'ord': ord must be a real number, Infinity or -Infinity, got NaN");
    expect(() => vectorNorm(x, { dim: [1, -1] })).toThrow(new ShapeError('vectorNorm', 'dim 1 is repeated in [1,-1]', 'dim'));
    expect(() => vectorNorm(x, { dim: 2 })).toThrow(ShapeError);
    expect(() => vectorNorm(f64([]), { ord: -1 })).toThrow("vectorNorm: argument 'x': the -1 norm of no elements is undefined (it has no identity); shape [0] is empty along dims [0]");
    expect(vectorNorm(f64([]), { ord: 3 }).item()).toBe(0);
    expect(() => matrixNorm(f64([1, 2]))).toThrow(new ShapeError('matrixNorm', 'expected a matrix or a batch of matrices (rank ≥ 2), got shape [2]', 'A'));
    expect(() => matrixNorm(eye(2), { ord: 3 as unknown as 2 })).toThrow(
      new TapegradError('matrixNorm', "ord must be 'fro', 'nuc', 1, -1, 2, -2, Infinity or -Infinity, got 3", 'ord'));
    expect(() => matrixNorm(eye(2), { ord: 'max' as unknown as 'fro' })).toThrow("matrixNorm: argument 'ord': ord must be 'fro', 'nuc', 1, -1, 2, -2, Infinity or -Infinity, got \"max\"");
    expect(() => matrixNorm(eye(2), { dim: [1, -1] })).toThrow(new ShapeError('matrixNorm', 'dim must name two different dims, got [1,-1] (both 1)', 'dim'));
    expect(() => matrixNorm(eye(2), { ord: 2, dim: [0, 2] })).toThrow(ShapeError);
    expect(() => matrixNorm(tensor(new Float64Array(0), { shape: [0, 3] }), { ord: 2 })).toThrow("matrixNorm: argument 'A': the 2 norm of an empty matrix is undefined, got shape [0, 3]");
  });
});
