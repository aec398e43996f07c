import { alloc, promote } from '../dtype.js';
import { ShapeError, fmtShape } from '../errors.js';
import { kernels } from '../kernels/index.js';
import { normAxes, normAxis, sameShape, sizeOf } from '../shape.js';
import { apply } from '../tape.js';
import { Tensor } from '../tensor.js';
import { abs, add, div, lt, mul, neg, sub, where } from './arith.js';
import { defineOp, expectTensor } from './define.js';
import { reshape, type Axis } from './layout.js';
import { keptShape, max, sum } from './reduce.js';
import { exp, log } from './unary.js';

/**
 * log Σ exp(x) over `axis` (all axes by default, where PyTorch requires `dim`; `keepdims` as `sum`),
 * without overflow (the max is subtracted first). A slice of all −∞ gives −∞, not NaN.
 *
 * @example
 * logsumexp(tensor([1000, 1000])); // 1000.693  (log(2e^1000) = 1000 + log 2; exp would overflow)
 * logsumexp(tensor([[0, 0], [1, 1]]), 1); // [0.6931, 1.6931]
 */
export function logsumexp(x: Tensor, axis?: Axis | null, keepdims = false): Tensor {
  expectTensor('logsumexp', x);
  const axes = normAxes('logsumexp', axis, x.ndim);
  const m = max(x, axes, true).detach();
  const shift = where(lt(abs(m), Infinity), m, 0); // an all −∞ slice stays −∞ rather than NaN
  const r = add(log(sum(exp(sub(x, shift)), axes, true)), shift);
  return keepdims ? r : reshape(r, x.shape.filter((_, i) => !axes.includes(i)));
}

/**
 * e^x / Σ e^x along `axis` (default −1, where PyTorch requires `dim`; the notes' classes-in-rows layout,
 * A of shape [classes, m], uses axis 0). Stable for large logits (the max is subtracted first).
 *
 * @example
 * softmax(tensor([1, 2, 3])); // [0.0900, 0.2447, 0.6652]
 * softmax(tensor([[1, 0], [1, 0]]), 0); // [[0.5, 0.5], [0.5, 0.5]]  (each column sums to 1)
 */
export function softmax(x: Tensor, axis = -1): Tensor {
  const a = normAxis('softmax', axis, expectTensor('softmax', x).ndim);
  const e = exp(sub(x, max(x, a, true).detach()));
  return div(e, sum(e, a, true));
}

/**
 * log softmax(x) along `axis` (default −1), computed as x − logsumexp(x), so it stays finite where
 * `log(softmax(x))` underflows to −∞.
 *
 * @example
 * logSoftmax(tensor([0, 0])); // [-0.6931, -0.6931]
 * logSoftmax(tensor([0, -200])); // [0, -200]
 */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  const a = normAxis('logSoftmax', axis, expectTensor('logSoftmax', x).ndim);
  return sub(x, logsumexp(x, a, true));
}

/**
 * Softmax cross-entropy fused: ℓ = −Σ_axis y ⊙ log softmax(z) in one pass, and its z-gradient in one
 * more. As composites these are a dozen ops each way (max, shift, exp, sum, log, …), each with its own
 * array; fused, a classifier's loss and its backward step are one op each.
 */
// dℓ = g·(softmax(z)·Σy − y) dz − g·log softmax(z) dy, with g the per-slice cotangent
export const softmaxCrossEntropyOp = defineOp<'softmaxCrossEntropy', { axis: number }>('softmaxCrossEntropy', {
  forward: ([z, y], { axis }) => {
    const shape = z.shape.filter((_, i) => i !== axis);
    const out = alloc(promote(z.dtype, y.dtype), sizeOf(shape));
    kernels.softmaxCrossEntropy(z.data, y.data, z.shape, axis, out);
    return new Tensor(out, shape);
  },
  vjp: (g, { inputs: [z, y], attrs: { axis } }, needs) => [
    needs[0] ? softmaxCrossEntropyGrad(z, y, g, axis) : null,
    needs[1] ? neg(mul(reshape(g, keptShape(z.shape, [axis])), logSoftmax(z, axis))) : null,
  ],
});
// G = g·(σ s − y) with s = softmax(z), σ = Σy; with u = Σ dG ⊙ s over the axis:
// dz = g σ s ⊙ (dG − u),  dy = g (u − dG),  dg = Σ dG ⊙ (σ s − y)   (written with ops, so differentiable again)
export const softmaxCrossEntropyGradOp = defineOp<'softmaxCrossEntropyGrad', { axis: number }>('softmaxCrossEntropyGrad', {
  forward: ([z, y, g], { axis }) => {
    const out = alloc(promote(promote(z.dtype, y.dtype), g.dtype), z.size);
    kernels.softmaxCrossEntropyGrad(z.data, y.data, g.data, z.shape, axis, out);
    return new Tensor(out, z.shape);
  },
  vjp: (dG, { inputs: [z, y, g], attrs: { axis } }, needs) => {
    const s = softmax(z, axis);
    const gk = reshape(g, keptShape(z.shape, [axis]));
    const sigma = sum(y, axis, true);
    const u = sum(mul(dG, s), axis, true);
    return [
      needs[0] ? mul(mul(gk, sigma), mul(s, sub(dG, u))) : null,
      needs[1] ? mul(gk, sub(u, dG)) : null,
      needs[2] ? sum(mul(dG, sub(mul(s, sigma), y)), axis) : null,
    ];
  },
});

/**
 * Softmax cross-entropy of logits z against target distributions y (one-hot or soft labels, the shape
 * of z) along `axis`: ℓ = −Σ_axis y ⊙ log softmax(z), one loss per slice, so the result has z's shape
 * without the axis. One fused op, stable for any finite logits (the max is subtracted); its gradient
 * with respect to z is softmax(z)·Σy − y, which is softmax(z) − y for one-hot labels.
 *
 * @example
 * // classes in rows, one example per column (the notes' layout): 3 classes, 2 examples
 * const Z = tensor([[1, 0], [2, 0], [3, 0]]), Y = tensor([[0, 1], [0, 0], [1, 0]]);
 * softmaxCrossEntropyWithLogits(Z, Y, 0).toArray(); // [log(e + e² + e³) − 3, log 3]
 */
export function softmaxCrossEntropyWithLogits(z: Tensor, y: Tensor, axis = -1): Tensor {
  const op = 'softmaxCrossEntropyWithLogits';
  expectTensor(op, z, 'z');
  expectTensor(op, y, 'y');
  if (!sameShape(z.shape, y.shape)) throw new ShapeError(op, `y has shape ${fmtShape(y.shape)} but z has ${fmtShape(z.shape)}; they must be equal`, 'y');
  return apply(softmaxCrossEntropyOp, [z, y], { axis: normAxis(op, axis, z.ndim) });
}

/** @internal g · (softmax(z)·Σy − y) along `axis`: softmax cross-entropy's z-gradient, g one value per slice. */
export const softmaxCrossEntropyGrad = (z: Tensor, y: Tensor, g: Tensor, axis: number): Tensor =>
  apply(softmaxCrossEntropyGradOp, [z, y, g], { axis });
