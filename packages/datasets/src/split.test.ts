import { describe, expect, it } from 'vitest';
import { ShapeError, TapegradError, arange, tensor, type Tensor } from '@tapegrad/core';
import { digits, trainTestSplit } from '@tapegrad/datasets';

// x[f, i] = 100 f + i and y[i] = i, so every column says which example it came from.
const m = 10;
const x = tensor(Array.from({ length: 3 }, (_, f) => Array.from({ length: m }, (_, i) => 100 * f + i)), { dtype: 'float64' });
const y = arange(m, undefined, 1, { dtype: 'float64' });
const columnsOf = (t: Tensor): number[] => Array.from(t.data.subarray(0, t.shape[t.ndim - 1]));

describe('trainTestSplit with every', () => {
  it('puts the examples i with i % every === 0 in the test set, in file order', () => {
    const s = trainTestSplit(x, y, { every: 5 });
    expect(Array.from(s.testIndices)).toEqual([0, 5]);
    expect(Array.from(s.trainIndices)).toEqual([1, 2, 3, 4, 6, 7, 8, 9]);
    expect(s.xTest.toArray()).toEqual([[0, 5], [100, 105], [200, 205]]);
    expect(Array.from(s.yTrain.data)).toEqual([1, 2, 3, 4, 6, 7, 8, 9]);
    expect(s.xTrain.shape).toEqual([3, 8]);
    expect(s.xTrain.dtype).toBe('float64');
  });

  it('runs its TSDoc example: every fifth digit is a test example', () => {
    const d = digits();
    const { xTrain, xTest, yTest, yTrain } = trainTestSplit(d.x, d.y, { every: 5 });
    expect(xTest.shape).toEqual([64, 360]);
    expect(xTrain.shape).toEqual([64, 1437]);
    // NumPy on the file: y[::5][:6] and the first six labels left for training
    expect(Array.from(yTest.data.subarray(0, 6))).toEqual([0, 5, 0, 5, 0, 5]);
    expect(Array.from(yTrain.data.subarray(0, 6))).toEqual([1, 2, 3, 4, 6, 7]);
    expect(yTest.data[359]).toBe(d.y.data[1795]);
    expect(trainTestSplit(d.x, d.y, { testFraction: 0.25, seed: 1 }).testIndices).toHaveLength(450); // ⌈449.25⌉
  });
});

describe('trainTestSplit with a shuffle', () => {
  it('holds out ⌈fraction·m⌉ examples, each example exactly once, columns kept intact', () => {
    const s = trainTestSplit(x, y, { testFraction: 0.25, seed: 3 });
    expect(s.testIndices).toHaveLength(3); // ⌈2.5⌉
    expect(s.trainIndices).toHaveLength(7);
    expect([...s.testIndices, ...s.trainIndices].sort((a, b) => a - b)).toEqual(Array.from({ length: m }, (_, i) => i));
    expect(columnsOf(s.yTest)).toEqual(Array.from(s.testIndices));
    expect(columnsOf(s.xTrain)).toEqual(Array.from(s.trainIndices));
    const xt = s.xTest.toArray() as number[][];
    expect(xt[2]).toEqual(Array.from(s.testIndices, (i) => 200 + i));
  });

  it('is reproducible from its seed and defaults to seed 0 and a fifth', () => {
    const a = trainTestSplit(x, y, { seed: 7 }), b = trainTestSplit(x, y, { seed: 7 });
    expect(Array.from(a.testIndices)).toEqual(Array.from(b.testIndices));
    expect(Array.from(trainTestSplit(x, y).testIndices)).toEqual(Array.from(trainTestSplit(x, y, { seed: 0, testFraction: 0.2 }).testIndices));
    expect(trainTestSplit(x, y).testIndices).toHaveLength(2);
    // 20 seeds cannot all pick the same pair out of 45
    const picks = new Set(Array.from({ length: 20 }, (_, s) => Array.from(trainTestSplit(x, y, { seed: s }).testIndices).join()));
    expect(picks.size).toBeGreaterThan(1);
  });

  it('splits one-hot targets [K, m] by their columns too', () => {
    const Y = tensor([[1, 0, 0, 1], [0, 1, 1, 0]]);
    const s = trainTestSplit(tensor([[10, 11, 12, 13]]), Y, { every: 2 });
    expect(s.yTest.toArray()).toEqual([[1, 0], [0, 1]]);
    expect(s.yTrain.toArray()).toEqual([[0, 1], [1, 0]]);
  });
});

describe('trainTestSplit errors', () => {
  it('name the function and the argument', () => {
    expect(() => trainTestSplit(x, arange(9))).toThrow(ShapeError);
    expect(() => trainTestSplit(x, arange(9))).toThrow(/^trainTestSplit: argument 'y': x has 10 examples \(shape \[3, 10\]\) but y has 9/);
    for (const f of [0, 1, -0.5, 1.5, NaN]) {
      expect(() => trainTestSplit(x, y, { testFraction: f })).toThrow(new RegExp(`argument 'testFraction': testFraction must be in \\(0, 1\\), got ${f}`));
    }
    expect(() => trainTestSplit(tensor([[1, 2]]), tensor([0, 1]), { testFraction: 0.9 })).toThrow(/leaves no training examples/);
    expect(() => trainTestSplit(x, y, { every: 1 })).toThrow(/argument 'every': every must be an integer ≥ 2, got 1/);
    expect(() => trainTestSplit(x, y, { every: 2.5 })).toThrow(TapegradError);
    expect(() => trainTestSplit(x, y, { every: 5, seed: 1 })).toThrow(/do not combine it with testFraction or seed/);
    expect(() => trainTestSplit(x, y, { seed: 0.5 })).toThrow(/argument 'seed'/);
    expect(() => trainTestSplit(tensor([[1]]), tensor([0]))).toThrow(/at least 2 examples/);
    expect(() => trainTestSplit(tensor(3), y)).toThrow(/argument 'x': expected examples on the last axis/);
  });
});
