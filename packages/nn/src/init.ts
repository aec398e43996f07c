import { TapegradError, full, rand, randn, type DType, type Generator, type Tensor } from '@tapegrad/core';

/**
 * Weight initializers. Each draws from a seedable `Generator` of `@tapegrad/core` (the global one, see
 * `manualSeed`, when none is given), so a model is reproducible from one seed. Fans follow the notes'
 * layout: W is [n_out, n_in], so fanIn = shape[1] and fanOut = shape[0] (for more dims, both are
 * multiplied by the receptive field, the product of the remaining dims, as in PyTorch).
 */

export interface InitOptions {
  /** 'float32' (default) or 'float64'. */
  dtype?: DType;
  /** The random stream to draw from (default: the global one). */
  generator?: Generator;
}

/** Makes a new tensor of `shape` (not yet a parameter: Dense marks it requiresGrad). */
export type Initializer = (shape: readonly number[], options?: InitOptions) => Tensor;

/** The initializers Dense accepts by name. */
export type InitName = 'glorot' | 'he' | 'zeros' | 'uniform' | 'normal';

/**
 * fanIn and fanOut of a weight of `shape`: for W [n_out, n_in], fanIn = n_in and fanOut = n_out; a 1-D
 * shape [n] has both equal to n.
 *
 * @example
 * fans([4, 3]); // { fanIn: 3, fanOut: 4 }
 */
export function fans(shape: readonly number[]): { fanIn: number; fanOut: number } {
  if (shape.length === 0) throw new TapegradError('init', 'cannot compute fan-in and fan-out of a 0-d shape', 'shape');
  if (shape.length === 1) return { fanIn: shape[0], fanOut: shape[0] };
  const receptive = shape.slice(2).reduce((a, b) => a * b, 1);
  return { fanIn: shape[1] * receptive, fanOut: shape[0] * receptive };
}

/**
 * All zeros (the default for biases).
 *
 * @example
 * zeros([2, 1]).toArray(); // [[0], [0]]
 */
export const zeros: Initializer = (shape, options = {}) => full(shape, 0, { dtype: options.dtype });

/**
 * Uniform on [low, high), default [−0.05, 0.05) (Keras's RandomUniform).
 *
 * @example
 * uniform([2, 3], { low: -1, high: 1, generator: new Generator(0) });
 */
export function uniform(shape: readonly number[], options: InitOptions & { low?: number; high?: number } = {}): Tensor {
  return rand(shape, { dtype: options.dtype, generator: options.generator, low: options.low ?? -0.05, high: options.high ?? 0.05 });
}

/**
 * Normal with mean `mean` (0) and standard deviation `std` (0.05, Keras's RandomNormal).
 *
 * @example
 * normal([2, 3], { std: 0.01, generator: new Generator(0) }); // the notes' W = randn · 0.01
 */
export function normal(shape: readonly number[], options: InitOptions & { mean?: number; std?: number } = {}): Tensor {
  return randn(shape, { dtype: options.dtype, generator: options.generator, mean: options.mean ?? 0, std: options.std ?? 0.05 });
}

/**
 * Glorot (Xavier) uniform: U(−a, a) with a = gain·√(6 / (fanIn + fanOut)), so the variance
 * 2 / (fanIn + fanOut) keeps activations and gradients at the same scale through sigmoid/tanh layers.
 *
 * @example
 * glorotUniform([4, 2], { generator: new Generator(0) }); // every |w| < √(6/6) = 1
 */
export function glorotUniform(shape: readonly number[], options: InitOptions & { gain?: number } = {}): Tensor {
  const { fanIn, fanOut } = fans(shape);
  const a = (options.gain ?? 1) * Math.sqrt(6 / (fanIn + fanOut));
  return uniform(shape, { ...options, low: -a, high: a });
}

/**
 * Glorot (Xavier) normal: N(0, σ²) with σ = gain·√(2 / (fanIn + fanOut)).
 *
 * @example
 * glorotNormal([4, 2], { generator: new Generator(0) }); // std √(2/6)
 */
