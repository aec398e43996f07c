import { checkDType } from './dtype.js';
import { TapegradError, fmtValue } from './errors.js';
import { sizeOf } from './shape.js';
import { Tensor } from './tensor.js';
import { allocate, checkSizedShape, type TensorOptions } from './creation.js';

/**
 * A seed for `op`: an integer within ±(2⁵³ − 1), where every integer is a distinct number. A fraction
 * (1.5) would be truncated and give the same stream as 1, so it is refused, as is anything not a number.
 */
function checkSeed(op: string, seed: unknown): number {
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed)) {
    throw new TapegradError(op, `seed must be an integer within ±(2^53 − 1), got ${fmtValue(seed)}`, 'seed');
  }
  return seed;
}

/**
 * A seedable pseudo-random generator (xoshiro128**, seeded through splitmix32), so every random
 * tensor, initializer and shuffle is reproducible from one number.
 *
 * @example
 * const g = new Generator(42);
 * const a = randn([2, 3], { generator: g });
 * new Generator(42).normal() === randn([1], { generator: new Generator(42), dtype: 'float64' }).item(); // same stream
 */
export class Generator {
  #s = new Uint32Array(4);
  #spare: number | null = null;

  constructor(seed = 0) {
    checkSeed('Generator', seed);
    let x = (Math.trunc(seed) >>> 0) ^ Math.trunc(seed / 2 ** 32);
    for (let i = 0; i < 4; i++) {
      // splitmix32 spreads the seed over the state so nearby seeds give unrelated streams
      x = (x + 0x9e3779b9) | 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      this.#s[i] = (z ^ (z >>> 16)) >>> 0;
    }
  }

  /** The next 32 random bits as an unsigned integer. */
  nextUint32(): number {
    const s = this.#s;
    const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** A uniform double in [0, 1) with 53 random bits. */
  uniform(): number {
    const hi = this.nextUint32() >>> 5, lo = this.nextUint32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** A standard normal draw (Box–Muller; the second value of each pair is kept for the next call). */
  normal(): number {
    if (this.#spare !== null) {
      const v = this.#spare;
      this.#spare = null;
      return v;
    }
    let u = 0;
    while (u === 0) u = this.uniform();
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.#spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** A uniform integer in [0, n). */
  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0) throw new TapegradError('Generator.int', `n must be a positive integer, got ${n}`, 'n');
    return Math.floor(this.uniform() * n);
  }

  /** A random permutation of 0..n-1 (Fisher–Yates). */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }
}

const rotl = (x: number, k: number): number => ((x << k) | (x >>> (32 - k))) >>> 0;

let defaultGenerator = new Generator(0);

/**
 * Reseeds the generator that `rand` and `randn` use when no `generator` is given. The seed is an
 * integer within ±(2⁵³ − 1); a fraction or a non-number is a TapegradError (PyTorch's manual_seed
 * also refuses 1.5).
 *
 * @example
 * manualSeed(0);
 */
export function manualSeed(seed: number): void {
  defaultGenerator = new Generator(checkSeed('manualSeed', seed));
}

/**
 * Options of `rand` and `randn`: those of every creation function (`dtype`, `requiresGrad`) and the
 * generator to draw from. Draws do not match PyTorch's for the same seed (a different generator).
 *
 * @example
 * const W = randn([3, 2], { dtype: 'float64', requiresGrad: true, generator: new Generator(42) }); // W[1]: [n_1, n_0]
 */
export interface RandomOptions extends TensorOptions {
  /** The stream to draw from; defaults to the global one (see `manualSeed`). */
  generator?: Generator;
}

/** An option `name` of `op` (`fallback` when absent), checked to be a finite number. */
function option(op: string, name: string, given: unknown, fallback: number): number {
  const v = given ?? fallback;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new TapegradError(op, `${name} must be a finite number, got ${fmtValue(v)}`, name);
  return v;
}

function fill(op: string, shape: readonly number[], opts: RandomOptions, draw: (g: Generator) => number): Tensor {
  const s = checkSizedShape(op, shape);
  const g = opts.generator ?? defaultGenerator;
  // duck-typed, so a Generator from another copy of the package (ESM beside CJS) still draws
  if (typeof (g as Partial<Generator> | null)?.uniform !== 'function' || typeof g.normal !== 'function') {
    throw new TapegradError(op, `generator must be a Generator, got ${fmtValue(g)}`, 'generator');
  }
  const out = allocate(op, checkDType(op, opts.dtype ?? 'float32'), sizeOf(s));
  for (let i = 0; i < out.length; i++) out[i] = draw(g);
  return new Tensor(out, s, opts.requiresGrad ?? false);
}

/**
 * Uniform samples in [low, high) (default [0, 1)); high is never drawn, even after rounding to
 * float32. `low` = `high` gives that value everywhere; `low` > `high` is an error.
 *
 * @example
 * const u = rand([2, 3], { low: -1, high: 1, generator: new Generator(0) }); // shape [2, 3], values in [−1, 1)
 * u.shape; // [2, 3]
 */
export function rand(shape: readonly number[], opts: RandomOptions & { low?: number; high?: number } = {}): Tensor {
  const lo = option('rand', 'low', opts.low, 0), hi = option('rand', 'high', opts.high, 1);
  if (lo > hi) throw new TapegradError('rand', `low must not exceed high, got low ${lo} and high ${hi}`, 'low');
  const round = opts.dtype === 'float64' ? (v: number) => v : Math.fround;
  // Rounding (to float32, or of lo + (hi − lo)·u itself) can carry a draw just below `hi` onto it; such a
  // draw (p ≈ 2⁻²⁵ in float32) is redrawn, so the interval stays half-open whenever it holds a value.
  const open = round(lo) < hi;
  return fill('rand', shape, opts, (g) => {
    let v: number;
    do v = round(lo + (hi - lo) * g.uniform()); while (v >= hi && open);
    return v;
  });
}

/**
 * Normal samples with mean `mean` (default 0) and standard deviation `std` (default 1; 0 gives `mean`
 * everywhere, a negative std is an error).
 *
 * @example
 * manualSeed(0);
 * const W = randn([4, 3], { std: 0.01 }); // small random weights, W[1] of shape [n_1, n_0] = [4, 3]
 * W.shape; // [4, 3]
 */
export function randn(shape: readonly number[], opts: RandomOptions & { mean?: number; std?: number } = {}): Tensor {
  const mu = option('randn', 'mean', opts.mean, 0), sd = option('randn', 'std', opts.std, 1);
  if (sd < 0) throw new TapegradError('randn', `std must be non-negative, got ${sd}`, 'std');
  return fill('randn', shape, opts, (g) => mu + sd * g.normal());
}
