import { ones } from './creation.js';
import { ShapeError, TapegradError, fmtShape } from './errors.js';
import { add, astype } from './ops/arith.js';
import { sumToShape } from './ops/reduce.js';
import { sameShape } from './shape.js';
import { gradients, type SweepOps } from './sweep.js';
import { noGrad } from './tape.js';
import type { Tensor } from './tensor.js';

/** The ops the sweep accumulates and fits cotangents with (read at call time: no binding is touched at load). */
export const SWEEP_OPS: SweepOps = {
  add: (a, b) => add(a, b),
  sumToShape: (g, shape) => sumToShape(g, shape),
  astype: (x, dtype) => astype(x, dtype),
};

/** `loss.backward(seed)`: accumulates into `.grad` of every tracked leaf; all-or-nothing on error. */
export function backward(loss: Tensor, seed: Tensor | undefined, createGraph: boolean): void {
  if (!loss.requiresGrad) {
    throw new TapegradError('backward', 'this tensor does not require grad and has no recorded ops: nothing to differentiate');
  }
  let s: Tensor;
  if (seed === undefined) {
    if (loss.size !== 1) {
      throw new TapegradError(
        'backward',
        `output has shape ${fmtShape(loss.shape)}, not a scalar: pass a seed (the cotangent) of that shape`,
        'seed',
      );
    }
    s = ones(loss.shape, { dtype: loss.dtype });
  } else {
    if (!sameShape(seed.shape, loss.shape)) {
      throw new ShapeError('backward', `seed has shape ${fmtShape(seed.shape)} but the output has shape ${fmtShape(loss.shape)}`, 'seed');
    }
    s = seed.dtype === loss.dtype ? seed : astype(seed, loss.dtype);
  }
  const grads = gradients([loss], [s], 'leaves', createGraph, SWEEP_OPS);
  // Every new .grad (sums included) is computed before any is assigned, so an error anywhere — in the
  // sweep or in an accumulation — leaves all of them as they were.
  const sums = () => [...grads].map(([leaf, g]) => [leaf, leaf.grad === null ? (createGraph ? g : g.detach()) : add(leaf.grad, g)] as const);
  const updates = createGraph ? sums() : noGrad(sums);
  for (const [leaf, g] of updates) leaf.grad = g;
}
