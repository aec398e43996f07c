import { zerosLike, type FloatArray, type Tensor } from '@tapegrad/core';
import { freshLike, wrapLike } from './fused.js';
import { checkBoolean, checkOptions } from '../check.js';
import { checkOption, makeOptim, Optimizer, type LearningRate, type Optim, type Parameterized } from './optimizer.js';

/** Options of `rmsprop` (PyTorch's torch.optim.RMSprop, same names and defaults). */
export interface RMSpropOptions {
  /** Learning rate γ, or a schedule (default 0.01). */
  lr?: LearningRate;
  /** Smoothing constant α of the squared-gradient average (default 0.99). */
  alpha?: number;
  /** ε, added outside the square root (default 1e-8). */
  eps?: number;
  /** L2 penalty λ added to the gradient (default 0). */
  weightDecay?: number;
  /** Momentum μ (default 0). */
  momentum?: number;
  /** Normalize by an estimate of the gradient's variance instead of its second moment (default false). */
  centered?: boolean;
}

/** RMSprop's buffers: the square average v, the gradient average (centered) and the momentum buffer. */
export interface RMSpropSlot {
  readonly v: Tensor;
  readonly gAvg: Tensor | null;
  readonly b: Tensor | null;
}

/**
 * RMSprop, as torch.optim.RMSprop documents it:
 *
 *     g ← g + λθ                        (weightDecay λ ≠ 0)
 *     v ← αv + (1 − α)g²;  ṽ = v
 *     centered: gₐᵥₑ ← αgₐᵥₑ + (1 − α)g;  ṽ ← ṽ − gₐᵥₑ²
 *     μ > 0: b ← μb + g/(√ṽ + ε);  θ ← θ − γb
 *     else:  θ ← θ − γ·g/(√ṽ + ε)
 *
 * @example
 * const opt = rmsprop({ lr: 0.01, momentum: 0.9, centered: true });
 * let state = opt.init(params);
 * [params, state] = opt.update(grads, state, params);
 */
export function rmsprop(options: RMSpropOptions = {}): Optim<RMSpropSlot> {
  const { lr = 0.01, alpha = 0.99, eps = 1e-8, weightDecay = 0, momentum = 0 } = checkOptions('rmsprop', options);
  const centered = checkBoolean('rmsprop', 'centered', options.centered, false);
  checkOption('rmsprop', 'alpha', alpha, (v) => Number.isFinite(v) && v >= 0 && v <= 1, 'a number in [0, 1]');
  checkOption('rmsprop', 'eps', eps, (v) => Number.isFinite(v) && v >= 0, 'a finite ε ≥ 0');
  checkOption('rmsprop', 'weightDecay', weightDecay, (v) => Number.isFinite(v) && v >= 0, 'a finite weight decay ≥ 0');
  checkOption('rmsprop', 'momentum', momentum, (v) => Number.isFinite(v) && v >= 0, 'a finite momentum ≥ 0');
  const initSlot = (theta: Tensor): RMSpropSlot =>
    Object.freeze({ v: zerosLike(theta), gAvg: centered ? zerosLike(theta) : null, b: momentum > 0 ? zerosLike(theta) : null });

  return makeOptim<RMSpropSlot>('rmsprop', lr, initSlot, (theta0, grad, slot, gamma) => {
    const th0 = theta0.data, g0 = grad.data, v0 = slot.v.data, gAvg0 = slot.gAvg?.data ?? null, b0 = slot.b?.data ?? null;
    const [theta, v, ...rest] = freshLike(theta0, 2 + (gAvg0 === null ? 0 : 1) + (b0 === null ? 0 : 1));
    const gAvg = gAvg0 === null ? null : rest.shift()!, b = b0 === null ? null : rest.shift()!;
    for (let i = 0; i < th0.length; i++) {
      const g = weightDecay !== 0 ? g0[i] + th0[i] * weightDecay : g0[i];
      const vi = v0[i] * alpha + g * g * (1 - alpha);
      v[i] = vi;
      let vTilde = vi;
      if (gAvg !== null) {
        const ai = gAvg0![i] * alpha + g * (1 - alpha);
        gAvg[i] = ai;
        vTilde = vi - ai * ai;
      }
      const step = g / (Math.sqrt(vTilde) + eps);
      if (b === null) theta[i] = th0[i] - step * gamma;
      else {
        const bi = b0![i] * momentum + step;
        b[i] = bi;
        theta[i] = th0[i] - bi * gamma;
      }
    }
    const wrap = (x: FloatArray | null) => (x === null ? null : wrapLike(x, theta0));
    return [wrapLike(theta, theta0), Object.freeze({ v: wrapLike(v, theta0), gAvg: wrap(gAvg), b: wrap(b) })];
  });
}

/**
 * `rmsprop` bound to a model.
 *
 * @example
 * const optimizer = new RMSprop(model, { lr: 0.001 });
 * optimizer.zeroGrad();
 * mse(model.forward(x), y).backward();
 * optimizer.step();
 */
export class RMSprop extends Optimizer<RMSpropSlot> {
  constructor(model: Parameterized, options: RMSpropOptions = {}) {
    super(model, rmsprop(options));
  }
}
