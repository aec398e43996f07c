/**
 * One table-driven property test that gradchecks every op in the op table, at first and second order.
 * `CASES` is typed over `OpName`, so adding an op to `OPS` without a case here fails to compile.
 *
 * Inputs are float64 with random shapes (rank 0–3, dims 1–4, size-1 broadcast dims for binary ops and
 * `where`); values stay ≥ 1e-2 away from kinks (0 for abs/relu/sign, the clamp bounds, ties for
 * max/min/maximum/minimum and the comparisons) and poles (log, sqrt, 1/x and div denominators live in
 * ±[0.5, 3]), so central differences with eps = 1e-6 never straddle a kink and the default tolerances hold.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  clamp, gradcheck, gradgradcheck, logSoftmax, logsumexp, matmul, mean, norm, pad, prod, repeat, slice, softmax, split,
  squeeze, stack, std, sumToShape, tensor, tile, unsqueeze, variance, type GradcheckReport, type NormOrder, type Tensor,
} from '@tapegrad/core';
import * as F from '../functions.js';
import { apply } from '../tape.js';
import { LINALG_CASES } from './linalg/linalg.testkit.js';
import { NORM_CASES, SVD_CASES } from './linalg/svd.testkit.js';
import { OPS, type OpName } from './table.js';

type Fn = (...args: any[]) => Tensor | Tensor[];
/** How to draw an op's arguments (tensors, and plain attributes passed through) and how to call it. */
interface Case {
  args: fc.Arbitrary<unknown[]>;
  f: Fn;
}

const SEED = 20240611;
const RUNS = 20;

// ── shapes ────────────────────────────────────────────────────────────────────────────────────────
const sizeOf = (s: readonly number[]): number => s.reduce((p, d) => p * d, 1);
const dim = fc.integer({ min: 1, max: 4 });
const shapeArb = (minRank = 0, maxRank = 3) => fc.array(dim, { minLength: minRank, maxLength: maxRank });
/** A shape that broadcasts to `full`: some leading dims dropped, some dims set to 1. */
const broadcastFrom = (full: readonly number[]) =>
  fc
    .tuple(fc.integer({ min: 0, max: full.length }), fc.array(fc.boolean(), { minLength: full.length, maxLength: full.length }))
    .map(([drop, ones]) => full.slice(drop).map((d, i) => (ones[i + drop] ? 1 : d)));

// ── values ────────────────────────────────────────────────────────────────────────────────────────
type Values = (n: number) => fc.Arbitrary<number[]>;
const real = (lo: number, hi: number) => fc.double({ min: lo, max: hi, noNaN: true });
const uniform = (lo: number, hi: number): Values => (n) => fc.array(real(lo, hi), { minLength: n, maxLength: n });
/** ±[lo, hi]: away from 0 (a kink or a pole) by at least lo. */
const signed = (lo: number, hi: number): Values => (n) =>
  fc.array(fc.tuple(real(lo, hi), fc.boolean()).map(([v, s]) => (s ? -v : v)), { minLength: n, maxLength: n });
/** n values in [−3, 3] whose pairwise differences all exceed 1e-2: no ties for max/min or comparisons. */
const distinct: Values = (n) =>
  fc
    .tuple(fc.uniqueArray(fc.integer({ min: -150, max: 150 }), { minLength: n, maxLength: n }), uniform(0, 0.4)(n))
    .map(([ks, jitter]) => ks.map((k, i) => (k + jitter[i]) * 0.02));

/** ±[0.06, 3] with pairwise distinct magnitudes: no kink at 0 and no tie for max|x|. */
const distinctMagnitudes: Values = (n) =>
  fc
    .tuple(fc.uniqueArray(fc.integer({ min: 3, max: 150 }), { minLength: n, maxLength: n }), uniform(0, 0.4)(n), fc.array(fc.boolean(), { minLength: n, maxLength: n }))
    .map(([ks, jitter, neg]) => ks.map((k, i) => (neg[i] ? -0.02 : 0.02) * (k + jitter[i])));
/** Values in [−1.5, 1.5], a quarter of them exactly 0 (prod's gradient with one zero, and with several). */
const withZeros: Values = (n) =>
  fc.array(fc.oneof({ arbitrary: fc.constant(0), weight: 1 }, { arbitrary: real(-1.5, 1.5), weight: 3 }), { minLength: n, maxLength: n });