export function glorotNormal(shape: readonly number[], options: InitOptions & { gain?: number } = {}): Tensor {
  const { fanIn, fanOut } = fans(shape);
  return normal(shape, { ...options, std: (options.gain ?? 1) * Math.sqrt(2 / (fanIn + fanOut)) });
}

/**
 * He (Kaiming) uniform: U(−a, a) with a = √(6 / fanIn), variance 2 / fanIn, suited to ReLU layers.
 *
 * @example
 * heUniform([4, 3], { generator: new Generator(0) }); // every |w| < √2
 */
export function heUniform(shape: readonly number[], options: InitOptions = {}): Tensor {
  const a = Math.sqrt(6 / fans(shape).fanIn);
  return uniform(shape, { ...options, low: -a, high: a });
}

/**
 * He (Kaiming) normal: N(0, 2 / fanIn), suited to ReLU layers.
 *
 * @example
 * heNormal([4, 3], { generator: new Generator(0) }); // std √(2/3)
 */
export function heNormal(shape: readonly number[], options: InitOptions = {}): Tensor {
  return normal(shape, { ...options, std: Math.sqrt(2 / fans(shape).fanIn) });
}

/**
 * Kaiming (He) uniform as PyTorch's `kaiming_uniform_(w, a)`: U(−b, b) with b = gain·√(3 / fanIn) and
 * gain = √(2 / (1 + a²)), the leaky-ReLU slope `a` (default 0, then b = √(6 / fanIn), as `heUniform`).
 * PyTorch's layers (Linear, Conv*) draw their weights with a = √5, which gives b = 1/√fanIn.
 *
 * @example
 * const w = kaimingUniform([8, 3, 3, 3], { a: Math.sqrt(5), generator: new Generator(0) });
 * w.abs().max().item() < 1 / Math.sqrt(27); // true: fanIn = 3·3·3
 */
export function kaimingUniform(shape: readonly number[], options: InitOptions & { a?: number } = {}): Tensor {
  const a = options.a ?? 0;
  const bound = Math.sqrt(2 / (1 + a * a)) * Math.sqrt(3 / fans(shape).fanIn);
  return uniform(shape, { ...options, low: -bound, high: bound });
}

/**
 * Glorot uniform under its other name (Xavier is Glorot's first name; PyTorch's `xavier_uniform_`):
 * U(−a, a) with a = √(6 / (fanIn + fanOut)), for W of shape [n_l, n_{l−1}].
 *
 * @example
 * xavierUniform([4, 3], { generator: new Generator(0) }).shape; // [4, 3]  (values within ±√(6/7))
 */
export const xavierUniform = glorotUniform;
/**
 * Glorot normal under its other name (PyTorch's `xavier_normal_`): N(0, 2 / (fanIn + fanOut)).
 *
 * @example
 * xavierNormal([4, 3], { dtype: 'float64', generator: new Generator(0) }).shape; // [4, 3]  (std √(2/7))
 */
export const xavierNormal = glorotNormal;

/**
 * The initializer behind each name a layer's `init` accepts: 'glorot' is Glorot uniform and 'he' is He
 * normal (the papers' choices), 'zeros', 'uniform' and 'normal' are the plain ones. Frozen.
 *
 * @example
 * Object.keys(INITIALIZERS); // ['glorot', 'he', 'zeros', 'uniform', 'normal']
 * INITIALIZERS.he === heNormal; // true
 */
export const INITIALIZERS: Readonly<Record<InitName, Initializer>> = Object.freeze({
  glorot: glorotUniform,
  he: heNormal,
  zeros,
  uniform,
  normal,
});

/**
 * The initializer for a name, or the function itself when given one.
 *
 * @example
 * initializer('he')([4, 3], { dtype: 'float64' }).shape; // [4, 3]
 */
export function initializer(init: InitName | Initializer): Initializer {
  if (typeof init === 'function') return init;
  if (typeof init === 'string' && Object.hasOwn(INITIALIZERS, init)) return INITIALIZERS[init];
  throw new TapegradError(
    'initializer',
    `unknown initializer ${JSON.stringify(init)}; expected one of ${Object.keys(INITIALIZERS).map((k) => `'${k}'`).join(', ')} or a function (shape, options) => Tensor`,
    'init',
  );
}
