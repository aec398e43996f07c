/**
 * Property cases for the linear-algebra ops, shared by the op table's test (the primitives, at first
 * and second order) and linalg.test.ts (the composites). Inputs are kept well-conditioned:
 * - general matrices are strictly diagonally dominant (|a_ii| ≥ n, off-diagonal in [−1, 1]) with rows
 *   negated and shuffled at random, so LU has to pivot, det takes both signs, and cond(A) stays small;
 * - SPD matrices are M·Mᵀ + n·I with M in [−1, 1];
 * - triangular matrices have a diagonal in ±[1, 2] and junk in the other triangle, which the solve must
 *   not read (the numerical derivative there is 0, so the analytical one must be masked too).
 * Batch dims (rank 0–2, dims 1–3) broadcast between A and B; n is 1–4.
 */
import fc from 'fast-check';
import { expect } from 'vitest';
import { concat, gradcheck, gradgradcheck, tensor, type GradcheckReport, type Tensor } from '@tapegrad/core';
import { cholesky, det, eigh, lu, qr, slogdet, solve, triangularSolve, type QrMode } from './index.js';

type Fn = (...args: any[]) => Tensor | Tensor[];
export interface Case {
  args: fc.Arbitrary<unknown[]>;
  f: Fn;
}

const sizeOf = (s: readonly number[]): number => s.reduce((p, d) => p * d, 1);
const f64 = (shape: readonly number[], values: ArrayLike<number>): Tensor => tensor(Float64Array.from(values), { shape, dtype: 'float64' });
const real = (lo: number, hi: number) => fc.double({ min: lo, max: hi, noNaN: true });
const reals = (n: number, lo = -1, hi = 1) => fc.array(real(lo, hi), { minLength: n, maxLength: n });

export const sizeArb = fc.integer({ min: 1, max: 4 });
export const batchArb = fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 0, maxLength: 2 });
/** A shape that broadcasts to `full`: leading dims dropped, some dims set to 1. */
export const broadcastFrom = (full: readonly number[]) =>
  fc
    .tuple(fc.integer({ min: 0, max: full.length }), fc.array(fc.boolean(), { minLength: full.length, maxLength: full.length }))
    .map(([drop, ones]) => full.slice(drop).map((d, i) => (ones[i + drop] ? 1 : d)));

/** Any [...batch, rows, cols] tensor with entries in [−2, 2]. */
export const matrices = (batch: readonly number[], rows: number, cols: number) =>
  reals(sizeOf(batch) * rows * cols, -2, 2).map((v) => f64([...batch, rows, cols], v));

/** Strictly diagonally dominant matrices, rows negated and shuffled: nonsingular, cond(A) ≲ 3n. */
export const generalMatrices = (batch: readonly number[], n: number) =>
  fc
    .tuple(
      reals(sizeOf(batch) * n * n),
      fc.array(fc.tuple(fc.shuffledSubarray([...Array(n).keys()], { minLength: n, maxLength: n }), fc.array(fc.boolean(), { minLength: n, maxLength: n })), {
        minLength: sizeOf(batch),
        maxLength: sizeOf(batch),
      }),
    )
    .map(([v, perms]) => {
      const out = new Float64Array(v.length);
      perms.forEach(([perm, negate], m) => {
        for (let i = 0; i < n; i++) {
          const src = m * n * n + perm[i] * n;
          for (let j = 0; j < n; j++) out[m * n * n + i * n + j] = (negate[i] ? -1 : 1) * (v[src + j] + (j === perm[i] ? n + 1 : 0));
        }
      });
      return f64([...batch, n, n], out);
    });

/**
 * Strictly diagonally dominant, rows in place: the diagonal in [n + 0.1, n + 2.1], the rest in
 * ±[0.1, 1.1] — never 0, where a Householder QR skips a reflection and its signs jump (LAPACK's rule).
 */
