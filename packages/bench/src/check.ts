import { chainData, chainReference, checksum, matmulData, matmulReference, mlpData, mlpReference } from './data.js';
import { convData, convReference } from './conv.js';
import { digitsData, digitsReference } from './digits.js';
import { bilinearData, bilinearKey, bilinearReference, solveData, solveReference } from './linalg.js';
import type { CaseResult, RunConfig } from './protocol.js';

/** What a case's values are checked against: float64 references computed here, by hand. */
export interface Reference {
  checksum: number;
  values: number[];
  /** Allowed |value − reference| for each value. */
  tolerance: number[];
  what: string;
}

const U32 = 2 ** -24, U64 = 2 ** -53;

/**
 * The references of every case the configuration produces, keyed like the cases.
 * Tolerances: W1's sampled C[i,j] may differ from the exact sum by the classic bound for a dot
 * product of length n, n·u·Σ_k|a_ik b_kj| (doubled for slack; any real error is of the order of the
 * sum itself); W2's losses and W3's gradient are float32 computations, held to 1e-4 and 1e-3 relative
 * (W3 runs through 2000 ops, each adding a rounding of u ≈ 6e-8). W5's sums of K float32 terms are
 * held to min(2K, 32√K)·u·Σ|terms|: the classic bound for its short sums (y, dx), and for dW's and db's
 * long ones (K = 16,384) a bound on rounding errors of random sign, which grow as √K, so that a wrong
 * gradient cannot hide in the slack. W6's tolerances are given in linalg.ts.
 */
export function references(cfg: Pick<RunConfig, 'matmulSizes' | 'mlp' | 'chainOps' | 'workloads' | 'digitsEpochs' | 'conv' | 'linalg'>): Map<string, Reference> {
  const refs = new Map<string, Reference>();
  for (const n of cfg.matmulSizes) {
    const d = matmulData(n);
    const { values, scales } = matmulReference(d);
    const sum = checksum(d.A, d.B);
    for (const [dtype, u] of [['float32', U32], ['float64', U64]] as const) {
      refs.set(`W1 n=${n} ${dtype}`, { checksum: sum, values, tolerance: scales.map((s) => 2 * n * u * s), what: `C[i,j] at ${values.length} sampled entries` });
    }
  }
  const m = mlpData(cfg.mlp.m, cfg.mlp.sizes);
  const { losses } = mlpReference(m);
  refs.set('W2', { checksum: checksum(m.X, m.Y, ...m.W, ...m.b), values: losses, tolerance: losses.map((l) => 1e-4 * Math.abs(l)), what: 'the loss before and after one SGD step' });
  const c = chainData(cfg.chainOps);
  const { grad } = chainReference(c);
  refs.set('W3', { checksum: checksum(c.x, c.c, c.d), values: grad, tolerance: grad.map((g) => 1e-3 * Math.abs(g)), what: 'the gradient' });
  if (cfg.workloads.includes('W4')) {
    const d = digitsData();
    const r = digitsReference(d, cfg.digitsEpochs);
    refs.set('W4', {
      checksum: checksum(d.xTrain, d.xTest, d.yTrain, d.yTest, ...d.W, ...d.b),
      values: [...r.losses, r.accuracy],
      // the first two batches' losses are a few float32 ops from the reference; the accuracy comes after
      // 2300 Adam steps in float32, whose rounding moves a few of the 360 test digits either way
      tolerance: [1e-4 * r.losses[0], 1e-4 * r.losses[1], DIGITS_ACCURACY_TOLERANCE],
      what: 'the losses of the first two batches and the test accuracy',
    });
  }
  if (cfg.workloads.includes('W5')) {
    const d = convData(cfg.conv);
    const r = convReference(d);
    refs.set('W5', {
      checksum: checksum(d.x, d.w, d.b, d.G), values: r.values,
      tolerance: r.scales.map((s, i) => Math.min(2 * r.terms[i], 32 * Math.sqrt(r.terms[i])) * U32 * s),
      what: `y, dx, dW and db at ${d.samples.y.length} sampled entries each`,
    });
  }
  if (cfg.workloads.includes('W6')) {
    for (const n of cfg.linalg.sizes) {
      const d = solveData(n, cfg.linalg.rhs);
      const r = solveReference(d);
      const sum = checksum(d.A, d.B);
      refs.set(`W6 solve n=${n}`, { checksum: sum, ...r.X, what: `X = A⁻¹B at ${d.sampleX.length} sampled entries` });
      refs.set(`W6 cholesky n=${n}`, { checksum: sum, ...r.L, what: `L at ${d.sampleL.length} sampled entries (4 above the diagonal)` });
    }
    const { batch, n } = cfg.linalg.bilinear;
    const d = bilinearData(batch, n);
    refs.set(bilinearKey(batch, n), { checksum: checksum(d.x, d.W, d.y), ...bilinearReference(d), what: `v[b] at ${d.sample.length} sampled b` });
  }
  return refs;
}

/** How far a library's W4 test accuracy may be from the float64 run's (2 points: 7 of 360 digits). */
export const DIGITS_ACCURACY_TOLERANCE = 0.02;

/** The reference for a case key; `W1 n=256 float32 threads=2` is checked like `W1 n=256 float32`. */
export const referenceFor = (refs: Map<string, Reference>, key: string): Reference | undefined => refs.get(key.replace(/ threads=\d+$/, ''));

/**
 * Null when the case agrees with its reference (or has nothing to check), else what disagrees: the
 * data checksum (a child built other data) or the first value out of tolerance.
 */
export function disagreement(c: CaseResult, ref: Reference | undefined): string | null {
  if (!ref || c.check === undefined) return null;
  if (c.checksum !== undefined && Math.abs(c.checksum - ref.checksum) > 1e-9 * Math.max(1, Math.abs(ref.checksum))) {
    return `input data differ (checksum ${c.checksum} vs ${ref.checksum})`;
  }
  if (c.check.length !== ref.values.length) return `${ref.what}: got ${c.check.length} values, expected ${ref.values.length}`;
  for (let i = 0; i < ref.values.length; i++) {
    const got = c.check[i], want = ref.values[i];
    if (!(Math.abs(got - want) <= ref.tolerance[i])) {
      return `${ref.what}: value ${i} is ${got}, the float64 reference is ${want} (allowed ±${ref.tolerance[i].toExponential(2)})`;
    }
  }
  return null;
}
