import { describe, it, expect } from 'vitest';
import { Generator, manualSeed, type Tensor } from '@tapegrad/core';
import { init } from '@tapegrad/nn';

function stats(t: Tensor): { mean: number; variance: number; maxAbs: number } {
  let s = 0, s2 = 0, maxAbs = 0;
  for (const v of t.data) {
    s += v;
    s2 += v * v;
    maxAbs = Math.max(maxAbs, Math.abs(v));
  }
  const mean = s / t.size;
  return { mean, variance: s2 / t.size - mean * mean, maxAbs };
}

/**
 * Sample mean and variance within 5 standard errors of the target. For n draws with variance σ², the
 * mean's standard error is σ/√n, and the variance's is σ²·√((κ − 1)/n) with kurtosis κ = 1.8 (uniform)
 * or 3 (normal).
 */
function expectDistribution(t: Tensor, variance: number, kurtosis: number): void {
  const n = t.size;
  const s = stats(t);
  expect(Math.abs(s.mean)).toBeLessThan(5 * Math.sqrt(variance / n));
  expect(Math.abs(s.variance - variance)).toBeLessThan(5 * variance * Math.sqrt((kurtosis - 1) / n));
}

const shape = [200, 300]; // W [nOut, nIn]: fanIn 300, fanOut 200
const gen = () => new Generator(42);

describe('fans', () => {
  it('reads W [nOut, nIn] as fanIn = nIn, fanOut = nOut (times the receptive field for more dims)', () => {
    expect(init.fans([4, 3])).toEqual({ fanIn: 3, fanOut: 4 });
    expect(init.fans([5])).toEqual({ fanIn: 5, fanOut: 5 });
    expect(init.fans([4, 3, 2, 2])).toEqual({ fanIn: 12, fanOut: 16 });
    expect(() => init.fans([])).toThrow(/init: argument 'shape': cannot compute fan-in and fan-out of a 0-d shape/);
  });
});

describe('initializers', () => {
  it('Glorot/Xavier uniform: U(−a, a), a = gain·√(6/(fanIn+fanOut))', () => {
    const a = Math.sqrt(6 / 500);
    const W = init.glorotUniform(shape, { generator: gen() });
    expect(W.shape).toEqual(shape);
    expect(stats(W).maxAbs).toBeLessThan(a);
    expect(stats(W).maxAbs).toBeGreaterThan(0.99 * a);
    expectDistribution(W, (a * a) / 3, 1.8);
    expect(stats(init.glorotUniform(shape, { generator: gen(), gain: 2 })).maxAbs).toBeGreaterThan(1.98 * a);
    expect(Array.from(init.xavierUniform(shape, { generator: gen() }).data)).toEqual(Array.from(W.data));
  });

  it('Glorot/Xavier normal: N(0, gain²·2/(fanIn+fanOut))', () => {
    expectDistribution(init.glorotNormal(shape, { generator: gen() }), 2 / 500, 3);
    expectDistribution(init.xavierNormal(shape, { generator: gen(), gain: 3 }), (9 * 2) / 500, 3);
  });

  it('He uniform: U(−a, a), a = √(6/fanIn); He normal: N(0, 2/fanIn)', () => {
    const a = Math.sqrt(6 / 300);
    const U = init.heUniform(shape, { generator: gen() });
    expect(stats(U).maxAbs).toBeLessThan(a);
    expectDistribution(U, (a * a) / 3, 1.8);
    expectDistribution(init.heNormal(shape, { generator: gen() }), 2 / 300, 3);
  });

  it('uniform [−0.05, 0.05) and normal (0, 0.05²) by default, with their own bounds and moments', () => {
    expectDistribution(init.uniform(shape, { generator: gen() }), 0.1 ** 2 / 12, 1.8);
    const U = init.uniform(shape, { generator: gen(), low: 2, high: 3 });
    expect(U.data.every((v) => v >= 2 && v < 3)).toBe(true);
    expectDistribution(init.normal(shape, { generator: gen() }), 0.05 ** 2, 3);
    const N = init.normal(shape, { generator: gen(), mean: 5, std: 0.01 });
    expect(Math.abs(stats(N).mean - 5)).toBeLessThan(5 * (0.01 / Math.sqrt(N.size)));
    expect(Array.from(init.zeros([2, 1]).data)).toEqual([0, 0]);
  });

  it('are float32 by default, float64 on request, and reproducible from a seed', () => {
    expect(init.heNormal([3, 2]).dtype).toBe('float32');
    expect(init.zeros([3, 2], { dtype: 'float64' }).dtype).toBe('float64');
    const a = init.glorotNormal([4, 3], { dtype: 'float64', generator: new Generator(1) });
    const b = init.glorotNormal([4, 3], { dtype: 'float64', generator: new Generator(1) });
    const c = init.glorotNormal([4, 3], { dtype: 'float64', generator: new Generator(2) });
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
    expect(Array.from(a.data)).not.toEqual(Array.from(c.data));
    // one generator is one stream: consecutive draws differ
    const g = new Generator(1);
    expect(Array.from(init.uniform([3], { generator: g }).data)).not.toEqual(Array.from(init.uniform([3], { generator: g }).data));
  });

  it('draw from the global generator (manualSeed) when none is given', () => {
    manualSeed(5);
    const a = init.heUniform([4, 3]);
    expect(Array.from(a.data)).toEqual(Array.from(init.heUniform([4, 3], { generator: new Generator(5) }).data));
  });

  it('resolve by name: glorot is Glorot uniform, he is He normal; unknown names are errors', () => {
    expect(init.initializer('glorot')).toBe(init.glorotUniform);
    expect(init.initializer('he')).toBe(init.heNormal);
    expect(init.initializer('zeros')).toBe(init.zeros);
    const mine = (s: readonly number[]) => init.zeros(s);
    expect(init.initializer(mine)).toBe(mine);
    expect(init.initializer('he')([4, 3], { dtype: 'float64' }).shape).toEqual([4, 3]);
    expect(() => init.initializer('kaiming' as 'he')).toThrow(/initializer: argument 'init': unknown initializer "kaiming"; expected one of 'glorot', 'he'/);
  });
});

describe('kaimingUniform', () => {
  it('draws U(−b, b) with b = √(2 / (1 + a²))·√(3 / fanIn): PyTorch’s layers use a = √5, so b = 1/√fanIn', () => {
    const fanIn = 300, b = 1 / Math.sqrt(fanIn);
    const W = init.kaimingUniform(shape, { a: Math.sqrt(5), dtype: 'float64', generator: gen() });
    expect(stats(W).maxAbs).toBeLessThan(b);
    expect(stats(W).maxAbs).toBeGreaterThan(0.99 * b);
    expectDistribution(W, (b * b) / 3, 1.8);
    // a = 0 (the default) is He uniform, √(6 / fanIn)
    expect(Array.from(init.kaimingUniform(shape, { generator: gen() }).data)).toEqual(Array.from(init.heUniform(shape, { generator: gen() }).data));
  });
});
