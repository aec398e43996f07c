import { isImmutable } from 'immutable';
import { mul, noGrad, TapegradError, type Tensor } from '@tapegrad/core';
import type { TensorMap } from './optimizer.js';
import { checkBoolean, checkOptions, describeValue } from '../check.js';

/**
 * Gradient clipping by global norm (PyTorch's clip_grad_norm_ with norm_type 2): the norm is taken over
 * all gradients together, ‖g‖ = √(Σ over every element of every gradient of g²), and when it exceeds
 * `maxNorm` every gradient is scaled by maxNorm / (‖g‖ + 1e-6), so their directions are kept.
 *
 * A non-finite norm is not hidden, as in PyTorch: a NaN norm makes every gradient NaN (the scale is
 * NaN), an infinite one scales them by 0 (so an infinite element becomes NaN). With
 * `{ errorIfNonfinite: true }` (PyTorch's `error_if_nonfinite`) a non-finite norm is an error instead,
 * and the gradients are left as they are.
 */

export interface ClipOptions {
  /** Throw a TapegradError when the global norm is NaN or infinite, rather than scale by it (default false). */
  errorIfNonfinite?: boolean;
}

/** PyTorch's guard against dividing by a zero norm. */
const EPS = 1e-6;

/**
 * The global L2 norm of a set of gradients, accumulated in float64.
 *
 * @example
 * globalNorm([tensor([3]), tensor([4])]); // 5
 */
export function globalNorm(grads: Iterable<Tensor>): number {
  let sq = 0;
  for (const g of grads) for (let i = 0; i < g.data.length; i++) sq += g.data[i] * g.data[i];
  return Math.sqrt(sq);
}

function scaleFor(op: string, maxNorm: number, norm: number, options: ClipOptions | undefined): number {
  if (typeof maxNorm !== 'number' || !(maxNorm > 0) || !Number.isFinite(maxNorm)) {
    throw new TapegradError('clipGradNorm', `maxNorm must be a finite number > 0, got ${describeValue(maxNorm)}`, 'maxNorm');
  }
  if (checkBoolean(op, 'errorIfNonfinite', checkOptions(op, options).errorIfNonfinite, false) && !Number.isFinite(norm)) {
    throw new TapegradError(op, `the gradients' global norm is ${norm}, so they cannot be clipped (a NaN or infinite gradient: look for NaN in the data or lower the learning rate)`, 'errorIfNonfinite');
  }
  return Math.min(maxNorm / (norm + EPS), 1); // NaN for a NaN norm: it propagates, as in PyTorch
}

/**
 * Functional clipping: the gradients scaled so their global norm is at most `maxNorm`, and the norm
 * they had before.
 *
 * @example
 * const [clipped, norm] = clipGrads(grads, 1.0);
 * [params, state] = opt.update(clipped, state, params);
 */
export function clipGrads(grads: TensorMap, maxNorm: number, options?: ClipOptions): [TensorMap, number] {
  if (!isImmutable(grads) || typeof (grads as TensorMap).map !== 'function') {
    throw new TapegradError('clipGrads', `expected the gradients as an OrderedMap (as grad of a function of parameters() gives), got ${describeValue(grads)}`, 'grads');
  }
  const norm = globalNorm(grads.values());
  const coef = scaleFor('clipGrads', maxNorm, norm, options);
  return [coef === 1 ? grads : noGrad(() => grads.map((g) => mul(g, coef))), norm];
}

/**
 * Clips the `.grad` of each parameter in place of the old gradient tensors (the tensors themselves are
 * values and are not changed: each `.grad` is replaced by a scaled copy), as PyTorch's
 * `clip_grad_norm_` does, and returns the global norm before clipping. Parameters without a grad are
 * ignored. Pass `model.parameters()`, or any iterable of parameters.
 *
 * @example
 * loss.backward();
 * const norm = clipGradNorm(model.parameters(), 1.0);
 * optimizer.step();
 */
export function clipGradNorm(params: TensorMap | Iterable<Tensor>, maxNorm: number, options?: ClipOptions): number {
  if (params === null || typeof params !== 'object' || !(Symbol.iterator in params)) {
    throw new TapegradError('clipGradNorm', `expected the parameters (model.parameters(), or an iterable of tensors), got ${describeValue(params)}`, 'params');
  }
  const list: Iterable<Tensor> = isImmutable(params) ? (params as TensorMap).values() : params;
  const withGrad = [...list].filter((p) => p.grad !== null);
  const norm = globalNorm(withGrad.map((p) => p.grad as Tensor));
  const coef = scaleFor('clipGradNorm', maxNorm, norm, options);
  if (coef !== 1) noGrad(() => withGrad.forEach((p) => (p.grad = mul(p.grad as Tensor, coef))));
  return norm;
}
