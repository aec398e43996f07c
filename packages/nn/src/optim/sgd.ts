import type { Tensor } from '@tapegrad/core';
import { freshLike, wrapLike } from './fused.js';
import { checkBoolean, checkOptions } from '../check.js';
import { checkOption, makeOptim, Optimizer, type LearningRate, type Optim, type Parameterized } from './optimizer.js';

/** Options of `sgd` (PyTorch's torch.optim.SGD, same names and defaults). */
export interface SGDOptions {
  /** Learning rate γ, or a schedule (default 0.001). */
  lr?: LearningRate;
  /** Momentum μ (default 0: plain gradient descent). */
  momentum?: number;
  /** Dampening τ of the momentum buffer (default 0). */
  dampening?: number;
  /** L2 penalty λ added to the gradient (default 0). */
  weightDecay?: number;
  /** Nesterov momentum (needs momentum > 0 and dampening 0, as in PyTorch). */
  nesterov?: boolean;
}

/** SGD's buffer: the momentum b, absent until the first update (PyTorch starts it at b₁ = g₁). */
export interface SGDSlot {
  readonly b: Tensor | null;
}

/**
 * Stochastic gradient descent, as torch.optim.SGD documents it:
 *
 *     g ← g + λθ                                  (weightDecay λ ≠ 0)
 *     b ← g at the first step, else μ·b + (1 − τ)·g  (momentum μ ≠ 0)
 *     g ← g + μ·b if nesterov, else b
 *     θ ← θ − γ·g
 *
 * @example
 * const opt = sgd({ lr: 0.1, momentum: 0.9, nesterov: true });
 * let state = opt.init(params);
 * [params, state] = opt.update(grads, state, params);
 */
export function sgd(options: SGDOptions = {}): Optim<SGDSlot> {
  const { lr = 0.001, momentum = 0, dampening = 0, weightDecay = 0 } = checkOptions('sgd', options);
  const nesterov = checkBoolean('sgd', 'nesterov', options.nesterov, false);
  checkOption('sgd', 'momentum', momentum, (v) => Number.isFinite(v) && v >= 0, 'a finite momentum ≥ 0');
  checkOption('sgd', 'dampening', dampening, Number.isFinite, 'a finite dampening');
  checkOption('sgd', 'weightDecay', weightDecay, (v) => Number.isFinite(v) && v >= 0, 'a finite weight decay ≥ 0');
  if (nesterov) {
    checkOption('sgd', 'nesterov', momentum, (v) => v > 0 && dampening === 0, 'momentum > 0 and dampening 0 for Nesterov momentum (momentum shown)');
  }
  return makeOptim<SGDSlot>('sgd', lr, () => Object.freeze({ b: null }), (theta0, grad, slot, gamma) => {
    const th0 = theta0.data, g0 = grad.data, b0 = slot.b?.data ?? null;
    const [theta, b = null] = freshLike(theta0, momentum !== 0 ? 2 : 1);
    for (let i = 0; i < th0.length; i++) {
      let g = weightDecay !== 0 ? g0[i] + th0[i] * weightDecay : g0[i];
      if (b !== null) {
        const bi = b0 === null ? g : b0[i] * momentum + g * (1 - dampening);
        b[i] = bi;
        g = nesterov ? g + bi * momentum : bi;
      }
      theta[i] = th0[i] - g * gamma;
    }
    return [wrapLike(theta, theta0), Object.freeze({ b: b === null ? slot.b : wrapLike(b, theta0) })];
  });
}

/**
 * `sgd` bound to a model, PyTorch style.
 *
 * @example
 * const optimizer = new SGD(model, { lr: 0.5 });
 * optimizer.zeroGrad();
 * mse(model.forward(x), y).backward();
 * optimizer.step();
 */
export class SGD extends Optimizer<SGDSlot> {
  constructor(model: Parameterized, options: SGDOptions = {}) {
    super(model, sgd(options));
  }
}
