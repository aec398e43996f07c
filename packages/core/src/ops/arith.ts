/**
 * Arithmetic, comparisons, selection and casts: the elementwise primitives whose VJPs need no
 * transcendental function. Binary ops broadcast as NumPy does; the sweep undoes it in one place.
 */
import { alloc, castArray, checkDType, promote, type DType } from '../dtype.js';
import { TapegradError, fmtValue } from '../errors.js';
import { kernels } from '../kernels/index.js';
import { broadcastShapes } from '../shape.js';
import { apply } from '../tape.js';
import { Tensor, type NestedArray } from '../tensor.js';
import { tensor } from '../creation.js';
import { binaryOp, defineOp, expectTensor, noGradient, operand, operandDType, unaryOp, type Grads, type Operand } from './define.js';

// d(a + b) = da + db
/** a + b, broadcasting. */
export const add = binaryOp('add', (dy) => [dy, dy]);
// d(a − b) = da − db
/** a − b, broadcasting. */
export const sub = binaryOp('sub', (dy, _n, needs) => [dy, needs[1] ? neg(dy) : null]);
// d(a b) = b da + a db
/** a ⊙ b (elementwise), broadcasting. */
export const mul = binaryOp('mul', (dy, { inputs: [a, b] }, needs): Grads => [needs[0] ? mul(dy, b) : null, needs[1] ? mul(dy, a) : null]);
// d(a / b) = da / b − (a / b) / b db
/** a / b, broadcasting. */
export const div = binaryOp('div', (dy, { inputs: [a, b], output: y }, needs): Grads => [
  needs[0] ? div(dy, b) : null,
  needs[1] ? neg(mul(dy, div(y, b))) : null,
]);
// d max(a, b) = [a > b] da + [a < b] db; a tie sends half to each (PyTorch)
/** Elementwise maximum (NaN propagates). */
export const maximum = binaryOp('maximum', (dy, { inputs: [a, b] }, needs) => {
  const m = add(gt(a, b), mul(eq(a, b), 0.5));
  return [needs[0] ? mul(dy, m) : null, needs[1] ? mul(dy, sub(1, m)) : null];
});
// d min(a, b) = [a < b] da + [a > b] db; a tie sends half to each (PyTorch)
/** Elementwise minimum (NaN propagates). */
export const minimum = binaryOp('minimum', (dy, { inputs: [a, b] }, needs) => {
  const m = add(lt(a, b), mul(eq(a, b), 0.5));
  return [needs[0] ? mul(dy, m) : null, needs[1] ? mul(dy, sub(1, m)) : null];
});
// Comparisons are piecewise constant: their derivative is 0, so no cotangent flows through them.
/** 1 where a = b, else 0 (not differentiable: no gradient flows). Likewise ne, lt, le, gt, ge. */
export const eq = binaryOp('eq', noGradient);
export const ne = binaryOp('ne', noGradient);
export const lt = binaryOp('lt', noGradient);
export const le = binaryOp('le', noGradient);
export const gt = binaryOp('gt', noGradient);
export const ge = binaryOp('ge', noGradient);

// d(−x) = −dx
export const neg = unaryOp('neg', (dy): Grads => [neg(dy)]);
// d|x| = sign(x) dx   (0 at x = 0)
export const abs = unaryOp('abs', (dy, { inputs: [x] }) => [mul(dy, sign(x))]);
/** −1, 0 or 1 (not differentiable). */
export const sign = unaryOp('sign', noGradient);
// d x² = 2x dx
export const square = unaryOp('square', (dy, { inputs: [x] }) => [mul(dy, mul(x, 2))]);
// d(1/x) = −dx / x²
/** 1 / x. */
export const reciprocal = unaryOp('reciprocal', (dy, { output: y }) => [neg(mul(dy, square(y)))]);
// floor, ceil and round are piecewise constant: their gradient is 0 everywhere it exists (as PyTorch).
/** The largest integer ≤ x. Its gradient is 0 (PyTorch likewise); use `customVjp` for a straight-through estimator. */
export const floor = unaryOp('floor', noGradient);
/** The smallest integer ≥ x. Its gradient is 0, as floor's. */
export const ceil = unaryOp('ceil', noGradient);
/** x rounded to the nearest integer, halves to even (as NumPy and PyTorch; Math.round rounds them up). Gradient 0. */
export const round = unaryOp('round', noGradient);