/** Values in [−3, 3] whose fractional part is at least 0.1 away from `jump` (0 for integers, 0.5 for halves). */
const offJumps = (jump: number): Values => (n) =>
  uniform(-3, 3)(n).map((vs) => vs.map((v) => {
    const k = Math.floor(v), frac = v - k;
    return k + jump + 0.1 + ((frac - jump + 1) % 1) * 0.8;
  }));

const f64 = (shape: readonly number[], values: readonly number[], requiresGrad = false): Tensor =>
  tensor(Float64Array.from(values), { shape, dtype: 'float64', requiresGrad });
const tensorOf = (shape: readonly number[], values: Values, requiresGrad = false) =>
  values(sizeOf(shape)).map((v) => f64(shape, v, requiresGrad));
const tensorArb = (values: Values, minRank = 0) => shapeArb(minRank).chain((s) => tensorOf(s, values));

// ── argument generators ───────────────────────────────────────────────────────────────────────────
const unaryArgs = (values: Values) => tensorArb(values).map((x) => [x]);

/** Two operands broadcasting together; with one `Values`, both come from one pool (so `distinct` holds across them). */
const binaryArgs = (va: Values, vb?: Values) =>
  shapeArb()
    .chain((full) => fc.tuple(broadcastFrom(full), broadcastFrom(full)))
    .chain(([sa, sb]) => {
      const na = sizeOf(sa), nb = sizeOf(sb);
      const vals = vb === undefined ? va(na + nb).map((v) => [v.slice(0, na), v.slice(na)]) : fc.tuple(va(na), vb(nb));
      return vals.map(([a, b]) => [f64(sa, a), f64(sb, b)]);
    });

/** cond (0/1, not differentiated), a, b: three shapes broadcasting together. */
const whereArgs = shapeArb()
  .chain((full) => fc.tuple(broadcastFrom(full), broadcastFrom(full), broadcastFrom(full)))
  .chain(([sc, sa, sb]) =>
    fc.tuple(
      fc.array(fc.constantFrom(0, 1), { minLength: sizeOf(sc), maxLength: sizeOf(sc) }).map((c) => f64(sc, c)),
      tensorOf(sa, uniform(-2, 2), true),
      tensorOf(sb, uniform(-2, 2), true),
    ),
  );

/** Values at least 2e-2 away from each of `points`. */
const avoiding = (points: readonly number[]) => (v: number) =>
  points.reduce((x, p) => (Math.abs(x - p) < 2e-2 ? p + (x >= p ? 5e-2 : -5e-2) : x), v);
/** x and bounds lo < hi, both finite, x away from them. */
const clampArgs = fc
  .tuple(real(-1, 0), real(0.5, 2))
  .chain(([lo, width]) => tensorArb(uniform(-3, 3)).map((x) => [f64(x.shape, Array.from(x.data, avoiding([lo, lo + width]))), lo, lo + width]));

/** Sorted distinct axes of a rank-r shape (possibly none) and keepdims. */
const reduceArgs = (values: Values) =>
  shapeArb().chain((s) =>
    fc.tuple(tensorOf(s, values), fc.subarray(s.map((_, i) => i)), fc.boolean()),
  );

/** a [..., m, k] and b [..., k, n] with broadcasting batch dims (rank 0–2 each). */
const matmulArgs = fc
  .tuple(dim, dim, dim, shapeArb(0, 2))
  .chain(([m, k, n, batch]) => fc.tuple(fc.constant([m, k, n]), broadcastFrom(batch), broadcastFrom(batch)))
  .chain(([[m, k, n], ba, bb]) => fc.tuple(tensorOf([...ba, m, k], uniform(-2, 2)), tensorOf([...bb, k, n], uniform(-2, 2))));
/** Every transA/transB combination at once, each operand stored as that flag says (via a transpose). */
const matmulAll = (a: Tensor, b: Tensor): Tensor[] => {
  const at = F.mT(a), bt = F.mT(b);
  return [F.matmulT(a, b, false, false), F.matmulT(at, b, true, false), F.matmulT(a, bt, false, true), F.matmulT(at, bt, true, true)];
};

/** A random reshape: the dims of x shuffled, merged or split into 1s. */
const reshapeArgs = shapeArb().chain((s) =>
  fc.tuple(
    tensorOf(s, uniform(-2, 2)),
    fc.oneof(
      fc.constant([sizeOf(s)]),
      fc.shuffledSubarray(s, { minLength: s.length, maxLength: s.length }).chain((p) =>
        fc.integer({ min: 0, max: p.length }).map((at) => [...p.slice(0, at), 1, ...p.slice(at)]),
      ),
    ),
  ),
);
const transposeArgs = shapeArb().chain((s) =>
  fc.tuple(tensorOf(s, uniform(-2, 2)), fc.shuffledSubarray(s.map((_, i) => i), { minLength: s.length, maxLength: s.length })),
);
const broadcastArgs = shapeArb().chain((full) => broadcastFrom(full).chain((s) => fc.tuple(tensorOf(s, uniform(-2, 2)), fc.constant(full))));

