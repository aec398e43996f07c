/**
 * Reductions (sum, mean, max, min, argmax) and the softmax family with known values. The running example
 * x = 0..23 in shape [2, 3, 4] has x[i][j][k] = 12i + 4j + k, so every sum below is a closed form.
 * softmax of [0, ln 2, ln 3] is [1, 2, 3]/6 exactly, and shifting every input by 1000 must not change it.
 */
import { describe, expect, it } from 'vitest';
import {
  arange, argmax, logsumexp, logSoftmax, max, mean, min, ShapeError, softmax, softmaxCrossEntropyWithLogits, sum, tensor, Tensor,
} from '@tapegrad/core';

const f64 = (data: number[] | number[][]) => tensor(data, { dtype: 'float64' });
const vals = (t: Tensor): number[] => Array.from(t.data);
const x = arange(24, undefined, 1, { dtype: 'float64' }).reshape([2, 3, 4]);
const LN2 = Math.LN2, LN3 = Math.log(3), LN6 = Math.log(6);

function expectClose(t: Tensor, expected: readonly number[], digits = 12): void {
  expect(t.size).toBe(expected.length);
  expected.forEach((e, i) => expect(t.data[i], `element ${i}`).toBeCloseTo(e, digits));
}

describe('sum', () => {
  it('over every axis by default', () => {
    const s = sum(x);
    expect(s.shape).toEqual([]);
    expect(s.item()).toBe(276); // 23·24/2
    expect(sum(x, null).item()).toBe(276);
  });

  it('over one axis, positive or negative', () => {
    // Σ_i (12i + 4j + k) = 12 + 8j + 2k
    expect(sum(x, 0).toArray()).toEqual([[12, 14, 16, 18], [20, 22, 24, 26], [28, 30, 32, 34]]);
    // Σ_k = 4(12i + 4j) + 6
    expect(sum(x, -1).toArray()).toEqual([[6, 22, 38], [54, 70, 86]]);
    expect(sum(x, 2).toArray()).toEqual(sum(x, -1).toArray());
  });

  it('over several axes, given in any order', () => {
    // Σ_{i,k} = 2·4·4j + 4·12 + 2·6 = 32j + 60
    expect(vals(sum(x, [0, 2]))).toEqual([60, 92, 124]);
    expect(vals(sum(x, [-1, 0]))).toEqual([60, 92, 124]);
    expect(vals(sum(x, [0, 1, 2]))).toEqual([276]);
  });

  it('keepdims keeps the reduced axes as size 1', () => {
    expect(sum(x, 1, true).shape).toEqual([2, 1, 4]);
    expect(sum(x, [0, 2], true).toArray()).toEqual([[[60], [92], [124]]]);
    expect(sum(x, undefined, true).shape).toEqual([1, 1, 1]);
    expect(x.sum(-1, true).shape).toEqual([2, 3, 1]);
  });

  it('over no axes is a copy; over an empty axis it is 0, as NumPy', () => {
    expect(sum(x, []).toArray()).toEqual(x.toArray());
    expect(vals(sum(tensor([], { shape: [0, 3] }), 0))).toEqual([0, 0, 0]);
  });

  it('a float32 sum is accumulated in double and rounded once', () => {
    // 1e8 is exact in float32, but 1e8 + 1 is not (spacing 8 there): a float32 accumulator would give 0
    expect(sum(tensor([1e8, 1, -1e8])).item()).toBe(1);
  });

  it('an axis out of range or repeated is a ShapeError naming it and the valid range', () => {
    expect(() => sum(x, 3)).toThrow(ShapeError);
    expect(() => sum(x, 3)).toThrow("sum: argument 'axis': axis 3 is out of range for a tensor of rank 3 (valid: -3..2)");
    expect(() => mean(x, [-4])).toThrow("mean: argument 'axis': axis -4 is out of range for a tensor of rank 3 (valid: -3..2)");
    expect(() => sum(x, [1, -2])).toThrow("sum: argument 'axis': axis 1 is repeated in [1,-2]");
    expect(() => max(x, 1.5)).toThrow('axis 1.5 is out of range');
  });

  it('the gradient of a sum over an axis is broadcast back: d/dx Σ_k x ⊙ w = w', () => {
    const y = f64([[1, 2], [3, 4]]).setRequiresGrad();
    sum(y, 1).mul(f64([10, 20])).sum().backward();
    expect(y.grad!.toArray()).toEqual([[10, 10], [20, 20]]);
  });
});