// d where(c, a, b) = [c] da + [¬c] db
export const whereOp = defineOp('where', {
  forward: ([c, a, b]) => {
    const shape = broadcastShapes('where', broadcastShapes('where', c.shape, a.shape, 'cond', 'a'), b.shape, 'cond/a', 'b');
    let n = 1;
    for (const d of shape) n *= d;
    const out = alloc(promote(a.dtype, b.dtype), n);
    kernels.where(c.data, c.shape, a.data, a.shape, b.data, b.shape, out, shape);
    return new Tensor(out, shape);
  },
  vjp: (dy, { inputs: [c] }, needs): Grads => [null, needs[1] ? where(c, dy, 0) : null, needs[2] ? where(c, 0, dy) : null],
});
/** Elementwise `cond ≠ 0 ? a : b`, all three broadcast together. */
export function where(cond: Tensor | NestedArray, a: Operand, b: Operand): Tensor {
  const c = cond instanceof Tensor ? cond : tensor(cond);
  const dtype = a instanceof Tensor || b instanceof Tensor ? operandDType(a, b) : c.dtype;
  return apply(whereOp, [c, operand('where', a, dtype, 'a'), operand('where', b, dtype, 'b')], null);
}

// d clamp(x, lo, hi) = [lo ≤ x ≤ hi] dx   (PyTorch keeps the gradient at the bounds)
export const clampOp = defineOp<'clamp', { lo: number; hi: number }>('clamp', {
  forward: ([x], { lo, hi }) => {
    const out = alloc(x.dtype, x.size);
    kernels.clamp(x.data, lo, hi, out);
    return new Tensor(out, x.shape);
  },
  vjp: (dy, { inputs: [x], attrs: { lo, hi } }) => [mul(dy, mul(ge(x, lo), le(x, hi)))],
});
/** Limits x to [min, max]; either bound may be null/undefined. The gradient passes where min ≤ x ≤ max. */
export function clamp(x: Tensor, min?: number | null, max?: number | null): Tensor {
  const bound = (v: unknown, arg: string, fallback: number): number => {
    if (v === undefined || v === null) return fallback;
    if (typeof v !== 'number') throw new TapegradError('clamp', `expected a number, null or undefined, got ${fmtValue(v)}`, arg);
    if (Number.isNaN(v)) throw new TapegradError('clamp', 'a bound must not be NaN', arg);
    return v;
  };
  return apply(clampOp, [expectTensor('clamp', x)], { lo: bound(min, 'min', -Infinity), hi: bound(max, 'max', Infinity) });
}

// d cast(x) = cast⁻¹(dx): the sweep casts the cotangent back to the input's dtype
export const astypeOp = defineOp<'astype', { dtype: DType }>('astype', {
  forward: ([x], { dtype }) => new Tensor(castArray(x.data, dtype), x.shape),
  vjp: (dy) => [dy],
});
/** The same values in another dtype (returns x itself when it already has it). */
export function astype(x: Tensor, dtype: DType): Tensor {
  const d = checkDType('astype', dtype);
  return expectTensor('astype', x).dtype === d ? x : apply(astypeOp, [x], { dtype: d });
}

// d x = dx   (a recorded alias; shares the input's data)
export const identityOp = defineOp('identity', {
  forward: ([x]) => new Tensor(x.data, x.shape),
  vjp: (dy) => [dy],
});
/** A recorded alias of x: same values, its own place on the tape. */
export const identity = (x: Tensor): Tensor => apply(identityOp, [expectTensor('identity', x)], null);

/** The value of x with no gradient flowing back through it (JAX's stop_gradient). */
export const stopGradient = (x: Tensor): Tensor => expectTensor('stopGradient', x).detach();