/** Resolved slice attributes on shape s: begin, step and an output shape that fits. */
const sliceAttrs = (s: readonly number[]) =>
  fc
    .tuple(...s.map((d) => fc.tuple(fc.integer({ min: 0, max: d - 1 }), fc.integer({ min: 1, max: 3 }))))
    .chain((bs) =>
      fc
        .tuple(...bs.map(([b, st], i) => fc.integer({ min: 1, max: Math.ceil((s[i] - b) / st) })))
        .map((shape) => ({ begin: bs.map(([b]) => b), step: bs.map(([, st]) => st), shape })),
    );
const sliceArgs = shapeArb().chain((s) =>
  fc.tuple(tensorOf(s, uniform(-2, 2)), sliceAttrs(s)).map(([x, a]) => [x, a.begin, a.step, a.shape]),
);
const unsliceArgs = shapeArb().chain((s) =>
  sliceAttrs(s).chain((a) => tensorOf(a.shape, uniform(-2, 2)).map((dy) => [dy, a.begin, a.step, s])),
);

/** axis first, then 1–3 tensors equal outside it. */
const concatArgs = shapeArb(1).chain((s) =>
  fc.integer({ min: 0, max: s.length - 1 }).chain((axis) =>
    fc
      .array(dim, { minLength: 1, maxLength: 3 })
      .chain((lens) => fc.tuple(...lens.map((l) => tensorOf(s.map((d, i) => (i === axis ? l : d)), uniform(-2, 2)))))
      .map((xs) => [axis, ...xs]),
  ),
);

/** x, then a valid gather index (repeats allowed, so scatterAdd must accumulate), its shape and axis. */
const gatherAttrs = (s: readonly number[]) =>
  fc.integer({ min: 0, max: s.length - 1 }).chain((axis) =>
    fc
      .tuple(...s.map((d, i) => (i === axis ? dim : fc.integer({ min: 1, max: d }))))
      .chain((indexShape) =>
        fc
          .array(fc.integer({ min: 0, max: s[axis] - 1 }), { minLength: sizeOf(indexShape), maxLength: sizeOf(indexShape) })
          .map((idx) => ({ index: Int32Array.from(idx), indexShape, axis })),
      ),
  );
const gatherArgs = shapeArb(1).chain((s) =>
  fc.tuple(tensorOf(s, uniform(-2, 2)), gatherAttrs(s)).map(([x, g]) => [x, g.index, g.indexShape, g.axis]),
);
const scatterArgs = shapeArb(1).chain((s) =>
  gatherAttrs(s).chain((g) => tensorOf(g.indexShape, uniform(-2, 2)).map((src) => [src, g.index, g.indexShape, g.axis, s])),
);

/** x, then a 1-D take index along an axis (repeats allowed, so indexAdd must accumulate). */
const takeAttrs = (s: readonly number[]) =>
  fc.integer({ min: 0, max: s.length - 1 }).chain((axis) =>
    fc
      .array(fc.integer({ min: 0, max: s[axis] - 1 }), { minLength: 0, maxLength: 5 })
      .map((idx) => ({ index: Int32Array.from(idx), axis })),
  );
const takeArgs = shapeArb(1).chain((s) => fc.tuple(tensorOf(s, uniform(-2, 2)), takeAttrs(s)).map(([x, t]) => [x, t.index, t.axis]));
const indexAddArgs = shapeArb(1).chain((s) =>
  takeAttrs(s).chain((t) =>
    tensorOf(s.map((d, i) => (i === t.axis ? t.index.length : d)), uniform(-2, 2)).map((src) => [src, t.index, t.axis, s]),
  ),
);

/** Logits z and soft targets y of one shape (rank ≥ 1), and an axis; with `withG`, a cotangent per slice too. */
const softmaxCEArgs = (withG: boolean) =>
  shapeArb(1).chain((s) =>
    fc.integer({ min: 0, max: s.length - 1 }).chain((axis) =>
      fc.tuple(
        tensorOf(s, uniform(-3, 3)),
        tensorOf(s, uniform(0, 1)),
        withG ? tensorOf(s.filter((_, i) => i !== axis), uniform(-2, 2)) : fc.constant(null),
        fc.constant(axis),
      ).map(([z, y, g, a]) => (g === null ? [z, y, a] : [z, y, g, a])),
    ),
  );

