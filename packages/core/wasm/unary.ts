/**
 * exp and sigmoid over arrays, in f64x2 SIMD for both element types: float32 inputs are widened, computed
 * in double and rounded once on store, as the JS kernels do (they call Math.exp in double).
 *
 * exp(x) = 2ⁿ · eʳ with n = round(x / ln 2) and r = x − n·ln 2 (Cody–Waite: ln 2 = LN2_HI + LN2_LO, where
 * LN2_HI has 32 significant bits so n·LN2_HI is exact), |r| ≤ ln2 / 2 ≈ 0.347. eʳ is the Taylor series to
 * r¹³/13! (Estrin's scheme); the first omitted term is below 0.347¹⁴/14! ≈ 4·10⁻¹⁸, under 2⁻⁵³, so the
 * result is within about 1 ulp (measured: ≤ 1 ulp from Math.exp on 10⁶ samples). 2ⁿ is built from its exponent bits, as 2^n₁ · 2^n₂ with n₁ = ⌊n/2⌋, so
 * every factor is a normal double for n ∈ [−1076, 1024]; the last product rounds once, giving correctly
 * scaled subnormals, 0 below −745.2, and ∞ above 709.8. NaN stays NaN.
 *
 * sigmoid(x) = 1 / (1 + e) for x ≥ 0, e / (1 + e) for x < 0, with e = exp(−|x|) ≤ 1: the exponential of a
 * non-positive number only, so nothing overflows (as in the JS kernel).
 */

const OP_EXP = 0;
const OP_SIGMOID = 1;

const INV_LN2: f64 = 1.44269504088896338700e+00;
const LN2_HI: f64 = 6.93147180369123816490e-01; // 0x3fe62e42fee00000
const LN2_LO: f64 = 1.90821492927058770002e-10; // 0x3dea39ef35793c76
/** 2⁵² + 1023: adding it to an integer-valued n puts n + 1023 in the low mantissa bits. */
const EXP_BIAS_MAGIC: f64 = 4503599627371519.0;

// @ts-ignore: decorator
@inline
function expV(x: v128): v128 {
  // pmax/pmin are single instructions and keep a NaN x (a comparison with NaN is false).
  x = f64x2.pmin(f64x2.pmax(x, f64x2.splat(-746.0)), f64x2.splat(710.0));
  const n = f64x2.nearest(f64x2.mul(x, f64x2.splat(INV_LN2)));
  let r = f64x2.sub(x, f64x2.mul(n, f64x2.splat(LN2_HI)));
  r = f64x2.sub(r, f64x2.mul(n, f64x2.splat(LN2_LO)));
  // eʳ = 1 + (r + r²·w), w = Σ_{k=2..13} r^(k−2)/k! by Estrin's scheme (pairs, then powers r², r⁴):
  // a few levels of dependent operations instead of Horner's thirteen, which left the pipeline idle.
  // Only the final 1 + u rounds at the scale of the result; w's rounding is damped by r² ≤ 0.12.
  const r2 = f64x2.mul(r, r);
  const r4 = f64x2.mul(r2, r2);
  const q1 = f64x2.add(f64x2.splat(1.0 / 2.0), f64x2.mul(r, f64x2.splat(1.0 / 6.0)));
  const q2 = f64x2.add(f64x2.splat(1.0 / 24.0), f64x2.mul(r, f64x2.splat(1.0 / 120.0)));
  const q3 = f64x2.add(f64x2.splat(1.0 / 720.0), f64x2.mul(r, f64x2.splat(1.0 / 5040.0)));
  const q4 = f64x2.add(f64x2.splat(1.0 / 40320.0), f64x2.mul(r, f64x2.splat(1.0 / 362880.0)));
  const q5 = f64x2.add(f64x2.splat(1.0 / 3628800.0), f64x2.mul(r, f64x2.splat(1.0 / 39916800.0)));
  const q6 = f64x2.add(f64x2.splat(1.0 / 479001600.0), f64x2.mul(r, f64x2.splat(1.0 / 6227020800.0)));
  const s12 = f64x2.add(q1, f64x2.mul(q2, r2));
  const s34 = f64x2.add(q3, f64x2.mul(q4, r2));
  const s56 = f64x2.add(q5, f64x2.mul(q6, r2));
  const w = f64x2.add(s12, f64x2.mul(r4, f64x2.add(s34, f64x2.mul(r4, s56))));
  const p = f64x2.add(f64x2.splat(1.0), f64x2.add(r, f64x2.mul(r2, w)));
  const n1 = f64x2.floor(f64x2.mul(n, f64x2.splat(0.5)));
  const n2 = f64x2.sub(n, n1);
  const s1e = i64x2.shl(f64x2.add(n1, f64x2.splat(EXP_BIAS_MAGIC)), 52);
  const s2e = i64x2.shl(f64x2.add(n2, f64x2.splat(EXP_BIAS_MAGIC)), 52);
  return f64x2.mul(f64x2.mul(p, s1e), s2e);
}

