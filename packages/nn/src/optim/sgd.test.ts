import { describe, expect, it } from 'vitest';
import { OrderedMap } from 'immutable';
import { tensor, type Tensor } from '@tapegrad/core';
import { sgd, SGD, type Optim, type TensorMap } from '@tapegrad/nn';
import { f64, close, gradOf, checkAgainstReference } from './known-steps.testkit.js';

/** Runs `steps` updates with a constant gradient on a single parameter 'w'; returns θ after each. */
function constantGrad(opt: Optim<any>, theta0: number[], g: number[], steps: number): number[][] {
  let params: TensorMap = OrderedMap({ w: f64(theta0) });
  let state = opt.init(params);
  const out: number[][] = [];
  for (let t = 0; t < steps; t++) {
    [params, state] = opt.update(OrderedMap({ w: f64(g) }), state, params);
    out.push(Array.from(params.get('w')!.data));
  }
  return out;
}

describe('sgd: known steps computed by hand (θ₀ = 1, g = 1, γ = 0.1)', () => {
  it('plain: θ ← θ − γg', () => {
    close(constantGrad(sgd({ lr: 0.1 }), [1, 2], [0.5, -1], 2), [[0.95, 2.1], [0.9, 2.2]]);
  });
  it('momentum 0.9: b₁ = g, then b ← 0.9b + g', () => {
    // b = 1, 1.9, 2.71 → θ = 0.9, 0.71, 0.439
    close(constantGrad(sgd({ lr: 0.1, momentum: 0.9 }), [1], [1], 3), [[0.9], [0.71], [0.439]]);
  });
  it('dampening 0.5: the first step is undamped, then b ← 0.9b + 0.5g', () => {
    // b = 1, 1.4, 1.76 → θ = 0.9, 0.76, 0.584
    close(constantGrad(sgd({ lr: 0.1, momentum: 0.9, dampening: 0.5 }), [1], [1], 3), [[0.9], [0.76], [0.584]]);
  });
  it('nesterov: step along g + μb', () => {
    // b = 1, 1.9, 2.71; g + 0.9b = 1.9, 2.71, 3.439 → θ = 0.81, 0.539, 0.1951
    close(constantGrad(sgd({ lr: 0.1, momentum: 0.9, nesterov: true }), [1], [1], 3), [[0.81], [0.539], [0.1951]]);
  });
  it('weight decay 0.1: g ← g + λθ', () => {
    // g = 1 + 0.1·1 = 1.1 → 0.89;  g = 1 + 0.089 = 1.089 → 0.7811
    close(constantGrad(sgd({ lr: 0.1, weightDecay: 0.1 }), [1], [1], 2), [[0.89], [0.7811]]);
  });
});

/** torch.optim.SGD on plain numbers, one element at a time. */
function referenceSgd(o: { lr: number; momentum: number; dampening: number; weightDecay: number; nesterov: boolean }) {
  const buf = new Map<string, number>();
  return (key: string, theta: number, grad: number, t: number): number => {
    let g = grad + o.weightDecay * theta;
    if (o.momentum !== 0) {
      const b = t === 1 ? g : o.momentum * buf.get(key)! + (1 - o.dampening) * g;
      buf.set(key, b);
      g = o.nesterov ? g + o.momentum * b : b;
    }
    return theta - o.lr * g;
  };
}

describe('sgd against a scalar reference over 4 steps, two parameters, float64', () => {
  const cases = [
    { momentum: 0, dampening: 0, weightDecay: 0, nesterov: false },
    { momentum: 0.9, dampening: 0, weightDecay: 0, nesterov: false },
    { momentum: 0.8, dampening: 0.3, weightDecay: 0.01, nesterov: false },
    { momentum: 0.9, dampening: 0, weightDecay: 0.05, nesterov: true },
  ];
  it.each(cases)('%o', (c) => {
    const o = { lr: 0.07, ...c };
    const opt = sgd(o);
    const ref = referenceSgd(o);
    const state = checkAgainstReference(opt, ref, 4);
    expect(state.step).toBe(4);
  });
});

describe('SGD bound to a model', () => {
  it('reads .grad, updates through setParameters, and matches the functional form', () => {
    const model = {
      params: OrderedMap({ w: tensor([1, -1], { dtype: 'float64', requiresGrad: true }) }) as TensorMap,
      parameters() { return this.params; },
      setParameters(p: TensorMap) { this.params = p.map((t) => t.detach().setRequiresGrad(true)); },
    };
    const optimizer = new SGD(model, { lr: 0.1, momentum: 0.9 });
    for (let t = 0; t < 2; t++) {
      optimizer.zeroGrad();
      const w = model.parameters().get('w') as Tensor;
      w.mul(w).sum().backward(); // g = 2w
      optimizer.step();
    }
    // w = 1: b = 2 → 0.8; g = 1.6, b = 1.8 + 1.6 = 3.4 → 0.46 (and −w for the other element)
    expect(Array.from(model.parameters().get('w')!.data).map((v) => +v.toFixed(12))).toEqual([0.46, -0.46]);
    expect(optimizer.state.step).toBe(2);
  });

  it('rejects Nesterov without momentum or with dampening, as PyTorch does', () => {
    expect(() => sgd({ nesterov: true })).toThrow(/sgd: argument 'nesterov'/);
    expect(() => sgd({ nesterov: true, momentum: 0.9, dampening: 0.1 })).toThrow(/dampening 0/);
    expect(() => sgd({ momentum: -1 })).toThrow(/momentum/);
  });
});
