import { describe, expect, it } from 'vitest';
import { OrderedMap } from 'immutable';
import { tensor } from '@tapegrad/core';
import { adam, adamw, Adam, type AdamOptions, type Optim, type TensorMap } from '@tapegrad/nn';
import { f64, run, close, gradOf, checkAgainstReference } from './known-steps.testkit.js';

describe('adam: known steps computed by hand (γ = 0.1, β = (0.9, 0.999))', () => {
  it('two steps, ε = 0: bias correction makes the first step exactly γ·sign(g)', () => {
    // t = 1, g = 2:  m = 0.2, v = 0.004, m̂ = 2, v̂ = 4 → θ = 0 − 0.1·2/2 = −0.1
    // t = 2, g = −1: m = 0.18 − 0.1 = 0.08, v = 0.003996 + 0.001 = 0.004996, m̂ = 0.08/0.19, v̂ = 0.004996/0.001999
    const theta2 = -0.1 - (0.1 * (0.08 / 0.19)) / Math.sqrt(0.004996 / 0.001999);
    close(run(adam({ lr: 0.1, eps: 0 }), [0], [[2], [-1]]), [[-0.1], [theta2]]);
  });
  it('ε sits outside the square root: θ₁ = θ₀ − γ·g/(|g| + ε)', () => {
    close(run(adam({ lr: 0.1 }), [1, 1], [[0.5, -4]]), [[1 - (0.1 * 0.5) / (0.5 + 1e-8), 1 + (0.1 * 4) / (4 + 1e-8)]]);
  });
  it('weightDecay in Adam is an L2 term in the gradient; in AdamW it decays θ by γλθ', () => {
    // θ₀ = 1, g = 2, λ = 0.5. Adam: g = 2.5, first step γ·sign → 0.9. AdamW: θ·(1 − 0.05) = 0.95, then − 0.1 → 0.85.
    close(run(adam({ lr: 0.1, eps: 0, weightDecay: 0.5 }), [1], [[2]]), [[0.9]]);
    close(run(adamw({ lr: 0.1, eps: 0, weightDecay: 0.5 }), [1], [[2]]), [[0.85]]);
  });
  it('amsgrad keeps the largest v', () => {
    // g = 2 then 0: v = 0.004 then 0.003996, so max v = 0.004; m = 0.2 then 0.18.
    const plain = -0.1 - (0.1 * (0.18 / 0.19)) / Math.sqrt(0.003996 / 0.001999);
    const ams = -0.1 - (0.1 * (0.18 / 0.19)) / Math.sqrt(0.004 / 0.001999);
    close(run(adam({ lr: 0.1, eps: 0 }), [0], [[2], [0]]), [[-0.1], [plain]]);
    close(run(adam({ lr: 0.1, eps: 0, amsgrad: true }), [0], [[2], [0]]), [[-0.1], [ams]]);
  });
  it('AdamW defaults to weightDecay 0.01, Adam to 0', () => {
    close(run(adamw({ lr: 0.1, eps: 0 }), [1], [[2]]), [[1 * (1 - 0.1 * 0.01) - 0.1]]);
    close(run(adam({ lr: 0.1, eps: 0 }), [1], [[2]]), [[0.9]]);
  });
});

/** torch.optim.Adam / AdamW on plain numbers, one element at a time. */
function referenceAdam(o: Required<Omit<AdamOptions, 'lr'>> & { lr: number }, decoupled: boolean) {
  const st = new Map<string, { m: number; v: number; vMax: number }>();
  const [b1, b2] = o.betas;
  return (key: string, theta0: number, grad: number, t: number): number => {
    const s = st.get(key) ?? { m: 0, v: 0, vMax: 0 };
    let theta = theta0, g = grad;
    if (decoupled) theta = theta * (1 - o.lr * o.weightDecay);
    else g = g + o.weightDecay * theta;
    s.m = b1 * s.m + (1 - b1) * g;
    s.v = b2 * s.v + (1 - b2) * g * g;
    s.vMax = Math.max(s.vMax, s.v);
    st.set(key, s);
    const mHat = s.m / (1 - b1 ** t);
    const vHat = (o.amsgrad ? s.vMax : s.v) / (1 - b2 ** t);
    return theta - (o.lr * mHat) / (Math.sqrt(vHat) + o.eps);
  };
}

describe('adam and adamw against a scalar reference over 5 steps, two parameters, float64', () => {
  const cases: [string, Required<Omit<AdamOptions, 'lr'>>][] = [
    ['adam', { betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false }],
    ['adam', { betas: [0.8, 0.99], eps: 1e-3, weightDecay: 0.1, amsgrad: false }],
    ['adam', { betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: true }],
    ['adamw', { betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0.1, amsgrad: false }],
    ['adamw', { betas: [0.5, 0.9], eps: 1e-6, weightDecay: 0.3, amsgrad: true }],
  ];
  it.each(cases)('%s %o', (name, c) => {
    const o = { lr: 0.05, ...c };
    const opt = (name === 'adam' ? adam : adamw)(o);
    const ref = referenceAdam(o, name === 'adamw');
    checkAgainstReference(opt, ref, 5);
  });
});

describe('adam bookkeeping', () => {
  it('counts t per parameter: a parameter without a gradient is skipped and keeps t = 0', () => {
    const opt = adam({ lr: 0.1, eps: 0 });
    let params: TensorMap = OrderedMap({ a: f64([0]), b: f64([0]) });
    let state = opt.init(params);
    [params, state] = opt.update(OrderedMap({ a: f64([2]) }), state, params);
    expect(params.get('b')!.data[0]).toBe(0);
    expect(state.slots.get('b')!.step).toBe(0);
    expect(state.slots.get('a')!.step).toBe(1);
    // b's first update gets the t = 1 bias correction: exactly γ·sign(g)
    [params, state] = opt.update(OrderedMap({ a: f64([2]), b: f64([-3]) }), state, params);
    expect(params.get('b')!.data[0]).toBeCloseTo(0.1, 15);
    expect(state.step).toBe(2);
  });

  it('keeps float32 parameters float32, and the old state is untouched by an update', () => {
    const opt = adam({ lr: 0.1 });
    const params: TensorMap = OrderedMap({ w: tensor([1, 2]) });
    const state = opt.init(params);
    const [next, nextState] = opt.update(OrderedMap({ w: tensor([1, 1]) }), state, params);
    expect(next.get('w')!.dtype).toBe('float32');
    expect(nextState.slots.get('w')!.m.dtype).toBe('float32');
    expect(Array.from(state.slots.get('w')!.m.data)).toEqual([0, 0]);
    expect(Object.isFrozen(nextState)).toBe(true);
  });

  it('Adam bound to a model steps from .grad', () => {
    const model = {
      params: OrderedMap({ w: tensor([3], { dtype: 'float64', requiresGrad: true }) }) as TensorMap,
      parameters() { return this.params; },
      setParameters(p: TensorMap) { this.params = p.map((t) => t.detach().setRequiresGrad(true)); },
    };
    const optimizer = new Adam(model, { lr: 0.25, eps: 0 });
    model.parameters().get('w')!.square().sum().backward();
    optimizer.step();
    expect(model.parameters().get('w')!.data[0]).toBe(2.75);
  });

  it('rejects bad betas and eps, naming the option', () => {
    expect(() => adam({ betas: [1, 0.999] })).toThrow(/adam: argument 'betas\[0\]'/);
    expect(() => adamw({ eps: -1 })).toThrow(/adamw: argument 'eps'/);
    expect(() => adam({ lr: -0.1 })).toThrow(/adam: argument 'lr'/);
  });
});