/** Window geometry on a small image [N, C, H, W]: kernel, stride, dilation 1–2, padding 0–1, at least one window. */
const convGeometry = fc
  .tuple(fc.tuple(dim, dim, dim, dim), fc.array(fc.integer({ min: 1, max: 2 }), { minLength: 6, maxLength: 6 }), fc.tuple(fc.nat(1), fc.nat(1)))
  .map(([[n, c, h, w], [kh, kw, sh, sw, dh, dw], [ph, pw]]) => {
    const ho = Math.floor((h + 2 * ph - dh * (kh - 1) - 1) / sh) + 1, wo = Math.floor((w + 2 * pw - dw * (kw - 1) - 1) / sw) + 1;
    return { shape: [n, c, h, w], g: { kh, kw, sh, sw, dh, dw, ph, pw, ho, wo } };
  })
  .filter(({ g }) => g.ho >= 1 && g.wo >= 1);
/** x, its geometry and a fill (0, or −1 to check that the fill carries no gradient). */
const im2colArgs = convGeometry.chain(({ shape, g }) => fc.tuple(tensorOf(shape, uniform(-2, 2)), fc.constant(g), fc.constantFrom(0, -1)));
const col2imArgs = convGeometry.chain(({ shape, g }) =>
  tensorOf([shape[0], shape[1] * g.kh * g.kw, g.ho * g.wo], uniform(-2, 2)).map((cols) => [cols, g, shape]),
);
/** x [N, C, H, W] and w [C_out, C/groups, kh, kw] with options that fit (groups 1 or 2). */
const convArgs = fc
  .tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 }), convGeometry)
  .chain(([groups, cpg, opg, { shape: [n, , h, w], g }]) =>
    fc.tuple(
      tensorOf([n, groups * cpg, h, w], uniform(-2, 2)),
      tensorOf([groups * opg, cpg, g.kh, g.kw], uniform(-2, 2)),
      fc.constant({ stride: [g.sh, g.sw], padding: [g.ph, g.pw], dilation: [g.dh, g.dw], groups }),
    ),
  );

/** x (rank ≥ 1), an axis and a direction. */
const scanArgs = (values: Values) =>
  shapeArb(1).chain((s) => fc.tuple(tensorOf(s, values), fc.integer({ min: 0, max: s.length - 1 }), fc.boolean()));