// @ts-ignore: decorator
@inline
function sigmoidV(x: v128): v128 {
  const e = expV(f64x2.neg(f64x2.abs(x)));
  const d = f64x2.add(f64x2.splat(1.0), e);
  const pos = f64x2.div(f64x2.splat(1.0), d);
  const neg = f64x2.div(e, d);
  return v128.bitselect(pos, neg, f64x2.ge(x, f64x2.splat(0.0)));
}

// @ts-ignore: decorator
@inline
function apply(op: i32, x: v128): v128 {
  return op == OP_SIGMOID ? sigmoidV(x) : expV(x);
}

/** out[i] = exp(x[i]) or sigmoid(x[i]) for i < n, at byte offsets x and out (which may be equal). One
 * function each: with the op tested inside, the optimizer merged the loops and tested it every vector. */
export function expF64(x: usize, out: usize, n: i32): void { loopF64(OP_EXP, x, out, n); }
export function sigmoidF64(x: usize, out: usize, n: i32): void { loopF64(OP_SIGMOID, x, out, n); }
/** float32 arrays, four elements at a time widened to two f64x2. */
export function expF32(x: usize, out: usize, n: i32): void { loopF32(OP_EXP, x, out, n); }
export function sigmoidF32(x: usize, out: usize, n: i32): void { loopF32(OP_SIGMOID, x, out, n); }

// @ts-ignore: decorator
@inline
function loopF64(op: i32, x: usize, out: usize, n: i32): void {
  let i = 0;
  // Two independent vectors an iteration, for instruction-level parallelism.
  for (; i + 4 <= n; i += 4) {
    const a = apply(op, v128.load(x + <usize>i * 8));
    const b = apply(op, v128.load(x + <usize>i * 8, 16));
    v128.store(out + <usize>i * 8, a);
    v128.store(out + <usize>i * 8, b, 16);
  }
  for (; i + 2 <= n; i += 2) v128.store(out + <usize>i * 8, apply(op, v128.load(x + <usize>i * 8)));
  if (i < n) v128.store64_lane(out + <usize>i * 8, apply(op, v128.load64_zero(x + <usize>i * 8)), 0);
}

// @ts-ignore: decorator
@inline
function loopF32(op: i32, x: usize, out: usize, n: i32): void {
  let i = 0;
  // Four floats an iteration: the low and high pairs, widened, are two independent vectors.
  for (; i + 4 <= n; i += 4) {
    const v = v128.load(x + <usize>i * 4);
    const lo = f32x4.demote_f64x2_zero(apply(op, f64x2.promote_low_f32x4(v)));
    const hi = f32x4.demote_f64x2_zero(apply(op, f64x2.promote_low_f32x4(i64x2.shuffle(v, v, 1, 0))));
    v128.store(out + <usize>i * 4, i64x2.shuffle(lo, hi, 0, 2));
  }
  for (; i + 2 <= n; i += 2) {
    const v = f64x2.promote_low_f32x4(v128.load64_zero(x + <usize>i * 4));
    v128.store64_lane(out + <usize>i * 4, f32x4.demote_f64x2_zero(apply(op, v)), 0);
  }
  if (i < n) {
    const v = f64x2.promote_low_f32x4(v128.load32_zero(x + <usize>i * 4));
    v128.store32_lane(out + <usize>i * 4, f32x4.demote_f64x2_zero(apply(op, v)), 0);
  }
}
