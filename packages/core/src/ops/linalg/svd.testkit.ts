/**
 * Property cases for svd, svdvals and the norms, spread into the op table's test (table.test.ts) at
 * first and second order. Inputs keep away from where the functions have no derivative:
 * - `separated` matrices have well-separated, nonzero singular values and a stable sign convention:
 *   the top square block is a shuffled diagonal ±(2, 5, 8, 11) plus entries in [−0.2, 0.2], and the
 *   rest of a tall (or wide) matrix is in [−0.2, 0.2] too. The perturbation E has ‖E‖₂ ≤ ‖E‖_F ≤ 0.9,
 *   so (Weyl) each σ is within 0.9 of its diagonal entry: gaps ≥ 1.2, σ ≥ 1.1, and each singular
 *   vector's largest component is its diagonal one (the others are ≲ 0.1);
 * - vectors for `vectorNorm` have distinct magnitudes in [0.06, 3] (no zeros, no ties for ±∞);
 * - matrices for the Frobenius, 1- and ∞-norms have |a_ij| = j-th column's base + [0, 0.2] with bases a shuffle of
 *   0.5, 1.5, …, so column sums are distinct by at least 0.8·m (and transposed for row sums).
 */
import fc from 'fast-check';
import { tensor, transpose, type Tensor } from '@tapegrad/core';
import { matrixNorm, svd, svdvals, vectorNorm, type MatrixNormOrder } from './index.js';
import { batchArb, type Case } from './linalg.testkit.js';

const sizeOf = (s: readonly number[]): number => s.reduce((p, d) => p * d, 1);
const f64 = (shape: readonly number[], values: ArrayLike<number>): Tensor => tensor(Float64Array.from(values), { shape, dtype: 'float64' });
const reals = (n: number, lo: number, hi: number) => fc.array(fc.double({ min: lo, max: hi, noNaN: true }), { minLength: n, maxLength: n });
const signs = (n: number) => fc.array(fc.boolean(), { minLength: n, maxLength: n });
const perms = (count: number, n: number) =>
  fc.array(fc.shuffledSubarray([...Array(n).keys()], { minLength: n, maxLength: n }), { minLength: count, maxLength: count });

/** [...batch, m, n] with separated singular values (see the header); tall when m ≥ n, else the transpose of one. */
export const separated = (batch: readonly number[], m: number, n: number) => {
  const k = Math.min(m, n), L = Math.max(m, n), count = sizeOf(batch);
  return fc.tuple(reals(count * k * L, -0.2, 0.2), perms(count, k), signs(count * k)).map(([v, ps, neg]) => {
    const out = new Float64Array(count * m * n);
    for (let b = 0; b < count; b++) {
      for (let i = 0; i < L; i++) {
        for (let j = 0; j < k; j++) {
          const x = i === j ? (neg[b * k + j] ? -1 : 1) * (2 + 3 * ps[b][j]) : v[(b * L + i) * k + j];
          out[b * m * n + (m >= n ? i * n + j : j * n + i)] = x;
        }
      }
    }
    return f64([...batch, m, n], out);
  });
};

/** Any shape with 1 ≤ min(m, n) ≤ 4 and up to two extra rows or columns. */
const shapes = fc.tuple(batchArb, fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 2 }), fc.boolean())
  .map(([batch, k, extra, tall]) => ({ batch, m: tall ? k + extra : k, n: tall ? k : k + extra }));
const separatedArgs = shapes.chain(({ batch, m, n }) => separated(batch, m, n).map((A) => [A]));

/** The primitives' cases, keyed by op name. */
export const SVD_CASES = {
  svd: { args: separatedArgs, f: (A: Tensor) => { const { U, S, Vh } = svd(A); return [U, S, Vh]; } },
  svdvals: { args: separatedArgs, f: svdvals },
} satisfies Record<string, Case>;

/** A shape of rank 0–3 and values ±[0.06, 3] with pairwise distinct magnitudes. */
const distinctVector = fc.array(fc.integer({ min: 1, max: 4 }), { maxLength: 3 }).chain((shape) => {
  const n = sizeOf(shape);
  return fc.tuple(fc.uniqueArray(fc.integer({ min: 3, max: 150 }), { minLength: n, maxLength: n }), reals(n, 0, 0.4), signs(n))
    .map(([ks, jitter, neg]) => f64(shape, ks.map((k, i) => (neg[i] ? -0.02 : 0.02) * (k + jitter[i]))));
});

/** [...batch, m, n] whose column sums of |a| are distinct (rows with `byRows`); see the header. */
const distinctSums = (byRows: boolean) =>
  fc.tuple(batchArb, fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 })).chain(([batch, m, n]) => {
    const count = sizeOf(batch), lines = byRows ? m : n;
    return fc.tuple(reals(count * m * n, 0, 0.2), signs(count * m * n), perms(count, lines)).map(([v, neg, ps]) =>
      f64([...batch, m, n], v.map((x, at) => {
        const b = Math.floor(at / (m * n)), line = byRows ? Math.floor(at / n) % m : at % n;
        return (neg[at] ? -1 : 1) * (0.5 + ps[b][line] + x);
      })));
  });

/** A with its axes shuffled, and `dim` naming where its row and column axes went. */
const shuffled = (A: Tensor) =>
  fc.shuffledSubarray([...A.shape.keys()], { minLength: A.ndim, maxLength: A.ndim }).map((perm) => ({
    A: transpose(A, perm),
    dim: [perm.indexOf(A.ndim - 2), perm.indexOf(A.ndim - 1)] as [number, number],
  }));

const matrixCase = (ords: readonly MatrixNormOrder[], matrices: fc.Arbitrary<Tensor>) =>
  fc.tuple(matrices.chain(shuffled), fc.constantFrom(...ords), fc.boolean()).map(([{ A, dim }, ord, keepdim]) => [A, ord, dim, keepdim]);

/** The norms (composites), keyed by name. */
export const NORM_CASES: Record<string, Case> = {
  vectorNorm: {
    args: distinctVector.chain((x) =>
      fc.tuple(fc.constant(x), fc.constantFrom(2, 1, 3, 0.5, 1.5, -1, -2.5, 0, Infinity, -Infinity), fc.option(fc.subarray([...x.shape.keys()]), { nil: undefined }), fc.boolean())),
    f: (x: Tensor, ord: number, dim: number[] | undefined, keepdim: boolean) => vectorNorm(x, { ord, dim, keepdim }),
  },
  matrixNorm: {
    args: fc.oneof(
      matrixCase(['fro', 1, -1], distinctSums(false)),
      matrixCase([Infinity, -Infinity], distinctSums(true)),
      matrixCase(['nuc', 2, -2], shapes.chain(({ batch, m, n }) => separated(batch, m, n))),
    ),
    f: (A: Tensor, ord: MatrixNormOrder, dim: [number, number], keepdim: boolean) => matrixNorm(A, { ord, dim, keepdim }),
  },
};