// ── the table of primitive ops ────────────────────────────────────────────────────────────────────
const CASES: { [K in OpName]: Case } = {
  add: { args: binaryArgs(uniform(-2, 2)), f: F.add },
  sub: { args: binaryArgs(uniform(-2, 2)), f: F.sub },
  mul: { args: binaryArgs(uniform(-2, 2)), f: F.mul },
  div: { args: binaryArgs(uniform(-2, 2), signed(0.5, 3)), f: F.div },
  pow: { args: binaryArgs(uniform(0.5, 2), uniform(-2, 2)), f: F.pow },
  maximum: { args: binaryArgs(distinct), f: F.maximum },
  minimum: { args: binaryArgs(distinct), f: F.minimum },
  // piecewise constant: with no ties the numerical derivative is exactly 0, as the analytical one
  eq: { args: binaryArgs(distinct), f: F.eq },
  ne: { args: binaryArgs(distinct), f: F.ne },
  lt: { args: binaryArgs(distinct), f: F.lt },
  le: { args: binaryArgs(distinct), f: F.le },
  gt: { args: binaryArgs(distinct), f: F.gt },
  ge: { args: binaryArgs(distinct), f: F.ge },
  neg: { args: unaryArgs(uniform(-2, 2)), f: F.neg },
  exp: { args: unaryArgs(uniform(-2, 2)), f: F.exp },
  log: { args: unaryArgs(uniform(0.5, 3)), f: F.log },
  sqrt: { args: unaryArgs(uniform(0.5, 3)), f: F.sqrt },
  abs: { args: unaryArgs(signed(0.05, 2)), f: F.abs },
  sign: { args: unaryArgs(signed(0.05, 2)), f: F.sign },
  tanh: { args: unaryArgs(uniform(-3, 3)), f: F.tanh },
  sigmoid: { args: unaryArgs(uniform(-3, 3)), f: F.sigmoid },
  // the fused sigmoid VJP, as a function of both y ∈ (0, 1) and the cotangent
  sigmoidGrad: {
    args: shapeArb().chain((s) => fc.tuple(tensorOf(s, uniform(0.05, 0.95)), tensorOf(s, uniform(-2, 2)))),
    f: F.sigmoidGrad,
  },
  relu: { args: unaryArgs(signed(0.05, 2)), f: F.relu },
  square: { args: unaryArgs(uniform(-2, 2)), f: F.square },
  reciprocal: { args: unaryArgs(signed(0.5, 3)), f: F.reciprocal },
  log1p: { args: unaryArgs(uniform(-0.5, 3)), f: F.log1p },
  expm1: { args: unaryArgs(uniform(-2, 2)), f: F.expm1 },
  sin: { args: unaryArgs(uniform(-4, 4)), f: F.sin },
  cos: { args: unaryArgs(uniform(-4, 4)), f: F.cos },
  atan: { args: unaryArgs(uniform(-4, 4)), f: F.atan },
  erf: { args: unaryArgs(uniform(-3, 3)), f: F.erf },
  softplus: { args: unaryArgs(uniform(-4, 4)), f: F.softplus },
  logSigmoid: { args: unaryArgs(uniform(-4, 4)), f: F.logSigmoid },
  silu: { args: unaryArgs(uniform(-4, 4)), f: F.silu },
  gelu: { args: unaryArgs(uniform(-3, 3)), f: F.gelu },
  geluTanh: { args: unaryArgs(uniform(-3, 3)), f: (x: Tensor) => F.gelu(x, { approximate: 'tanh' }) },
  // kinked at 0: values stay away from it; a slope other than PyTorch's default tests the parameter
  leakyRelu: { args: unaryArgs(signed(0.05, 2)), f: (x: Tensor) => F.leakyRelu(x, 0.2) },
  elu: { args: unaryArgs(signed(0.05, 2)), f: (x: Tensor) => F.elu(x, 1.5) },
  // piecewise constant: values at least 0.1 from the jumps (integers; halves for round), where the numerical derivative is exactly 0
  floor: { args: unaryArgs(offJumps(0)), f: F.floor },
  ceil: { args: unaryArgs(offJumps(0)), f: F.ceil },
  round: { args: unaryArgs(offJumps(0.5)), f: F.round },
  where: { args: whereArgs, f: F.where },
  clamp: { args: clampArgs, f: F.clamp },
  // The float64 → float32 cast: values within 1e-3 of 0, where float32's spacing (≤ 1.2e-10) moves a
  // central difference by ≤ 6e-5, well inside the default tolerance at slope 1.
  astype: { args: unaryArgs(uniform(-1e-3, 1e-3)), f: (x: Tensor) => F.astype(x, 'float32') },
  identity: { args: unaryArgs(uniform(-2, 2)), f: F.identity },
  matmul: { args: matmulArgs, f: matmulAll },
  sum: { args: reduceArgs(uniform(-2, 2)), f: F.sum },
  max: { args: reduceArgs(distinct), f: F.max },
  min: { args: reduceArgs(distinct), f: F.min },
  reshape: { args: reshapeArgs, f: F.reshape },
  transpose: { args: transposeArgs, f: F.transpose },
  flip: { args: shapeArb().chain((s) => fc.tuple(tensorOf(s, uniform(-2, 2)), fc.subarray(s.map((_, i) => i)))), f: F.flip },
  // straight to the op: the public broadcastTo returns x itself when the shapes already agree
  broadcastTo: { args: broadcastArgs, f: (x: Tensor, shape: number[]) => apply(OPS.broadcastTo, [x], { shape }) },
  slice: { args: sliceArgs, f: F.sliceRaw },
  unslice: { args: unsliceArgs, f: F.unslice },
  // straight to the op: the public concat returns a single tensor itself
  concat: { args: concatArgs, f: (axis: number, ...xs: Tensor[]) => apply(OPS.concat, xs, { axis }) },
  gather: { args: gatherArgs, f: F.gatherRaw },
  scatterAdd: { args: scatterArgs, f: F.scatterAdd },
  // targets are soft (any y ≥ 0, not summing to 1), so the Σy factor of the gradient is exercised
  softmaxCrossEntropy: { args: softmaxCEArgs(false), f: F.softmaxCrossEntropyWithLogits },
  softmaxCrossEntropyGrad: { args: softmaxCEArgs(true), f: F.softmaxCrossEntropyGrad },
  take: { args: takeArgs, f: F.takeRaw },
  indexAdd: { args: indexAddArgs, f: F.indexAdd },
  im2col: { args: im2colArgs, f: F.im2col },
  col2im: { args: col2imArgs, f: F.col2im },
  cumsum: { args: scanArgs(uniform(-2, 2)), f: F.cumsumRaw },
  cumprod: { args: scanArgs(withZeros).map(([x, axis]) => [x, axis]), f: F.cumprodRaw },
  // well-conditioned (and symmetric positive definite for cholesky) inputs: see linalg.testkit.ts
  ...LINALG_CASES,
  // distinct, nonzero singular values and a stable sign convention: see svd.testkit.ts
  ...SVD_CASES,
};