describe('mean', () => {
  it('is the sum over the count of reduced elements', () => {
    expect(mean(x).item()).toBe(11.5);
    expect(mean(x, 0).toArray()).toEqual([[6, 7, 8, 9], [10, 11, 12, 13], [14, 15, 16, 17]]);
    expect(vals(mean(x, [0, 2]))).toEqual([7.5, 11.5, 15.5]);
    expect(mean(x, -1, true).toArray()).toEqual([[[1.5], [5.5], [9.5]], [[13.5], [17.5], [21.5]]]);
  });

  it('of nothing is NaN (0/0), as NumPy', () => {
    expect(mean(tensor([])).item()).toBeNaN();
  });

  it('the gradient is 1/n for each element', () => {
    const y = f64([[1, 2, 3], [4, 5, 6]]).setRequiresGrad();
    mean(y).backward();
    expectClose(y.grad!, [1 / 6, 1 / 6, 1 / 6, 1 / 6, 1 / 6, 1 / 6]);
  });
});

describe('max and min', () => {
  const m = f64([[3, -1, 7], [2, 9, -4]]);
  it('over all axes, one axis, several axes, with keepdims', () => {
    expect(max(m).item()).toBe(9);
    expect(min(m).item()).toBe(-4);
    expect(vals(max(m, 0))).toEqual([3, 9, 7]);
    expect(vals(min(m, -1))).toEqual([-1, -4]);
    expect(max(m, 1, true).toArray()).toEqual([[7], [9]]);
    expect(vals(max(x, [0, 1]))).toEqual([20, 21, 22, 23]);
    expect(vals(min(x, [2, 0]))).toEqual([0, 4, 8]);
    expect(m.max([0, 1], true).toArray()).toEqual([[9]]);
  });

  it('propagate NaN and handle ±∞', () => {
    expect(max(f64([1, NaN, 3])).item()).toBeNaN();
    expect(min(f64([NaN, 1])).item()).toBeNaN();
    expect(max(f64([-Infinity, -Infinity])).item()).toBe(-Infinity);
  });

  it('over an empty axis is an error (no identity), as NumPy; other axes of an empty tensor are fine', () => {
    const e = tensor([], { shape: [0, 3] });
    expect(() => max(e, 0)).toThrow(ShapeError);
    expect(() => max(e, 0)).toThrow("max: argument 'axis': cannot take the max over an empty axis of shape [0, 3]");
    expect(() => min(e)).toThrow('cannot take the min over an empty axis');
    expect(max(e, 1).shape).toEqual([0]);
  });

  it('the gradient goes to the maximum, shared evenly among ties', () => {
    const y = f64([[1, 5, 5], [2, 0, 1]]).setRequiresGrad();
    max(y, 1).sum().backward();
    expect(y.grad!.toArray()).toEqual([[0, 0.5, 0.5], [1, 0, 0]]);
    const z = f64([4, 4, 4, 1]).setRequiresGrad();
    min(z).backward();
    expect(vals(z.grad!)).toEqual([0, 0, 0, 1]);
  });
});

describe('argmax', () => {
  it('the index of the maximum along an axis, the first one on ties (NumPy, PyTorch)', () => {
    const m = f64([[1, 3, 3], [5, 5, 0], [-1, -2, -1]]);
    expect(vals(argmax(m, 1))).toEqual([1, 0, 0]);
    expect(vals(argmax(m, -1))).toEqual([1, 0, 0]);
    // columns [1, 5, −1], [3, 5, −2], [3, 0, −1]
    expect(vals(argmax(m, 0))).toEqual([1, 1, 0]);
    expect(vals(m.argmax(0))).toEqual([1, 1, 0]);
    expect(vals(argmax(f64([[0, 1], [2, 0], [2, 3]]), 0))).toEqual([1, 2]);
  });

  it('of a vector is a 0-d tensor; it is the same for ±∞ and carries no gradient', () => {
    const v = argmax(f64([-Infinity, -Infinity, -5]), 0);
    expect(v.shape).toEqual([]);
    expect(v.item()).toBe(2);
    expect(argmax(f64([-Infinity, -Infinity]), 0).item()).toBe(0);
    expect(argmax(f64([1, Infinity, Infinity]), 0).item()).toBe(1);
    expect(argmax(f64([1, 2]).setRequiresGrad(), 0).requiresGrad).toBe(false);
  });

  it('a NaN counts as the maximum: the index of the first NaN (np.argmax, torch.argmax)', () => {
    expect(argmax(f64([1, NaN, 3, NaN]), 0).item()).toBe(1);
    expect(vals(argmax(f64([[1, 2], [NaN, 0]]), 1))).toEqual([1, 0]);
  });

  it('argmax of the middle axis of a 3-D tensor', () => {
    const t = tensor([[[1, 9], [5, 2], [5, 9]]]); // [1, 3, 2]
    const a = argmax(t, 1);
    expect(a.shape).toEqual([1, 2]);
    expect(a.toArray()).toEqual([[1, 0]]);
    expect(a.dtype).toBe('float32');
    expect(() => argmax(t, 3)).toThrow("argmax: argument 'axis': axis 3 is out of range for a tensor of rank 3 (valid: -3..2)");
  });
});

