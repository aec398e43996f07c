/**
 * Cheap elementwise kernels in SIMD: binary arithmetic with the broadcasts that matter (same shape, a
 * scalar, a per-row or a repeated-row operand), unary maps without transcendentals, and the sigmoid
 * VJP. Every result equals the JS kernel's bit for bit: a single +, −, ×, ÷ or √ of floats computed in
 * double and rounded to float (what JS does on a Float32Array) is the correctly rounded float result,
 * which is what f32x4 computes; max/min propagate NaN and order −0 < +0 as Math.max/min do. The
 * sigmoid VJP has three operations, so float32 goes through f64x2 like JS goes through doubles.
 */

const ADD = 0, SUB = 1, MUL = 2, DIV = 3, MAX = 4, MIN = 5;
const NEG = 0, ABS = 1, SQRT = 2, RELU = 3, SQUARE = 4, RECIPROCAL = 5;

// @ts-ignore: decorator
@inline
function op2<T>(op: i32, x: v128, y: v128): v128 {
  if (op == ADD) return v128.add<T>(x, y);
  if (op == SUB) return v128.sub<T>(x, y);
  if (op == MUL) return v128.mul<T>(x, y);
  if (op == DIV) return v128.div<T>(x, y);
  if (op == MAX) return v128.max<T>(x, y);
  return v128.min<T>(x, y);
}

// @ts-ignore: decorator
@inline
function op2s<T>(op: i32, x: T, y: T): T {
  if (op == ADD) return x + y;
  if (op == SUB) return x - y;
  if (op == MUL) return x * y;
  if (op == DIV) return x / y;
  if (op == MAX) return max<T>(x, y);
  return min<T>(x, y);
}

/**
 * out[r·len + j] = A(r, j) ∘ B(r, j) for r < rows, j < len, where A(r, j) = a[r·ars + j·acs] with
 * acs ∈ {0, 1} (element strides), likewise B: same shapes (acs = bcs = 1), a scalar (stride 0 both
 * ways), a per-row value (a column: acs = 0, ars = 1) or a repeated row (ars = 0, acs = 1).
 *
 * One exported function per op and type: a single function switching on the op inside got its loops
 * merged by the optimizer into one loop that tests the op every vector, 4× slower.
 */
export function addF32(rows: i32, len: i32, a: usize, ars: i32, acs: i32, b: usize, brs: i32, bcs: i32, out: usize): void {
  rowsLoop<f32>(ADD, rows, len, a, ars, acs, b, brs, bcs, out);
}
export function subF32(rows: i32, len: i32, a: usize, ars: i32, acs: i32, b: usize, brs: i32, bcs: i32, out: usize): void {
  rowsLoop<f32>(SUB, rows, len, a, ars, acs, b, brs, bcs, out);
}
export function mulF32(rows: i32, len: i32, a: usize, ars: i32, acs: i32, b: usize, brs: i32, bcs: i32, out: usize): void {
  rowsLoop<f32>(MUL, rows, len, a, ars, acs, b, brs, bcs, out);
}
export function divF32(rows: i32, len: i32, a: usize, ars: i32, acs: i32, b: usize, brs: i32, bcs: i32, out: usize): void {
  rowsLoop<f32>(DIV, rows, len, a, ars, acs, b, brs, bcs, out);
}
export function maxF32(rows: i32, len: i32, a: usize, ars: i32, acs: i32, b: usize, brs: i32, bcs: i32, out: usize): void {
  rowsLoop<f32>(MAX, rows, len, a, ars, acs, b, brs, bcs, out);
}
export function minF32(rows: i32, len: i32, a: usize, ars: i32, acs: i32, b: usize, brs: i32, bcs: i32, out: usize): void {
  rowsLoop<f32>(MIN, rows, len, a, ars, acs, b, brs, bcs, out);
}
export function addF64(rows: i32, len: i32, a: usize, ars: i32, acs: i32, b: usize, brs: i32, bcs: i32, out: usize): void {
  rowsLoop<f64>(ADD, rows, len, a, ars, acs, b, brs, bcs, out);
}
export function subF64(rows: i32, len: i32, a: usize, ars: i32, acs: i32, b: usize, brs: i32, bcs: i32, out: usize): void {
  rowsLoop<f64>(SUB, rows, len, a, ars, acs, b, brs, bcs, out);
}
export function mulF64(rows: i32, len: i32, a: usize, ars: i32, acs: i32, b: usize, brs: i32, bcs: i32, out: usize): void {
  rowsLoop<f64>(MUL, rows, len, a, ars, acs, b, brs, bcs, out);
}
export function divF64(rows: i32, len: i32, a: usize, ars: i32, acs: i32, b: usize, brs: i32, bcs: i32, out: usize): void {
  rowsLoop<f64>(DIV, rows, len, a, ars, acs, b, brs, bcs, out);
}
export function maxF64(rows: i32, len: i32, a: usize, ars: i32, acs: i32, b: usize, brs: i32, bcs: i32, out: usize): void {
  rowsLoop<f64>(MAX, rows, len, a, ars, acs, b, brs, bcs, out);
}
export function minF64(rows: i32, len: i32, a: usize, ars: i32, acs: i32, b: usize, brs: i32, bcs: i32, out: usize): void {
  rowsLoop<f64>(MIN, rows, len, a, ars, acs, b, brs, bcs, out);
}