// ── the public composites, built from the primitives ──────────────────────────────────────────────
const rankAndAxis = (values: Values, extra = 0) =>
  shapeArb(1).chain((s) => fc.tuple(tensorOf(s, values), fc.integer({ min: -s.length - extra, max: s.length - 1 + extra })));

/** variance or std over reduceArgs' axes, with `correction` lowered to 0 where it would leave no degree of freedom. */
const varianceWith = (op: typeof variance) => (x: Tensor, axes: number[], keepdims: boolean, correction: number) =>
  op(x, axes, { keepdims, correction: axes.reduce((n, a) => n * x.shape[a], 1) > correction ? correction : 0 });

const COMPOSITES: Record<string, Case> = {
  mean: { args: reduceArgs(uniform(-2, 2)), f: mean },
  softmax: { args: rankAndAxis(uniform(-3, 3)), f: softmax },
  logSoftmax: { args: rankAndAxis(uniform(-3, 3)), f: logSoftmax },
  logsumexp: { args: reduceArgs(uniform(-3, 3)), f: logsumexp },
  stack: {
    args: shapeArb().chain((s) =>
      fc.tuple(fc.integer({ min: -s.length - 1, max: s.length }), fc.array(tensorOf(s, uniform(-2, 2)), { minLength: 1, maxLength: 3 })),
    ).map(([axis, xs]) => [axis, ...xs]),
    f: (axis: number, ...xs: Tensor[]) => stack(xs, axis),
  },
  squeeze: {
    // shapes with 1s; the axes to drop are all of them (undefined) or some of the size-1 ones
    args: shapeArb().chain((full) => broadcastFrom(full)).chain((s) =>
      fc.tuple(tensorOf(s, uniform(-2, 2)), fc.option(fc.subarray(s.flatMap((d, i) => (d === 1 ? [i] : []))), { nil: undefined })),
    ),
    f: squeeze,
  },
  unsqueeze: { args: shapeArb().chain((s) => fc.tuple(tensorOf(s, uniform(-2, 2)), fc.integer({ min: -s.length - 1, max: s.length }))), f: unsqueeze },
  slice: {
    // Python-style indices: negative, out of range, a null end, empty results
    args: shapeArb(1).chain((s) =>
      fc.tuple(
        tensorOf(s, uniform(-2, 2)),
        fc.tuple(...s.map((d) => fc.integer({ min: -d - 1, max: d }))),
        fc.tuple(...s.map((d) => fc.option(fc.integer({ min: -d - 1, max: d + 1 }), { nil: null }))),
        fc.tuple(...s.map(() => fc.integer({ min: 1, max: 3 }))),
      ),
    ),
    f: slice,
  },
  clamp: {
    // one-sided bounds (null) as well as two-sided
    args: fc.tuple(fc.option(real(-1, 0), { nil: null }), fc.option(real(0.5, 1.5), { nil: null })).chain(([lo, hi]) =>
      tensorArb(uniform(-3, 3)).map((x) => [f64(x.shape, Array.from(x.data, avoiding([lo ?? -9, hi ?? 9]))), lo, hi]),
    ),
    f: clamp,
  },
  matmul: {
    // NumPy's 1-D rules: vec·vec, vec·mat, mat·vec, vec·batched, batched·vec
    args: fc.tuple(dim, dim, fc.constantFrom([], [2], [3, 1])).chain(([k, n, batch]) =>
      fc.oneof(
        fc.tuple(tensorOf([k], uniform(-2, 2)), tensorOf([k], uniform(-2, 2))),
        fc.tuple(tensorOf([k], uniform(-2, 2)), tensorOf([...batch, k, n], uniform(-2, 2))),
        fc.tuple(tensorOf([...batch, n, k], uniform(-2, 2)), tensorOf([k], uniform(-2, 2))),
      ),
    ),
    f: matmul,
  },
  sumToShape: { args: shapeArb().chain((full) => fc.tuple(tensorOf(full, uniform(-2, 2)), broadcastFrom(full))), f: sumToShape },
  conv2d: { args: convArgs, f: F.conv2d },
  // along one dim: x [N, C, L] and w [C_out, C/groups, k] with L = H·W and k = kh·kw, where the kernel fits
  conv1d: {
    args: convArgs
      .map(([x, w, o]) => [F.reshape(x, [x.shape[0], x.shape[1], -1]), F.reshape(w, [w.shape[0], w.shape[1], -1]), { stride: o.stride[1], padding: o.padding[1], dilation: o.dilation[1], groups: o.groups }] as [Tensor, Tensor, { stride: number; padding: number; dilation: number; groups: number }])
      .filter(([x, w, o]) => o.dilation * (w.shape[2] - 1) + 1 <= x.shape[2] + 2 * o.padding),
    f: F.conv1d,
  },
  // w [C_in, C_out/groups, kh, kw]: the conv's weight read the other way round, x a conv output's shape
  // (with a transposed output of at least one pixel)
  convTranspose2d: {
    args: convArgs
      .map(([x, w, o]): [Tensor, Tensor, typeof o] => [F.conv2d(x, w, o), w, o])
      .filter(([y, w, o]) => [0, 1].every((d) => (y.shape[2 + d] - 1) * o.stride[d] - 2 * o.padding[d] + o.dilation[d] * (w.shape[2 + d] - 1) >= 0)),
    f: F.convTranspose2d,
  },
  // distinct values, so no window has tied maxima
  maxPool2d: {
    args: convGeometry
      .filter(({ g }) => 2 * g.ph <= g.kh && 2 * g.pw <= g.kw)
      .chain(({ shape, g }) => fc.tuple(tensorOf(shape, distinct), fc.constant([g.kh, g.kw]), fc.constant({ stride: [g.sh, g.sw], padding: [g.ph, g.pw] }))),
    f: F.maxPool2d,
  },
  avgPool2d: {
    args: convGeometry
      .filter(({ g }) => 2 * g.ph <= g.kh && 2 * g.pw <= g.kw)
      .chain(({ shape, g }) => fc.tuple(tensorOf(shape, uniform(-2, 2)), fc.constant([g.kh, g.kw]), fc.constant({ stride: [g.sh, g.sw], padding: [g.ph, g.pw] }))),
    f: F.avgPool2d,
  },
  // the values: x gathered in sorted order (distinct, so the order is the same under perturbation)
  sort: {
    args: shapeArb(1).chain((s) => fc.tuple(tensorOf(s, distinct), fc.integer({ min: -s.length, max: s.length - 1 }), fc.boolean())),
    f: (x: Tensor, axis: number, descending: boolean) => F.sort(x, axis, { descending }).values,
  },
  topk: {
    args: shapeArb(1).chain((s) => fc.tuple(tensorOf(s, distinct), fc.integer({ min: 0, max: s[s.length - 1] }), fc.boolean())),
    f: (x: Tensor, k: number, largest: boolean) => F.topk(x, k, -1, { largest }).values,
  },
  embedding: {
    args: fc.tuple(dim, dim).chain(([n, d]) =>
      fc.tuple(tensorOf([n, d], uniform(-2, 2)), fc.array(fc.array(fc.integer({ min: 0, max: n - 1 }), { minLength: 2, maxLength: 2 }), { minLength: 1, maxLength: 3 })),
    ),
    f: F.embedding,
  },
  // q [B, L_q, d], k [B, L_k, d], v [B, L_k, d_v] and a random 0/1 mask (fully masked rows included) or causal
  scaledDotProductAttention: {
    args: fc.tuple(fc.integer({ min: 1, max: 2 }), dim, dim, dim, dim).chain(([b, lq, lk, d, dv]) =>
      fc.tuple(
        tensorOf([b, lq, d], uniform(-2, 2)),
        tensorOf([b, lk, d], uniform(-2, 2)),
        tensorOf([b, lk, dv], uniform(-2, 2)),
        fc.oneof(
          fc.constant({}),
          fc.constant({ causal: true }),
          fc.array(fc.constantFrom(0, 1), { minLength: lq * lk, maxLength: lq * lk }).map((m) => ({ mask: f64([lq, lk], m) })),
        ),
      ),
    ),
    f: F.scaledDotProductAttention,
  },
  // a polynomial, smooth through zeros: central differences are exact there too
  prod: { args: reduceArgs(withZeros), f: prod },
  // correction 0 or 1, but 0 where no more than one element is reduced (1 would divide by 0: NaN)
  variance: { args: fc.tuple(reduceArgs(uniform(-2, 2)), fc.constantFrom(0, 1)).map(([a, c]) => [...a, c]), f: varianceWith(variance) },
  // distinct values: the spread is never 0, where std has a kink
  std: { args: fc.tuple(reduceArgs(distinct), fc.constantFrom(0, 1)).map(([a, c]) => [...a, c]), f: varianceWith(std) },
  norm: {
    args: fc.tuple(reduceArgs(distinctMagnitudes), fc.constantFrom<NormOrder>(1, 2, Infinity, 'fro')).map(([[x, axes, keep], p]) => [x, p, axes, keep]),
    f: norm,
  },
  pad: {
    args: shapeArb().chain((s) =>
      fc.tuple(
        tensorOf(s, uniform(-2, 2)),
        fc.tuple(...s.map(() => fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 })))),
        fc.oneof(fc.constant(0), real(-2, 2)),
      ),
    ),
    f: pad,
  },
  split: {
    // a count of equal pieces (a divisor of the axis length), or sizes (some 0) adding up to it
    args: rankAndAxis(uniform(-2, 2)).chain(([x, axis]) => {
      const n = x.shape[axis < 0 ? axis + x.ndim : axis];
      const divisors = Array.from({ length: n }, (_, i) => i + 1).filter((k) => n % k === 0);
      const sizes = fc.array(fc.integer({ min: 0, max: n }), { maxLength: 3 }).map((cuts) => {
        const at = [0, ...cuts.sort((a, b) => a - b), n];
        return at.slice(1).map((c, i) => c - at[i]);
      });
      return fc.tuple(fc.constant(x), fc.oneof(fc.constantFrom(...divisors), sizes), fc.constant(axis));
    }),
    f: split,
  },
  repeat: {
    // one count (0 included) or one per entry; along an axis, or over the flattened tensor (null)
    args: shapeArb(1).chain((s) =>
      fc.option(fc.integer({ min: -s.length, max: s.length - 1 }), { nil: null }).chain((axis) => {
        const n = axis === null ? sizeOf(s) : s[axis < 0 ? axis + s.length : axis];
        const counts = fc.oneof(fc.integer({ min: 0, max: 3 }), fc.array(fc.integer({ min: 0, max: 3 }), { minLength: n, maxLength: n }));
        return fc.tuple(tensorOf(s, uniform(-2, 2)), counts, fc.constant(axis));
      }),
    ),
    f: repeat,
  },
  tile: {
    // reps shorter, as long as or longer than the rank; a plain number tiles the last axis
    args: shapeArb().chain((s) =>
      fc.tuple(tensorOf(s, uniform(-2, 2)), fc.oneof(fc.integer({ min: 0, max: 3 }), fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 4 }))),
    ),
    f: tile,
  },
  // away from kinks: no zeros, no tied extremes, distinct singular values (svd.testkit.ts)
  ...NORM_CASES,
};

