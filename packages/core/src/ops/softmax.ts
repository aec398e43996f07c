import { alloc, promote } from '../dtype.js';
import { logSoftmax, mul, neg, reshape, softmax, softmaxCrossEntropyGrad, sub, sum } from '../functions.js';
import { kernels } from '../kernels/index.js';
import { sizeOf } from '../shape.js';
import { keptShape } from './reduce.js';
import type { OpTable } from './table.js';
import { Tensor } from '../tensor.js';

/**
 * Softmax cross-entropy fused: ℓ = −Σ_axis y ⊙ log softmax(z) in one pass, and its z-gradient in one
 * more. As composites these are a dozen ops each way (max, shift, exp, sum, log, …), each with its own
 * array; fused, a classifier's loss and its backward step are one op each.
 */
export const softmaxOps: OpTable<'softmaxCrossEntropy' | 'softmaxCrossEntropyGrad'> = {
  // dℓ = g·(softmax(z)·Σy − y) dz − g·log softmax(z) dy, with g the per-slice cotangent
  softmaxCrossEntropy: {
    name: 'softmaxCrossEntropy',
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
  },
  // G = g·(σ s − y) with s = softmax(z), σ = Σy; with u = Σ dG ⊙ s over the axis:
  // dz = g σ s ⊙ (dG − u),  dy = g (u − dG),  dg = Σ dG ⊙ (σ s − y)   (written with ops, so differentiable again)
  softmaxCrossEntropyGrad: {
    name: 'softmaxCrossEntropyGrad',
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
  },
};