// @ts-ignore: decorator
@inline
function rowsLoop<T>(
  op: i32, rows: i32, len: i32, a: usize, ars: i32, acs: i32, b: usize, brs: i32, bcs: i32, out: usize,
): void {
  const S = sizeof<T>();
  const lanes = <i32>(<usize>16 / S);
  for (let r = 0; r < rows; r++) {
    const pa = a + <usize>r * ars * S, pb = b + <usize>r * brs * S, po = out + <usize>r * len * S;
    let j = 0;
    if (acs != 0 && bcs != 0) {
      for (; j + lanes <= len; j += lanes) {
        const o = <usize>j * S;
        v128.store(po + o, op2<T>(op, v128.load(pa + o), v128.load(pb + o)));
      }
      for (; j < len; j++) store<T>(po + <usize>j * S, op2s<T>(op, load<T>(pa + <usize>j * S), load<T>(pb + <usize>j * S)));
    } else if (bcs != 0) {
      const x = load<T>(pa), xv = v128.splat<T>(x);
      for (; j + lanes <= len; j += lanes) {
        const o = <usize>j * S;
        v128.store(po + o, op2<T>(op, xv, v128.load(pb + o)));
      }
      for (; j < len; j++) store<T>(po + <usize>j * S, op2s<T>(op, x, load<T>(pb + <usize>j * S)));
    } else if (acs != 0) {
      const y = load<T>(pb), yv = v128.splat<T>(y);
      for (; j + lanes <= len; j += lanes) {
        const o = <usize>j * S;
        v128.store(po + o, op2<T>(op, v128.load(pa + o), yv));
      }
      for (; j < len; j++) store<T>(po + <usize>j * S, op2s<T>(op, load<T>(pa + <usize>j * S), y));
    } else {
      const v = op2s<T>(op, load<T>(pa), load<T>(pb));
      for (; j < len; j++) store<T>(po + <usize>j * S, v);
    }
  }
}

// @ts-ignore: decorator
@inline
function op1<T>(op: i32, x: v128): v128 {
  if (op == NEG) return v128.neg<T>(x);
  if (op == ABS) return v128.abs<T>(x);
  if (op == SQRT) return v128.sqrt<T>(x);
  // relu: x ≤ 0 ? 0 : x, so NaN (which compares false) stays NaN and −0 becomes +0, as in JS.
  if (op == RELU) return v128.bitselect(v128.splat<T>(0), x, v128.le<T>(x, v128.splat<T>(0)));
  if (op == SQUARE) return v128.mul<T>(x, x);
  return v128.div<T>(v128.splat<T>(1), x);
}

