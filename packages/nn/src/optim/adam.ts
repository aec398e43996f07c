import { TapegradError, zerosLike, type Tensor } from '@tapegrad/core';
import { freshLike, wrapLike } from './fused.js';
import { checkOption, makeOptim, Optimizer, type LearningRate, type Optim, type Parameterized } from './optimizer.js';
import { checkBoolean, checkOptions, describeValue } from '../check.js';

/** Options of `adam` and `adamw` (PyTorch's names; defaults as torch.optim.Adam / AdamW). */
export interface AdamOptions {
  /** Learning rate γ, or a schedule (default 0.001). */
  lr?: LearningRate;
  /** Decay rates (β₁, β₂) of the first and second moment estimates (default [0.9, 0.999]). */
  betas?: readonly [number, number];
  /** ε, added outside the square root (default 1e-8). */
  eps?: number;
  /** λ: an L2 penalty added to the gradient for `adam` (default 0), decoupled decay for `adamw` (default 0.01). */
  weightDecay?: number;
  /** Keep the running maximum of v̂ (the AMSGrad variant; default false). */
  amsgrad?: boolean;
}

/** Adam's buffers for one parameter: its own step count t and the moments m, v (and max v for AMSGrad). */
export interface AdamSlot {
  readonly step: number;
  readonly m: Tensor;
  readonly v: Tensor;
  readonly vMax: Tensor | null;
}

function adamFamily(name: 'adam' | 'adamw', options: AdamOptions, decoupled: boolean): Optim<AdamSlot> {
  const { lr = 0.001, betas = [0.9, 0.999], eps = 1e-8, weightDecay = decoupled ? 0.01 : 0 } = checkOptions(name, options);
  if (!Array.isArray(betas) || betas.length !== 2) {
    throw new TapegradError(name, `expected a pair [β₁, β₂] of numbers in [0, 1), got ${describeValue(betas)}`, 'betas');
  }
  const [beta1, beta2] = betas;
  const amsgrad = checkBoolean(name, 'amsgrad', options.amsgrad, false);
  const unitInterval = (v: number) => Number.isFinite(v) && v >= 0 && v < 1;
  checkOption(name, 'betas[0]', beta1, unitInterval, 'a number in [0, 1)');
  checkOption(name, 'betas[1]', beta2, unitInterval, 'a number in [0, 1)');
  checkOption(name, 'eps', eps, (v) => Number.isFinite(v) && v >= 0, 'a finite ε ≥ 0');
  checkOption(name, 'weightDecay', weightDecay, (v) => Number.isFinite(v) && v >= 0, 'a finite weight decay ≥ 0');
  const initSlot = (theta: Tensor): AdamSlot =>
    Object.freeze({ step: 0, m: zerosLike(theta), v: zerosLike(theta), vMax: amsgrad ? zerosLike(theta) : null });

  return makeOptim<AdamSlot>(name, lr, initSlot, (theta0, grad, slot, gamma) => {
    const t = slot.step + 1;
    const th0 = theta0.data, g0 = grad.data, m0 = slot.m.data, v0 = slot.v.data, vMax0 = slot.vMax?.data ?? null;
    const [theta, m, v, vMax = null] = freshLike(theta0, vMax0 === null ? 3 : 4);
    // θ ← θ − γ m̂ / (√v̂ + ε) with m̂ = m / (1 − β₁ᵗ), v̂ = v / (1 − β₂ᵗ), arranged as torch.optim.Adam
    // computes it: θ ← θ − (γ / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε)
    const stepSize = gamma / (1 - beta1 ** t), rootC2 = Math.sqrt(1 - beta2 ** t);
    const shrink = 1 - gamma * weightDecay;
    if (weightDecay === 0 && vMax === null) {
      // the usual case, without the per-element branches (the same arithmetic as the loop below)
      const b1 = beta1, b2 = beta2, c1 = 1 - beta1, c2 = 1 - beta2, e = eps;
      for (let i = 0; i < th0.length; i++) {
        const g = g0[i];
        const mi = m0[i] * b1 + g * c1;
        const vi = v0[i] * b2 + g * g * c2;
        m[i] = mi;
        v[i] = vi;
        theta[i] = th0[i] - stepSize * (mi / (Math.sqrt(vi) / rootC2 + e));
      }
    } else for (let i = 0; i < th0.length; i++) {
      let th = th0[i], g = g0[i];
      if (weightDecay !== 0) {
        // Adam: L2 penalty in the gradient; AdamW: decay the weights themselves, θ ← θ − γλθ (Loshchilov & Hutter).
        if (decoupled) th = th * shrink;
        else g = g + th * weightDecay;
      }
      const mi = m0[i] * beta1 + g * (1 - beta1); // m ← β₁m + (1 − β₁)g
      const vi = v0[i] * beta2 + g * g * (1 - beta2); // v ← β₂v + (1 − β₂)g²
      m[i] = mi;
      v[i] = vi;
      let vUsed = vi;
      if (vMax !== null) vUsed = vMax[i] = Math.max(vMax0![i], vi); // AMSGrad: the running max of v
      theta[i] = th - stepSize * (mi / (Math.sqrt(vUsed) / rootC2 + eps));
    }
    return [
      wrapLike(theta, theta0),
      Object.freeze({ step: t, m: wrapLike(m, theta0), v: wrapLike(v, theta0), vMax: vMax === null ? null : wrapLike(vMax, theta0) }),
    ];
  });
}

/**
 * Adam (Kingma & Ba), as torch.optim.Adam documents it: with g ← g + λθ when weightDecay λ ≠ 0,
 * m ← β₁m + (1 − β₁)g, v ← β₂v + (1 − β₂)g², m̂ = m/(1 − β₁ᵗ), v̂ = v/(1 − β₂ᵗ) (v̂ from the running
 * max of v with amsgrad), θ ← θ − γ·m̂/(√v̂ + ε). Each parameter counts its own t.
 *
 * @example
 * const opt = adam({ lr: 0.01 });
 * let state = opt.init(params);
 * [params, state] = opt.update(grads, state, params);
 */
export function adam(options: AdamOptions = {}): Optim<AdamSlot> {
  return adamFamily('adam', options, false);
}

/**
 * AdamW: Adam with decoupled weight decay, θ ← θ − γλθ before the Adam step (torch.optim.AdamW;
 * weightDecay defaults to 0.01).
 *
 * @example
 * const opt = adamw({ lr: 0.001, weightDecay: 0.05 });
 */
export function adamw(options: AdamOptions = {}): Optim<AdamSlot> {
  return adamFamily('adamw', options, true);
}

/**
 * `adam` bound to a model.
 *
 * @example
 * const optimizer = new Adam(model, { lr: 0.01 });
 * optimizer.zeroGrad();
 * softmaxCrossEntropy(model.forward(x), labels).backward();
 * optimizer.step();
 */
export class Adam extends Optimizer<AdamSlot> {
  constructor(model: Parameterized, options: AdamOptions = {}) {
    super(model, adam(options));
  }
}

/**
 * `adamw` bound to a model.
 *
 * @example
 * const optimizer = new AdamW(model, { lr: 0.001, weightDecay: 0.01 });
 */
export class AdamW extends Optimizer<AdamSlot> {
  constructor(model: Parameterized, options: AdamOptions = {}) {
    super(model, adamw(options));
  }
}
