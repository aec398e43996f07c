/**
 * The seedable generator and rand/randn. Statistical checks use a fixed seed (so they are deterministic)
 * and n = 100,000 draws, with bounds of 5 standard errors of the statistic under the claimed
 * distribution: a correct generator passes with probability 1 − 6·10⁻⁷ for any seed, while a wrong
 * mean, scale, shape or a biased shuffle moves the statistic by far more than that.
 */
import { describe, expect, it } from 'vitest';
import { Generator, manualSeed, rand, randn, TapegradError } from '@tapegrad/core';

const N = 100_000;

function stats(xs: ArrayLike<number>): { mean: number; variance: number } {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i];
  const mean = s / xs.length;
  let v = 0;
  for (let i = 0; i < xs.length; i++) v += (xs[i] - mean) ** 2;
  return { mean, variance: v / (xs.length - 1) };
}

/** A generator whose uniform() returns the given values in turn (to reach the edges of [0, 1)). */
class Scripted extends Generator {
  readonly #values: number[];
  constructor(values: number[]) {
    super(0);
    this.#values = [...values];
  }
  override uniform(): number {
    const v = this.#values.shift();
    if (v === undefined) throw new Error('Scripted generator ran out of values');
    return v;
  }
}

describe('Generator', () => {
  it('is reproducible: the same seed gives the same stream of every kind', () => {
    const a = new Generator(42), b = new Generator(42);
    for (let i = 0; i < 100; i++) expect(a.nextUint32()).toBe(b.nextUint32());
    const u = Array.from({ length: 20 }, () => a.uniform());
    expect(Array.from({ length: 20 }, () => b.uniform())).toEqual(u);
    expect(Array.from({ length: 21 }, () => b.normal())).toEqual(Array.from({ length: 21 }, () => a.normal()));
    expect(Array.from(a.permutation(30))).toEqual(Array.from(b.permutation(30)));
    expect(new Generator().nextUint32()).toBe(new Generator(0).nextUint32());
  });

  it('different seeds, even neighbouring ones, give unrelated streams', () => {
    for (const [s, t] of [[0, 1], [1, 2], [42, 43], [0, 2 ** 31]]) {
      const a = new Generator(s), b = new Generator(t);
      let same = 0;
      for (let i = 0; i < 1000; i++) if (a.nextUint32() === b.nextUint32()) same++;
      expect(same, `seeds ${s} and ${t}`).toBe(0); // a coincidence has probability 1000/2³² per pair
    }
  });

  it('rejects a seed that is not an integer within ±(2^53 − 1), quoting strings', () => {
    expect(() => new Generator(NaN)).toThrow("Generator: argument 'seed': seed must be an integer within ±(2^53 − 1), got NaN");
    // 1.5 used to be truncated to 1's stream; 2^53 cannot be told from 2^53 + 1
    expect(() => new Generator(1.5)).toThrow('got 1.5');
    expect(() => new Generator(2 ** 53)).toThrow(TapegradError);
    expect(() => new Generator('7' as unknown as number)).toThrow('got "7"');
    expect(() => manualSeed(1.5)).toThrow("manualSeed: argument 'seed': seed must be an integer");
    // negative integers are seeds like any other
    expect(new Generator(-3).nextUint32()).not.toBe(new Generator(3).nextUint32());
  });

  it('uniform() maps 53 random bits onto [0, 1): all-ones bits give 1 − 2⁻⁵³, never 1', () => {
    class Bits extends Generator {
      constructor(readonly word: number) { super(0); }
      override nextUint32(): number { return this.word; }
    }
    expect(new Bits(0xffffffff).uniform()).toBe(1 - 2 ** -53);
    expect(new Bits(0).uniform()).toBe(0);
  });

  it('uniform() is uniform on [0, 1): mean, variance and a 10-bin histogram', () => {
    const g = new Generator(1);
    const xs = Array.from({ length: N }, () => g.uniform());
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    const { mean, variance } = stats(xs);
    // mean: SE = √(1/12)/√N = 9.13e-4.  variance: SE = √((1/80 − 1/144)/N) = √(1/180)/√N = 2.36e-4
    expect(Math.abs(mean - 0.5)).toBeLessThan(5 * 9.13e-4);
    expect(Math.abs(variance - 1 / 12)).toBeLessThan(5 * 2.36e-4);
    // each bin: count ~ Binomial(N, 0.1), SE = √(N·0.1·0.9) = 94.9
    const bins = new Array<number>(10).fill(0);
    for (const x of xs) bins[Math.floor(x * 10)]++;
    for (const c of bins) expect(Math.abs(c - N / 10)).toBeLessThan(5 * 94.9);
  });

  it('normal() has mean 0, standard deviation 1 and the normal shape', () => {
    const g = new Generator(2);
    const xs = Array.from({ length: N }, () => g.normal());
    const { mean, variance } = stats(xs);
    // mean: SE = 1/√N = 3.16e-3.  std: SE ≈ 1/√(2N) = 2.24e-3 (normal data)
    expect(Math.abs(mean)).toBeLessThan(5 * 3.16e-3);
    expect(Math.abs(Math.sqrt(variance) - 1)).toBeLessThan(5 * 2.24e-3);
    // P(|Z| < 1) = 0.682689, SE = √(p(1 − p)/N) = 1.47e-3;  P(|Z| > 2) = 0.045500, SE = 6.59e-4
    const within1 = xs.filter((x) => Math.abs(x) < 1).length / N;
    const beyond2 = xs.filter((x) => Math.abs(x) > 2).length / N;
    expect(Math.abs(within1 - 0.682689)).toBeLessThan(5 * 1.47e-3);
    expect(Math.abs(beyond2 - 0.0455)).toBeLessThan(5 * 6.59e-4);
  });

  it('int(n) is uniform on 0..n−1 and rejects a non-positive or fractional n', () => {
    const g = new Generator(3);
    const counts = new Array<number>(5).fill(0);
    for (let i = 0; i < N; i++) counts[g.int(5)]++;
    // each count ~ Binomial(N, 0.2), SE = √(N·0.2·0.8) = 126.5
    for (const c of counts) expect(Math.abs(c - N / 5)).toBeLessThan(5 * 126.5);
    expect(() => g.int(0)).toThrow("Generator.int: argument 'n': n must be a positive integer, got 0");
    expect(() => g.int(2.5)).toThrow(TapegradError);
  });

  it('permutation(n) is a permutation of 0..n−1', () => {
    const g = new Generator(4);
    for (const n of [0, 1, 2, 17, 1000]) {
      const p = g.permutation(n);
      expect(p).toBeInstanceOf(Int32Array);
      expect(Array.from(p).sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
    }
    expect(Array.from(g.permutation(20))).not.toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('permutation(3) draws each of the 6 orders equally often (an unbiased Fisher–Yates)', () => {
    const g = new Generator(5);
    const draws = 60_000;
    const counts = new Map<string, number>();
    for (let i = 0; i < draws; i++) {
      const key = Array.from(g.permutation(3)).join('');
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    expect(counts.size).toBe(6);
    // each count ~ Binomial(60000, 1/6), SE = √(60000·(1/6)·(5/6)) = 91.3
    for (const c of counts.values()) expect(Math.abs(c - draws / 6)).toBeLessThan(5 * 91.3);
  });
});

describe('rand and randn', () => {
  it('draw from the given generator: float64 exactly the stream, float32 its rounding', () => {
    const ref = new Generator(9);
    const u = [ref.uniform(), ref.uniform(), ref.uniform()];
    expect(Array.from(rand([3], { generator: new Generator(9), dtype: 'float64' }).data)).toEqual(u);
    expect(Array.from(rand([3], { generator: new Generator(9) }).data)).toEqual(u.map(Math.fround));
    const z = new Generator(9);
    const n = [z.normal(), z.normal(), z.normal()];
    expect(Array.from(randn([3], { generator: new Generator(9), dtype: 'float64' }).data)).toEqual(n);
    // the TSDoc example on Generator
    expect(new Generator(42).normal() === randn([1], { generator: new Generator(42), dtype: 'float64' }).item()).toBe(true);
  });

  it('shape, dtype and requiresGrad options', () => {
    const r = rand([2, 3], { generator: new Generator(1) });
    expect(r.shape).toEqual([2, 3]);
    expect(r.dtype).toBe('float32');
    expect(randn([4], { dtype: 'float64', requiresGrad: true }).requiresGrad).toBe(true);
    expect(rand([]).shape).toEqual([]);
    expect(() => rand([-1])).toThrow("rand: argument 'shape': expected an array of non-negative integers, got [-1]");
  });

  it('rand stays below high even when rounding would carry a draw onto it', () => {
    // 1 − 2⁻⁵³ rounds to 1 in float32; 1 + (1 − 2⁻⁵³) rounds to 2 in float64 (ties to even)
    const top = 1 - 2 ** -53;
    const a = rand([1], { generator: new Scripted([top, 0.25]) }).item();
    expect(a).toBeGreaterThanOrEqual(0);
    expect(a).toBeLessThan(1);
    const b = rand([1], { generator: new Scripted([top, 0.5]), low: 1, high: 2, dtype: 'float64' }).item();
    expect(b).toBeGreaterThanOrEqual(1);
    expect(b).toBeLessThan(2);
  });

  it('rand with low and high is uniform on [low, high)', () => {
    const r = rand([N], { low: -2, high: 6, generator: new Generator(6), dtype: 'float64' });
    const { mean, variance } = stats(r.data);
    expect(Math.min(...r.data)).toBeGreaterThanOrEqual(-2);
    expect(Math.max(...r.data)).toBeLessThan(6);
    // mean 2, SE = (8/√12)/√N = 7.30e-3;  variance 64/12, SE = 64·√(1/180)/√N = 1.51e-2
    expect(Math.abs(mean - 2)).toBeLessThan(5 * 7.30e-3);
    expect(Math.abs(variance - 64 / 12)).toBeLessThan(5 * 1.51e-2);
  });

  it('randn with mean and std', () => {
    const r = randn([N], { mean: 3, std: 2, generator: new Generator(7), dtype: 'float64' });
    const { mean, variance } = stats(r.data);
    // mean: SE = 2/√N = 6.32e-3;  std: SE ≈ 2/√(2N) = 4.47e-3
    expect(Math.abs(mean - 3)).toBeLessThan(5 * 6.32e-3);
    expect(Math.abs(Math.sqrt(variance) - 2)).toBeLessThan(5 * 4.47e-3);
  });

  it('manualSeed reseeds the default generator that rand and randn use', () => {
    manualSeed(7);
    const a = rand([5]), b = randn([5]);
    manualSeed(7);
    expect(Array.from(rand([5]).data)).toEqual(Array.from(a.data));
    expect(Array.from(randn([5]).data)).toEqual(Array.from(b.data));
    expect(Array.from(a.data)).toEqual(Array.from(rand([5], { generator: new Generator(7) }).data));
    manualSeed(8);
    expect(Array.from(rand([5]).data)).not.toEqual(Array.from(a.data));
  });
});
