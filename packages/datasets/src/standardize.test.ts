import { describe, expect, it } from 'vitest';
import { ShapeError, tensor, type Tensor } from '@tapegrad/core';
import { digits, standardize, trainTestSplit } from '@tapegrad/datasets';

const close = (t: Tensor, expected: number[][], digits = 4) =>
  (t.toArray() as number[][]).forEach((row, r) => row.forEach((v, c) => expect(v).toBeCloseTo(expected[r][c], digits)));

describe('standardize', () => {
  it('runs its TSDoc example: train statistics applied to both sets, constant rows only centered', () => {
    const r = standardize(tensor([[1, 2, 3], [5, 5, 5]]), tensor([[4], [6]]));
    // mean 2, population std √(2/3) for the first feature; the second is constant 5
    const s = Math.sqrt(2 / 3);
    close(r.train, [[-1 / s, 0, 1 / s], [0, 0, 0]], 6);
    close(r.test, [[2 / s], [1]], 6);
    close(r.mean, [[2], [5]], 6);
    close(r.std, [[s], [1]], 6);
    expect(r.train.dtype).toBe('float32');
    expect(r.mean.shape).toEqual([2, 1]);
  });

  it('gives each non-constant training row mean 0 and std 1 in float64', () => {
    const train = tensor([[0.1, 0.7, -3, 12.5], [1e6, 1e6 + 1, 1e6 + 2, 1e6 + 3]], { dtype: 'float64' });
    const { train: z, test } = standardize(train);
    expect(test).toBeUndefined();
    for (let f = 0; f < 2; f++) {
      const row = Array.from(z.data.subarray(4 * f, 4 * f + 4));
      const mu = row.reduce((a, v) => a + v, 0) / 4;
      expect(mu).toBeCloseTo(0, 12);
      expect(Math.sqrt(row.reduce((a, v) => a + (v - mu) ** 2, 0) / 4)).toBeCloseTo(1, 12);
    }
    // the offset 1e6 does not cancel: (k - 1.5) / √1.25 exactly as for 0..3
    expect(z.data[4]).toBeCloseTo(-1.5 / Math.sqrt(1.25), 9);
  });

  it('maps a constant row that does not average exactly to 0, not ±1 or NaN', () => {
    // 0.1 + 0.1 + 0.1 = 0.30000000000000004, so a computed mean would be 0.1 + ε
    const { train, std } = standardize(tensor([[0.1, 0.1, 0.1]], { dtype: 'float64' }));
    expect(Array.from(train.data)).toEqual([0, 0, 0]);
    expect(std.data[0]).toBe(1);
  });

  it('matches NumPy on the digits with every fifth example held out', () => {
    const d = digits({ dtype: 'float64' });
    const s = trainTestSplit(d.x, d.y, { every: 5 });
    const r = standardize(s.xTrain, s.xTest);
    // NumPy: mu = Xtr.mean(1), sd = Xtr.std(1); features 0, 32 and 39 are constant (sd 0 → divisor 1)
    const mu = [0.0, 0.29227557411273486, 5.130828114126653];
    const sd = [1, 0.9180947030110994, 4.73570105892631];
    mu.forEach((v, f) => expect(r.mean.data[f]).toBeCloseTo(v, 12));
    sd.forEach((v, f) => expect(r.std.data[f]).toBeCloseTo(v, 12));
    expect([r.std.data[32], r.std.data[39], r.mean.data[39]]).toEqual([1, 1, 0]);
    const m = 1437, mt = 360;
    expect(r.train.data[2 * m]).toBeCloseTo(-1.0834358103021662, 12);
    expect(r.train.data[2 * m + 2]).toBeCloseTo(0.39469803153012584, 12);
    expect(r.test.data[20 * mt]).toBeCloseTo(-1.1452217870345487, 12);
    expect(r.test.data[20 * mt + 1]).toBeCloseTo(1.2756133232458962, 12);
    expect(r.train.data.every(Number.isFinite) && r.test.data.every(Number.isFinite)).toBe(true);
  });

  it('rejects inputs that are not [features, m] or whose features differ', () => {
    expect(() => standardize(tensor([1, 2, 3]))).toThrow(ShapeError);
    expect(() => standardize(tensor([1, 2, 3]))).toThrow(/^standardize: argument 'train': expected a 2-D tensor \[features, m\], got shape \[3\]/);
    expect(() => standardize(tensor([[1, 2]]), tensor([[1], [2]]))).toThrow(/argument 'test': test has 2 features \(shape \[2, 1\]\) but train has 1/);
    expect(() => standardize(tensor([[1, 2]]), tensor([1]))).toThrow(/argument 'test'/);
  });
});
