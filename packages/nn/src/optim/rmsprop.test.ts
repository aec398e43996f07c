import { describe, expect, it } from 'vitest';
import { OrderedMap } from 'immutable';
import { tensor } from '@tapegrad/core';
import { rmsprop, RMSprop, type Optim, type RMSpropOptions, type TensorMap } from '@tapegrad/nn';
import { f64, run, close, gradOf, checkAgainstReference } from './known-steps.testkit.js';

describe('rmsprop: known steps computed by hand (θ₀ = 1, g = 1, γ = 0.01, α = 0.99, ε = 0)', () => {
  it('plain: v = 0.01 then 0.0199', () => {
    close(run(rmsprop({ eps: 0 }), [1], [[1], [1]]), [[0.9], [0.9 - 0.01 / Math.sqrt(0.0199)]]);
  });
  it('centered: ṽ = v − gₐᵥₑ² = 0.01 − 0.0001', () => {
    close(run(rmsprop({ eps: 0, centered: true }), [1], [[1]]), [[1 - 0.01 / Math.sqrt(0.0099)]]);
  });
  it('momentum 0.9: b = 10, then 9 + 1/√0.0199', () => {
    const b2 = 9 + 1 / Math.sqrt(0.0199);
    close(run(rmsprop({ eps: 0, momentum: 0.9 }), [1], [[1], [1]]), [[0.9], [0.9 - 0.01 * b2]]);
  });
  it('ε outside the root, and weight decay in the gradient', () => {
    // g = 1 + 0.5·1 = 1.5, v = 0.01·2.25 = 0.0225, √v = 0.15 → θ = 1 − 0.01·1.5/(0.15 + 0.05)
    close(run(rmsprop({ eps: 0.05, weightDecay: 0.5 }), [1], [[1]]), [[1 - (0.01 * 1.5) / 0.2]]);
  });
});

function referenceRmsprop(o: Required<RMSpropOptions> & { lr: number }) {
  const st = new Map<string, { v: number; gAvg: number; b: number }>();
  return (key: string, theta: number, grad: number): number => {
    const s = st.get(key) ?? { v: 0, gAvg: 0, b: 0 };
    const g = grad + o.weightDecay * theta;
    s.v = o.alpha * s.v + (1 - o.alpha) * g * g;
    let vt = s.v;
    if (o.centered) {
      s.gAvg = o.alpha * s.gAvg + (1 - o.alpha) * g;
      vt -= s.gAvg * s.gAvg;
    }
    st.set(key, s);
    if (o.momentum > 0) {
      s.b = o.momentum * s.b + g / (Math.sqrt(vt) + o.eps);
      return theta - o.lr * s.b;
    }
    return theta - (o.lr * g) / (Math.sqrt(vt) + o.eps);
  };
}

describe('rmsprop against a scalar reference over 5 steps, two parameters, float64', () => {
  const cases: Required<Omit<RMSpropOptions, 'lr'>>[] = [
    { alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false },
    { alpha: 0.9, eps: 1e-4, weightDecay: 0.1, momentum: 0, centered: true },
    { alpha: 0.95, eps: 1e-8, weightDecay: 0, momentum: 0.9, centered: false },
    { alpha: 0.8, eps: 1e-6, weightDecay: 0.02, momentum: 0.5, centered: true },
  ];
  it.each(cases)('%o', (c) => {
    const o = { lr: 0.03, ...c };
    const opt = rmsprop(o);
    const ref = referenceRmsprop(o);
    checkAgainstReference(opt, ref, 5);
  });

  it('RMSprop bound to a model, float32 kept', () => {
    const model = {
      params: OrderedMap({ w: tensor([2], { requiresGrad: true }) }) as TensorMap,
      parameters() { return this.params; },
      setParameters(p: TensorMap) { this.params = p.map((t) => t.detach().setRequiresGrad(true)); },
    };
    const optimizer = new RMSprop(model, { lr: 0.01, eps: 0 });
    model.parameters().get('w')!.square().sum().backward(); // g = 4, v = 0.16, step = 4/0.4 = 10
    optimizer.step();
    const w = model.parameters().get('w')!;
    expect(w.dtype).toBe('float32');
    expect(w.data[0]).toBe(Math.fround(1.9));
  });

  it('rejects a bad alpha, naming it', () => {
    expect(() => rmsprop({ alpha: 1.5 })).toThrow(/rmsprop: argument 'alpha'/);
  });
});