export const dominantMatrices = (batch: readonly number[], n: number) =>
  reals(sizeOf(batch) * n * n).map((v) =>
    f64([...batch, n, n], v.map((x, i) => (x >= 0 ? x + 0.1 : x - 0.1) + (Math.floor(i / n) % n === i % n ? n + 1 : 0))));

/** Symmetric positive definite: M·Mᵀ + n·I, so every eigenvalue is at least n. */
export const spdMatrices = (batch: readonly number[], n: number) =>
  reals(sizeOf(batch) * n * n).map((v) => {
    const out = new Float64Array(v.length);
    for (let m = 0; m < sizeOf(batch); m++) {
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          let s = i === j ? n : 0;
          for (let p = 0; p < n; p++) s += v[m * n * n + i * n + p] * v[m * n * n + j * n + p];
          out[m * n * n + i * n + j] = s;
        }
      }
    }
    return f64([...batch, n, n], out);
  });

/** Matrices whose diagonal is in ±[1, 2] and whose other entries are in [−1, 1] (a triangle of them is read). */
export const triangularMatrices = (batch: readonly number[], n: number) =>
  fc.tuple(reals(sizeOf(batch) * n * n), reals(sizeOf(batch) * n, 1, 2), fc.array(fc.boolean(), { minLength: sizeOf(batch) * n, maxLength: sizeOf(batch) * n })).map(([v, d, neg]) => {
    const out = Float64Array.from(v);
    for (let m = 0; m < sizeOf(batch); m++) for (let i = 0; i < n; i++) out[m * n * n + i * n + i] = (neg[m * n + i] ? -1 : 1) * d[m * n + i];
    return f64([...batch, n, n], out);
  });

/**
 * Symmetric matrices with well-separated eigenvalues: 4·(a shuffle of 0..n−1) on the diagonal and
 * symmetric entries in [−½, ½] off it, so (Gershgorin) eigenvalues differ by at least 1 and each
 * eigenvector's largest component is its diagonal one (the sign convention is stable).
 */
export const separatedSymmetric = (batch: readonly number[], n: number) =>
  fc
    .tuple(reals(sizeOf(batch) * n * n, -0.5, 0.5), fc.array(fc.shuffledSubarray([...Array(n).keys()], { minLength: n, maxLength: n }), { minLength: sizeOf(batch), maxLength: sizeOf(batch) }))
    .map(([v, perms]) => {
      const out = new Float64Array(v.length);
      perms.forEach((perm, m) => {
        for (let i = 0; i < n; i++) {
          for (let j = 0; j < n; j++) out[m * n * n + i * n + j] = i === j ? 4 * perm[i] : v[m * n * n + Math.min(i, j) * n + Math.max(i, j)];
        }
      });
      return f64([...batch, n, n], out);
    });

/** A and B with broadcasting batch dims: A from `square`, B [..., n, k] (or a vector [n] one time in five). */
const systemArgs = (square: (batch: readonly number[], n: number) => fc.Arbitrary<Tensor>) =>
  fc
    .tuple(sizeArb, fc.integer({ min: 1, max: 3 }), batchArb, fc.integer({ min: 0, max: 4 }))
    .chain(([n, k, batch, vector]) =>
      fc.tuple(broadcastFrom(batch), broadcastFrom(batch)).chain(([ba, bb]) =>
        fc.tuple(square(ba, n), vector === 0 ? reals(n, -2, 2).map((v) => f64([n], v)) : matrices(bb, n, k)),
      ),
    );

const squareArgs = (square: (batch: readonly number[], n: number) => fc.Arbitrary<Tensor>) =>
  fc.tuple(batchArb, sizeArb).chain(([batch, n]) => square(batch, n).map((A) => [A]));