describe('softmax, logSoftmax, logsumexp', () => {
  it('softmax of [0, ln 2, ln 3] is [1, 2, 3]/6, and it is the same shifted by 1000 or −1000', () => {
    for (const shift of [0, 1000, -1000]) {
      expectClose(softmax(f64([shift, shift + LN2, shift + LN3])), [1 / 6, 2 / 6, 3 / 6]);
    }
  });

  it('softmax along axis 0 (classes in rows, the notes’ layout) and along −1', () => {
    const Z = f64([[0, 1000], [LN2, 1000], [LN3, 1000]]); // two examples as columns
    const A = softmax(Z, 0);
    expectClose(A, [1 / 6, 1 / 3, 2 / 6, 1 / 3, 3 / 6, 1 / 3]);
    expectClose(softmax(Z.T), [1 / 6, 2 / 6, 3 / 6, 1 / 3, 1 / 3, 1 / 3]);
    expectClose(Z.softmax(0).sum(0), [1, 1]);
  });

  it('softmax in float32 is within 16 roundings (2⁻²⁴ each) of the exact [1, 2, 3]/6', () => {
    // inputs rounded to float32, then x − max, exp, the sum and the quotient each rounded: about ten
    // relative errors of at most 2⁻²⁴ add up along the way; 16·2⁻²⁴ ≈ 9.5e-7 bounds them with margin
    const s = softmax(tensor([0, LN2, LN3]));
    expect(s.dtype).toBe('float32');
    [1 / 6, 2 / 6, 3 / 6].forEach((e, i) => expect(Math.abs(s.data[i] - e) / e).toBeLessThan(16 * 2 ** -24));
  });

  it('softmax is finite at very large inputs in float32 too', () => {
    const s = softmax(tensor([1000, 1000]));
    expect(vals(s)).toEqual([0.5, 0.5]);
    const t = softmax(tensor([-1e30, 0, 1e30]));
    expect(vals(t)).toEqual([0, 0, 1]);
  });

  it('logSoftmax of [0, ln 2, ln 3] is [ln 1/6, ln 1/3, ln 1/2], also shifted by 1000', () => {
    for (const shift of [0, 1000]) {
      expectClose(logSoftmax(f64([shift, shift + LN2, shift + LN3])), [-LN6, LN2 - LN6, LN3 - LN6]);
    }
  });

  it('logSoftmax keeps far-out values that log(softmax) would send to −∞', () => {
    // log σ₀ = −1000 − ln(1 + e⁻¹⁰⁰⁰) = −1000 exactly in float64
    expect(vals(logSoftmax(f64([-1000, 0])))).toEqual([-1000, 0]);
    expect(vals(logSoftmax(f64([[0, -1000], [0, 0]]), 0))).toEqual([-LN2, -1000, -LN2, 0]);
  });

  it('logsumexp known values: ln(1 + 2 + 3) = ln 6, 1000 + ln 2', () => {
    expectClose(logsumexp(f64([0, LN2, LN3])), [LN6]);
    const big = logsumexp(f64([1000, 1000])).item();
    expect(big).toBeCloseTo(1000 + LN2, 12);
    expect(logsumexp(tensor([1000, 1000])).item()).toBe(Math.fround(1000 + LN2));
    expect(logsumexp(f64([-1000, -1000])).item()).toBeCloseTo(-1000 + LN2, 12);
  });

  it('logsumexp over an axis, several axes, with keepdims', () => {
    const y = f64([[0, LN2, LN3], [1000, 1000, -Infinity]]);
    expectClose(logsumexp(y, 1), [LN6, 1000 + LN2]);
    expect(logsumexp(y, -1, true).shape).toEqual([2, 1]);
    // ln Σ e^x over the columns: ln(1 + e¹⁰⁰⁰) = 1000 (to 1e−434), ln(2 + e¹⁰⁰⁰) = 1000, ln 3 + 0
    expectClose(logsumexp(y, 0), [1000, 1000, LN3]);
    expectClose(logsumexp(f64([[0, 0], [0, 0]]), [0, 1]), [Math.log(4)]);
  });

  it('logsumexp of all −∞ stays −∞ (not NaN); a +∞ gives +∞', () => {
    expect(logsumexp(f64([-Infinity, -Infinity])).item()).toBe(-Infinity);
    expect(logsumexp(tensor([-Infinity])).item()).toBe(-Infinity);
    expect(logsumexp(f64([-Infinity, 0])).item()).toBe(0);
    expect(logsumexp(f64([Infinity, 1])).item()).toBe(Infinity);
    expect(vals(logsumexp(f64([[-Infinity, -Infinity], [0, 0]]), 1))).toEqual([-Infinity, LN2]);
  });

  it('gradients: d logsumexp = softmax; d Σ softmax = 0; d logSoftmax_0 = e₀ − softmax', () => {
    const z = f64([0, LN2, LN3]).setRequiresGrad();
    logsumexp(z).backward();
    expectClose(z.grad!, [1 / 6, 2 / 6, 3 / 6]);

    const w = f64([1000, 1000 + LN2, 1000 + LN3]).setRequiresGrad();
    softmax(w).sum().backward();
    expectClose(w.grad!, [0, 0, 0]);

    const v = f64([0, LN2, LN3]).setRequiresGrad();
    logSoftmax(v).mul(f64([1, 0, 0])).sum().backward();
    expectClose(v.grad!, [1 - 1 / 6, -2 / 6, -3 / 6]);
  });
});