// ── the checks ────────────────────────────────────────────────────────────────────────────────────
const describeArgs = (args: readonly unknown[]): string =>
  args.map((a) => (a !== null && typeof a === 'object' && 'shape' in a ? `Tensor${JSON.stringify((a as Tensor).shape)}` : JSON.stringify(a))).join(', ');
const explain = (what: string, name: string, r: GradcheckReport, args: readonly unknown[]): string =>
  `${what} of ${name}(${describeArgs(args)}) failed: ${JSON.stringify(r)}`;

function checkBothOrders(name: string, c: Case): void {
  fc.assert(
    fc.property(c.args, (args) => {
      const first = gradcheck(c.f, args);
      expect(first.ok, explain('gradcheck', name, first, args)).toBe(true);
      const second = gradgradcheck(c.f, args);
      expect(second.ok, explain('gradgradcheck', name, second, args)).toBe(true);
    }),
    { numRuns: RUNS, seed: SEED },
  );
}

describe('every op in the op table passes gradcheck and gradgradcheck', () => {
  it('has a case for exactly the ops in OPS', () => {
    expect(Object.keys(CASES).sort()).toEqual(Object.keys(OPS).sort());
  });
  for (const op of Object.keys(OPS) as OpName[]) it(op, () => checkBothOrders(op, CASES[op]));
});

describe('the public composite functions pass gradcheck and gradgradcheck', () => {
  for (const [name, c] of Object.entries(COMPOSITES)) it(name, () => checkBothOrders(name, c));
});
