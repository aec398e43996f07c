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
/**
 * a + b elementwise, broadcasting as NumPy (shapes align from the right; a dimension of 1 stretches).
 * A plain number takes the tensor's dtype. The gradient of a broadcast operand is summed back to its shape.
 *
 * @example
 * const Z = add(tensor([[1, 2], [3, 4]]), tensor([[10], [20]])); // Z = W A + b: b [n_l, 1] spreads over the m columns
 * Z; // [[11, 12], [23, 24]]
 * add(tensor([1, 2]), 0.5); // [1.5, 2.5]
 */
export const add = binaryOp('add', (dy) => [dy, dy]);
// d(a − b) = da − db
/**
 * a − b elementwise, broadcasting as `add`.
 *
 * @example
 * sub(tensor([5, 7]), tensor([1, 2])); // [4, 5]
 * sub(1, tensor([0.25, 1])); // [0.75, 0]
 */
export const sub = binaryOp('sub', (dy, _n, needs) => [dy, needs[1] ? neg(dy) : null]);
// d(a b) = b da + a db
/**
 * a ⊙ b, the elementwise (Hadamard) product, broadcasting as `add`; `matmul` is the matrix product.
 *
 * @example
 * mul(tensor([1, 2, 3]), tensor([4, 5, 6])); // [4, 10, 18]
 * mul(tensor([[1, 2], [3, 4]]), 2); // [[2, 4], [6, 8]]
 */
export const mul = binaryOp('mul', (dy, { inputs: [a, b] }, needs): Grads => [needs[0] ? mul(dy, b) : null, needs[1] ? mul(dy, a) : null]);
// d(a / b) = da / b − (a / b) / b db
/**
 * a / b elementwise, broadcasting as `add`. Division by zero follows IEEE: 1/0 = ∞, 0/0 = NaN (no error).
 *
 * @example
 * div(tensor([1, 3]), tensor([2, 4])); // [0.5, 0.75]
 * div(tensor([1, 0]), 0); // [Infinity, NaN]
 */
export const div = binaryOp('div', (dy, { inputs: [a, b], output: y }, needs): Grads => [
  needs[0] ? div(dy, b) : null,
  needs[1] ? neg(mul(dy, div(y, b))) : null,
]);
// d max(a, b) = [a > b] da + [a < b] db; a tie sends half to each (PyTorch)
/**
 * Elementwise maximum of a and b, broadcasting (NaN propagates, as PyTorch's `maximum`). At a tie the
 * gradient is split, half to each input, as PyTorch does.
 *
 * @example
 * maximum(tensor([1, 5, NaN]), tensor([3, 2, 0])); // [3, 5, NaN]
 * maximum(tensor([-1, 2]), 0); // [0, 2]  (relu)
 */
export const maximum = binaryOp('maximum', (dy, { inputs: [a, b] }, needs) => {
  const m = add(gt(a, b), mul(eq(a, b), 0.5));
  return [needs[0] ? mul(dy, m) : null, needs[1] ? mul(dy, sub(1, m)) : null];
});
// d min(a, b) = [a < b] da + [a > b] db; a tie sends half to each (PyTorch)
/**
 * Elementwise minimum of a and b, broadcasting (NaN propagates). A tie splits the gradient, as `maximum`.
 *
 * @example
 * minimum(tensor([1, 5]), tensor([3, 2])); // [1, 2]
 */
export const minimum = binaryOp('minimum', (dy, { inputs: [a, b] }, needs) => {
  const m = add(lt(a, b), mul(eq(a, b), 0.5));
  return [needs[0] ? mul(dy, m) : null, needs[1] ? mul(dy, sub(1, m)) : null];
});
// Comparisons are piecewise constant: their derivative is 0, so no cotangent flows through them.
/**
 * 1 where a = b, else 0, broadcasting; the result has the operands' float dtype (PyTorch returns bool).
 * Not differentiable: no gradient flows through it. NaN equals nothing, itself included.
 *
 * @example
 * eq(tensor([1, 2, NaN]), tensor([1, 3, NaN])); // [1, 0, 0]
 */
export const eq = binaryOp('eq', noGradient);
/**
 * 1 where a ≠ b, else 0 (NaN ≠ NaN is 1), broadcasting; a float mask, no gradient (as `eq`).
 *
 * @example
 * ne(tensor([1, 2, NaN]), tensor([1, 3, NaN])); // [0, 1, 1]
 */
export const ne = binaryOp('ne', noGradient);
/**
 * 1 where a < b, else 0, broadcasting; a float mask, no gradient (as `eq`). Any comparison with NaN is 0.
 *
 * @example
 * lt(tensor([1, 2, 3]), 2); // [1, 0, 0]
 */
export const lt = binaryOp('lt', noGradient);
/**
 * 1 where a ≤ b, else 0, broadcasting; a float mask, no gradient (as `eq`).
 *
 * @example
 * le(tensor([1, 2, 3]), 2); // [1, 1, 0]
 */
