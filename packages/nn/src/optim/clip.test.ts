import { describe, expect, it } from 'vitest';
import { OrderedMap } from 'immutable';
import { TapegradError, tensor } from '@tapegrad/core';
import { clipGradNorm, clipGrads, globalNorm } from '@tapegrad/nn';

const f64 = (xs: number[]) => tensor(xs, { dtype: 'float64' });

describe('clipping by global norm', () => {
  it('the norm is taken over all gradients together', () => {
    // ‖(3, 4, 12)‖ = 13
    expect(globalNorm([f64([3, 4]), f64([12])])).toBe(13);
  });

  it('clipGrads scales by maxNorm/(norm + 1e-6) when the norm is larger, and returns the old norm', () => {
    const [clipped, norm] = clipGrads(OrderedMap({ a: f64([3, 4]), b: f64([12]) }), 6.5);
    expect(norm).toBe(13);
    const coef = 6.5 / (13 + 1e-6);
    expect(Array.from(clipped.get('a')!.data)).toEqual([3 * coef, 4 * coef]);
    expect(clipped.get('b')!.data[0]).toBe(12 * coef);
    expect(globalNorm(clipped.values())).toBeCloseTo(6.5, 6);
  });

  it('leaves gradients below the limit as they are', () => {
    const grads = OrderedMap({ a: f64([0.3, 0.4]) });
    const [clipped, norm] = clipGrads(grads, 1);
    expect(norm).toBeCloseTo(0.5, 15);
    expect(clipped).toBe(grads);
  });

  it('clipGradNorm replaces each parameter .grad with a scaled copy and returns the norm', () => {
    const a = tensor([1, 1], { dtype: 'float64', requiresGrad: true });
    const b = tensor([2], { dtype: 'float64', requiresGrad: true });
    const unused = tensor([7], { dtype: 'float64', requiresGrad: true });
    a.mul(a).sum().add(b.mul(b).sum()).backward(); // da = (2, 2), db = 4 → ‖·‖ = √24
    const old = a.grad!;
    const norm = clipGradNorm(OrderedMap({ a, b, unused }), 1);
    expect(norm).toBeCloseTo(Math.sqrt(24), 14);
    const coef = 1 / (Math.sqrt(24) + 1e-6);
    expect(a.grad!.data[0]).toBeCloseTo(2 * coef, 15);
    expect(b.grad!.data[0]).toBeCloseTo(4 * coef, 15);
    expect(unused.grad).toBeNull();
    expect(Array.from(old.data)).toEqual([2, 2]); // the old gradient tensor was not mutated
  });

  it('rejects a non-positive maxNorm', () => {
    expect(() => clipGrads(OrderedMap({ a: f64([1]) }), 0)).toThrow(/clipGradNorm: argument 'maxNorm'/);
  });

  it('a NaN norm propagates into every gradient, an infinite one scales them by 0 (as PyTorch)', () => {
    const [nan, n1] = clipGrads(OrderedMap({ a: f64([NaN, 1]), b: f64([2]) }), 1);
    expect(n1).toBeNaN();
    expect([...nan.values()].flatMap((g) => Array.from(g.data))).toEqual([NaN, NaN, NaN]);
    const [inf, n2] = clipGrads(OrderedMap({ a: f64([Infinity, 1]), b: f64([2]) }), 1);
    expect(n2).toBe(Infinity);
    expect([...inf.values()].flatMap((g) => Array.from(g.data))).toEqual([NaN, 0, 0]);
    const p = f64([0, 0]).setRequiresGrad(true);
    p.grad = f64([NaN, 3]);
    expect(clipGradNorm([p], 1)).toBeNaN();
    expect(Array.from(p.grad.data)).toEqual([NaN, NaN]);
  });

  it('errorIfNonfinite: a non-finite norm is a TapegradError and the gradients stay as they were', () => {
    const grads = OrderedMap({ a: f64([NaN, 1]) });
    expect(() => clipGrads(grads, 1, { errorIfNonfinite: true })).toThrow(TapegradError);
    expect(() => clipGrads(grads, 1, { errorIfNonfinite: true })).toThrow(/clipGrads: argument 'errorIfNonfinite': the gradients' global norm is NaN, so they cannot be clipped/);
    const p = f64([0]).setRequiresGrad(true);
    const g = f64([-Infinity]);
    p.grad = g;
    expect(() => clipGradNorm([p], 1, { errorIfNonfinite: true })).toThrow(/clipGradNorm: .*global norm is Infinity/);
    expect(p.grad).toBe(g);
    expect(clipGrads(OrderedMap({ a: f64([3, 4]) }), 1, { errorIfNonfinite: true })[1]).toBe(5); // finite: clipped as usual
  });
});