/** The primitives' cases, keyed by op name (table.test.ts spreads them into its table). */
export const LINALG_CASES = {
  triangularSolve: {
    args: fc
      .tuple(systemArgs(triangularMatrices), fc.boolean(), fc.boolean(), fc.boolean())
      .map(([[A, B], lower, transpose, unitDiagonal]) => [A, B, lower, transpose, unitDiagonal]),
    f: (A: Tensor, B: Tensor, lower: boolean, transpose: boolean, unitDiagonal: boolean) => triangularSolve(A, B, { lower, transpose, unitDiagonal }),
  },
  cholesky: { args: squareArgs(spdMatrices), f: cholesky },
  solve: { args: systemArgs(generalMatrices), f: solve },
  det: { args: squareArgs(generalMatrices), f: det },
  slogdet: { args: squareArgs(generalMatrices), f: (A: Tensor) => slogdet(A).logabsdet },
  eigh: { args: squareArgs(separatedSymmetric), f: (A: Tensor) => { const { values, vectors } = eigh(A); return [values, vectors]; } },
  // tall matrices: a diagonally dominant n×n block on top (positive diagonal, rows in place, no zeros)
  // keeps the columns well conditioned and away from where LAPACK's sign rule (which we share with
  // PyTorch) makes Q and R jump: a leading entry crossing 0, or a column exactly 0 below the diagonal;
  // wide matrices: such a block on the left, any columns to its right. Mode 'complete' of a tall A: Q's
  // first n columns (the others have no gradient)
  qr: {
    args: fc.tuple(batchArb, sizeArb, fc.integer({ min: -2, max: 2 }), fc.constantFrom('reduced', 'complete')).chain(([b, n, extra, mode]) =>
      fc.tuple(dominantMatrices(b, n), reals(sizeOf(b) * Math.abs(extra) * n, 0.5, 2)).map(([block, v]) =>
        [extra === 0 ? block : extra > 0 ? concat([block, f64([...b, extra, n], v)], -2) : concat([block, f64([...b, n, -extra], v)], -1), mode])),
    f: (A: Tensor, mode: QrMode) => {
      const { Q, R } = qr(A, mode), k = Math.min(...A.shape.slice(-2));
      return [Q.shape[Q.ndim - 1] > k ? Q.slice(Q.shape.map(() => 0), [...Q.shape.slice(0, -1).map(() => null), k]) : Q, R];
    },
  },
  // square, tall (rows in [−½, ½] below: never a pivot) and wide (any columns right of the square block);
  // pivoting is stable under small perturbations: the dominant entry of each column leads by ≳ n − 2
  lu: {
    args: fc.tuple(batchArb, sizeArb, fc.integer({ min: -2, max: 2 })).chain(([b, n, extra]) =>
      fc.tuple(generalMatrices(b, n), reals(sizeOf(b) * Math.abs(extra) * n, -0.5, 0.5)).map(([block, v]) =>
        [extra === 0 ? block : extra > 0 ? concat([block, f64([...b, extra, n], v)], -2) : concat([block, f64([...b, n, -extra], v.map((x) => 4 * x))], -1)])),
    f: (A: Tensor) => { const { L, U } = lu(A); return [L, U]; },
  },
} satisfies Record<string, Case>;

const describeArgs = (args: readonly unknown[]): string =>
  args.map((a) => (a !== null && typeof a === 'object' && 'shape' in a ? `Tensor${JSON.stringify((a as Tensor).shape)}` : JSON.stringify(a))).join(', ');
const explain = (what: string, name: string, r: GradcheckReport, args: readonly unknown[]): string =>
  `${what} of ${name}(${describeArgs(args)}) failed: ${JSON.stringify(r)}`;

/** gradcheck and gradgradcheck of `c.f` on `runs` draws of its arguments. */
export function checkBothOrders(name: string, c: Case, runs = 20, seed = 20261130): void {
  fc.assert(
    fc.property(c.args, (args) => {
      const first = gradcheck(c.f, args);
      expect(first.ok, explain('gradcheck', name, first, args)).toBe(true);
      const second = gradgradcheck(c.f, args);
      expect(second.ok, explain('gradgradcheck', name, second, args)).toBe(true);
    }),
    { numRuns: runs, seed },
  );
}