describe('softmaxCrossEntropyWithLogits', () => {
  it('the TSDoc example: classes in rows, examples in columns', () => {
    const Z = tensor([[1, 0], [2, 0], [3, 0]]), Y = tensor([[0, 1], [0, 0], [1, 0]]);
    const l = softmaxCrossEntropyWithLogits(Z, Y, 0);
    expect(l.shape).toEqual([2]);
    expect(l.dtype).toBe('float32');
    expect(vals(l)).toEqual([Math.fround(Math.log(Math.E + Math.E ** 2 + Math.E ** 3) - 3), Math.fround(Math.log(3))]);
  });

  it('equals −Σ y ⊙ logSoftmax(z) over the axis (default −1), for soft labels too, and promotes dtypes', () => {
    const of = (f: (i: number) => number) => tensor(Float64Array.from({ length: 24 }, (_, i) => f(i)), { shape: [2, 3, 4] });
    const z = of((i) => 3 * Math.sin(i)), y = of((i) => Math.abs(Math.cos(0.37 * i)));
    for (const axis of [0, 1, -1]) expectClose(softmaxCrossEntropyWithLogits(z, y, axis), vals(y.mul(logSoftmax(z, axis)).sum(axis).neg()), 14);
    expect(softmaxCrossEntropyWithLogits(z, y).shape).toEqual([2, 3]);
    expect(softmaxCrossEntropyWithLogits(tensor([[1, 2]]), f64([[0, 1]])).dtype).toBe('float64');
  });

  it('its gradient is softmax(z)·Σy − y with respect to z and −log softmax(z) with respect to y', () => {
    const z = f64([[0, LN2, LN3]]).setRequiresGrad(), y = f64([[0.5, 0, 1]]).setRequiresGrad();
    softmaxCrossEntropyWithLogits(z, y).sum().backward();
    expectClose(z.grad!, [1.5 / 6 - 0.5, 3 / 6, 4.5 / 6 - 1]);
    expectClose(y.grad!, [LN6, LN6 - LN2, LN6 - LN3]);
  });

  it('z and y must have one shape; the axis must exist', () => {
    expect(() => softmaxCrossEntropyWithLogits(tensor([[1, 2]]), tensor([1, 2]))).toThrow(ShapeError);
    expect(() => softmaxCrossEntropyWithLogits(tensor([[1, 2]]), tensor([1, 2]))).toThrow(
      "softmaxCrossEntropyWithLogits: argument 'y': y has shape [2] but z has [1, 2]; they must be equal",
    );
    expect(() => softmaxCrossEntropyWithLogits(tensor([1, 2]), tensor([0, 1]), 1)).toThrow(ShapeError);
  });
});