/** out[i] = f(x[i]) for f = neg, abs, sqrt, relu, square, reciprocal; out may be x. One function each, as above. */
export function negF32(x: usize, out: usize, n: i32): void { mapLoop<f32>(NEG, x, out, n); }
export function absF32(x: usize, out: usize, n: i32): void { mapLoop<f32>(ABS, x, out, n); }
export function sqrtF32(x: usize, out: usize, n: i32): void { mapLoop<f32>(SQRT, x, out, n); }
export function reluF32(x: usize, out: usize, n: i32): void { mapLoop<f32>(RELU, x, out, n); }
export function squareF32(x: usize, out: usize, n: i32): void { mapLoop<f32>(SQUARE, x, out, n); }
export function reciprocalF32(x: usize, out: usize, n: i32): void { mapLoop<f32>(RECIPROCAL, x, out, n); }
export function negF64(x: usize, out: usize, n: i32): void { mapLoop<f64>(NEG, x, out, n); }
export function absF64(x: usize, out: usize, n: i32): void { mapLoop<f64>(ABS, x, out, n); }
export function sqrtF64(x: usize, out: usize, n: i32): void { mapLoop<f64>(SQRT, x, out, n); }
export function reluF64(x: usize, out: usize, n: i32): void { mapLoop<f64>(RELU, x, out, n); }
export function squareF64(x: usize, out: usize, n: i32): void { mapLoop<f64>(SQUARE, x, out, n); }
export function reciprocalF64(x: usize, out: usize, n: i32): void { mapLoop<f64>(RECIPROCAL, x, out, n); }

// @ts-ignore: decorator
@inline
function mapLoop<T>(op: i32, x: usize, out: usize, n: i32): void {
  const S = sizeof<T>();
  const lanes = <i32>(<usize>16 / S);
  let i = 0;
  for (; i + lanes <= n; i += lanes) v128.store(out + <usize>i * S, op1<T>(op, v128.load(x + <usize>i * S)));
  // The tail through a vector too (lane 0 of a splat), so it is computed exactly as the body is.
  for (; i < n; i++) {
    store<T>(out + <usize>i * S, v128.extract_lane<T>(op1<T>(op, v128.splat<T>(load<T>(x + <usize>i * S))), 0));
  }
}

/** out = dy ⊙ y ⊙ (1 − y) in that order, as the JS kernel; float32 in double, rounded once. */
export function sigmoidGradF32(y: usize, dy: usize, out: usize, n: i32): void {
  let i = 0;
  for (; i + 2 <= n; i += 2) {
    const o = <usize>i * 4;
    const v = f64x2.promote_low_f32x4(v128.load64_zero(y + o));
    const d = f64x2.promote_low_f32x4(v128.load64_zero(dy + o));
    const g = f64x2.mul(f64x2.mul(d, v), f64x2.sub(f64x2.splat(1), v));
    v128.store64_lane(out + o, f32x4.demote_f64x2_zero(g), 0);
  }
  if (i < n) {
    const v = <f64>load<f32>(y + <usize>i * 4), d = <f64>load<f32>(dy + <usize>i * 4);
    store<f32>(out + <usize>i * 4, <f32>(d * v * (1 - v)));
  }
}

export function sigmoidGradF64(y: usize, dy: usize, out: usize, n: i32): void {
  let i = 0;
  for (; i + 2 <= n; i += 2) {
    const o = <usize>i * 8;
    const v = v128.load(y + o);
    v128.store(out + o, f64x2.mul(f64x2.mul(v128.load(dy + o), v), f64x2.sub(f64x2.splat(1), v)));
  }
  if (i < n) {
    const v = load<f64>(y + <usize>i * 8);
    store<f64>(out + <usize>i * 8, load<f64>(dy + <usize>i * 8) * v * (1 - v));
  }
}
