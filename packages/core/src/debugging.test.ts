/** Anomaly mode, hooks and the growing-graph warning (issue 12, items 1, 2 and 6). */
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  AnomalyError, detectAnomaly, grad, isAnomalyEnabled, matmul, noGrad, setDetectAnomaly, sigmoid, tensor, Tensor,
  TapegradError,
} from '@tapegrad/core';
import { errorOf } from './errors.testkit.js';
import { resetGrowthWarning } from './growth.js';

const f64 = (data: number[] | number[][], requiresGrad = false) => tensor(data, { dtype: 'float64', requiresGrad });
const catchError = (fn: () => unknown): AnomalyError => errorOf<AnomalyError>(fn);

describe('anomaly mode', () => {
  afterEach(() => setDetectAnomaly(false));

  it('raises at the first op whose output is non-finite, forward, with the source line in this file', () => {
    const x = f64([0, 1], true);
    const e = catchError(() => detectAnomaly(() => x.log().named('logx').sum()));
    expect(e).toBeInstanceOf(AnomalyError);
    expect(e.phase).toBe('forward');
    expect(e.op).toBe('log');
    expect(e.message).toMatch(/^log: forward output \[2\] float64 has -Infinity at flat index 0; inputs: input 0 \[2\] float64/);
    expect(e.location).toMatch(/debugging\.test\.ts:\d+:\d+$/);
    expect(e.message).toContain('debugging.test.ts:');
    expect(isAnomalyEnabled()).toBe(false); // off again after detectAnomaly
  });

  it('raises at the op whose VJP makes the first NaN, backward, naming its user name and where it was recorded', () => {
    // sqrt(x²) at 0: forward is finite (0), its VJP divides by 2·sqrt(0) = 0 → ∞, then ∞ · 0 = NaN
    const x = f64([0, 2], true);
    const e = catchError(() => detectAnomaly(() => {
      const y = x.square().sqrt().named('norm');
      y.sum().backward();
    }));
    expect(e.phase).toBe('backward');
    expect(e.op).toBe('sqrt');
    expect(e.message).toMatch(/^sqrt: the VJP of 'norm' gave the gradient of input 0 Infinity at flat index 0; inputs: input 0 \[2\] float64; the op was recorded at .*debugging\.test\.ts:\d+:\d+$/);
    expect(x.grad).toBe(null); // an error leaves .grad untouched
  });

  it('is off by default (NaN flows silently), and the global switch turns it on', () => {
    const x = f64([-1], true);
    expect(Number.isNaN(x.sqrt().item())).toBe(true);
    expect(setDetectAnomaly(true)).toBe(false);
    expect(() => x.sqrt()).toThrow(AnomalyError);
    expect(() => setDetectAnomaly('yes' as unknown as boolean)).toThrow(TapegradError);
  });

  it('raises inside grad too, and says when an input was already non-finite', () => {
    const e = catchError(() => detectAnomaly(() => grad((t: Tensor) => t.mul(2).sum())(f64([NaN, 1]))));
    expect(e.op).toBe('mul');
    expect(e.message).toContain('input 0 [2] float64 (already non-finite)');
  });
});

describe('hooks', () => {
  it('see and replace the gradient into a leaf and into an intermediate, and are removed', () => {
    const W = f64([[1, 2]], true), x = f64([[3], [4]]);
    const seen: number[][] = [];
    const h1 = W.registerHook((g) => { seen.push(Array.from(g.data)); return g.mul(10); });
    const Z = matmul(W, x);
    const h2 = Z.registerHook((g) => g.mul(0.5)); // dZ halved before matmul's VJP uses it
    Z.sum().backward();
    expect(seen).toEqual([[1.5, 2]]);               // dW = 0.5·xᵀ, seen before the leaf hook scales it
    expect(Array.from(W.grad!.data)).toEqual([15, 20]);
    h1.remove();
    h2.remove();
    h1.remove(); // twice is harmless
    W.zeroGrad();
    matmul(W, x).sum().backward();
    expect(Array.from(W.grad!.data)).toEqual([3, 4]);
  });

  it('work in transforms (on tensors computed inside the function) and with createGraph', () => {
    const dx = grad((t: Tensor) => {
      const y = t.square();
      y.registerHook((g) => g.mul(3));
      return y.sum();
    })(f64([1, 2]));
    expect(Array.from(dx.data)).toEqual([6, 12]);
    const x = f64([2], true);
    const y = x.pow(3);
    y.registerHook((g) => g.mul(2));
    y.sum().backward(undefined, { createGraph: true }); // dx = 2 · 3x² = 24, recorded
    expect(x.grad!.item()).toBe(24);
    expect(x.grad!.requiresGrad).toBe(true);
  });

  it('refuse bad hooks with typed errors', () => {
    expect(() => f64([1]).registerHook((g) => g)).toThrow("registerHook: argument 'tensor': this tensor does not require grad");
    const x = f64([1, 2], true);
    const h = x.registerHook(() => f64([1]));
    expect(() => x.sum().backward()).toThrow("registerHook: argument 'fn': a hook must return nothing or a Tensor of the gradient's shape [2], got [1]");
    h.remove();
    expect(() => x.registerHook(3 as unknown as () => undefined)).toThrow(TapegradError);
  });
});

describe('the growing-graph warning', () => {
  afterEach(() => vi.restoreAllMocks());

  it('fires once on parameters updated with grad while recording (each step chains the last), naming the link', () => {
    resetGrowthWarning();
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const x = f64([[0.5], [-1]]);
    let W = f64([[0.1, 0.2]], true);
    const f = (w: Tensor) => sigmoid(matmul(w, x)).sum();
    for (let step = 0; step < 8; step++) W = W.detach().sub(grad(f)(W).mul(0.1)); // the new user's pattern
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0][0])).toMatch(/the graph walked by backward grows from one step to the next .*computed in an earlier step's graph/);
  });

  it('fires on a running loss summed outside noGrad', () => {
    resetGrowthWarning();
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const W = f64([[0.1, 0.2]], true), x = f64([[0.5], [-1]]);
    let total: Tensor = f64([0]);
    for (let step = 0; step < 6; step++) {
      total = total.add(matmul(W, x).sum());
      total.backward();
    }
    expect(warn).toHaveBeenCalledTimes(1);
  });

  it('stays silent on a correct training loop, on jacobian-like re-walks and on grad of grad', () => {
    resetGrowthWarning();
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const x = f64([[0.5], [-1]]);
    const W = f64([[0.1, 0.2]], true);
    for (let step = 0; step < 10; step++) {
      W.zeroGrad();
      const loss = sigmoid(matmul(W, x)).sum();
      loss.backward();
      noGrad(() => W.data.set(W.data.map((w, i) => w - 0.1 * W.grad!.data[i])));
    }
    for (let step = 0; step < 10; step++) grad((t: Tensor) => grad((u: Tensor) => u.pow(3).sum())(t).sum())(f64([1, 2]));
    expect(warn).not.toHaveBeenCalled();
  });
});