export const le = binaryOp('le', noGradient);
/**
 * 1 where a > b, else 0, broadcasting; a float mask, no gradient (as `eq`). `mul(dA, gt(Z, 0))` is the
 * ReLU backward of the notes.
 *
 * @example
 * gt(tensor([1, 2, 3]), 2); // [0, 0, 1]
 */
export const gt = binaryOp('gt', noGradient);
/**
 * 1 where a ≥ b, else 0, broadcasting; a float mask, no gradient (as `eq`).
 *
 * @example
 * ge(tensor([1, 2, 3]), 2); // [0, 1, 1]
 */
export const ge = binaryOp('ge', noGradient);

// d(−x) = −dx
/**
 * −x elementwise.
 *
 * @example
 * neg(tensor([1, -2, 0])); // [-1, 2, -0]
 */
export const neg = unaryOp('neg', (dy): Grads => [neg(dy)]);
// d|x| = sign(x) dx   (0 at x = 0)
/**
 * |x| elementwise. Its gradient at 0 is 0 (sign(0)), as in PyTorch.
 *
 * @example
 * abs(tensor([-1.5, 0, 2])); // [1.5, 0, 2]
 */
export const abs = unaryOp('abs', (dy, { inputs: [x] }) => [mul(dy, sign(x))]);
/**
 * −1, 0 or 1 by the sign of x (NaN stays NaN). Piecewise constant, so its gradient is 0.
 *
 * @example
 * sign(tensor([-3, 0, 2])); // [-1, 0, 1]
 */
export const sign = unaryOp('sign', noGradient);
// d x² = 2x dx
/**
 * x² elementwise (`pow(x, 2)` with a simpler gradient, 2x).
 *
 * @example
 * square(tensor([-3, 0.5])); // [9, 0.25]
 */
export const square = unaryOp('square', (dy, { inputs: [x] }) => [mul(dy, mul(x, 2))]);
// d(1/x) = −dx / x²
/**
 * 1 / x elementwise; 1/0 is ∞ (no error), as IEEE.
 *
 * @example
 * reciprocal(tensor([2, 0.5, 0])); // [0.5, 2, Infinity]
 */
export const reciprocal = unaryOp('reciprocal', (dy, { output: y }) => [neg(mul(dy, square(y)))]);
// floor, ceil and round are piecewise constant: their gradient is 0 everywhere it exists (as PyTorch).
/**
 * The largest integer ≤ x. Its gradient is 0 (PyTorch likewise); use `customVjp` for a straight-through estimator.
 *
 * @example
 * floor(tensor([1.7, -1.2])); // [1, -2]
 */
export const floor = unaryOp('floor', noGradient);
/**
 * The smallest integer ≥ x. Its gradient is 0, as floor's.
 *
 * @example
 * ceil(tensor([1.2, -1.7])); // [2, -1]
 */
export const ceil = unaryOp('ceil', noGradient);
/**
 * x rounded to the nearest integer, halves to even (as NumPy and PyTorch; Math.round rounds them up). Gradient 0.
 *
 * @example
 * round(tensor([0.5, 1.5, 2.5, -0.5, 1.4])); // [0, 2, 2, -0, 1]
 */
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
/**
 * Elementwise `cond ≠ 0 ? a : b`, all three broadcast together; `a` and `b` may be numbers. `cond` may be
 * any numeric mask (PyTorch wants bool) and gets no gradient; a and b get dy where they were chosen, 0
 * elsewhere. A NaN in the branch not taken does not leak into the value, but `0 · NaN` in a gradient
 * written by hand still would: mask the input first (`where(ok, x, 1)`).
 *
 * @example
 * const x = tensor([-2, 0.5, 3]);
 * where(gt(x, 0), x, 0); // [0, 0.5, 3]
 */
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
/**
 * Limits x to [min, max]; either bound may be null/undefined (no limit on that side). The gradient
 * passes where min ≤ x ≤ max, bounds included (as PyTorch's `clamp`). A NaN bound is an error.
 *
 * @example
 * clamp(tensor([-2, 0.5, 3]), 0, 1); // [0, 0.5, 1]
 * clamp(tensor([-2, 3]), null, 1); // [-2, 1]
 */
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
/**
 * The same values in another dtype, `'float32'` or `'float64'` (returns x itself when it already has
 * it). Differentiable: the gradient is cast back to x's dtype.
 *
 * @example
 * const x = astype(tensor([0.1]), 'float64'); // the float32 value 0.1 widened, 0.10000000149011612
 * x.dtype; // 'float64'
 */
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

/**
 * The value of x with no gradient flowing back through it (JAX's stop_gradient, PyTorch's `detach()`).
 * It shares x's data.
 *
 * @example
 * const x = tensor([3], { requiresGrad: true });
 * const y = mul(x, stopGradient(x)); // x · x, but only the first factor is differentiated
 * y.backward(tensor([1]));
 * x.grad; // [3]  (not 6)
 */
export const stopGradient = (x: Tensor): Tensor => expectTensor('stopGradient', x).detach();
