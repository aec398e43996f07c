import {
  ShapeError, TapegradError, add, div, full, fmtShape, mean, mul, noGrad, rand, reshape, sqrt, square, sub, lt, astype,
  type DType, type Generator, type Tensor,
} from '@tapegrad/core';
import { Module } from './module.js';
import { checkBoolean, checkNumber, checkOptions } from './check.js';
import { checkInput, dtypeArg, parameter, positiveInt } from './layer-args.js';

/**
 * Normalization and dropout. Layouts: `BatchNorm2d` takes images [N, C, H, W]; `BatchNorm1d` takes
 * Dense's columns [C, m] or sequences [N, C, L]; `LayerNorm` normalizes the trailing dims, as PyTorch.
 */

/** Options of `LayerNorm`. */
export interface LayerNormOptions {
  /** Added to the variance before the square root (default 1e-5, as PyTorch). */
  eps?: number;
  /** Whether the layer has a learnt `weight` (ones) and `bias` (zeros) (default true). */
  elementwiseAffine?: boolean;
  /** 'float32' (default) or 'float64'. */
  dtype?: DType;
}

/**
 * Layer normalization, as PyTorch's `nn.LayerNorm(normalizedShape)`: each example is normalized over
 * its trailing dims `normalizedShape`, y = (x − E[x]) / √(Var[x] + eps) · weight + bias, with the
 * biased variance. `weight` (ones) and `bias` (zeros) have shape `normalizedShape`.
 * For Dense's columns [features, m], which put the features first, normalize `transpose(A)`.
 *
 * @example
 * const ln = new LayerNorm(3);
 * ln.forward(tensor([[1, 2, 3], [0, 0, 6]])).toArray(); // each row to mean 0, variance 1 (≈ [[-1.22, 0, 1.22], …])
 */
export class LayerNorm extends Module {
  /** [...normalizedShape], ones; null without `elementwiseAffine`. */
  weight: Tensor | null;
  /** [...normalizedShape], zeros; null without `elementwiseAffine`. */
  bias: Tensor | null;
  readonly normalizedShape: number[];
  readonly eps: number;

  constructor(normalizedShape: number | readonly number[], options: LayerNormOptions = {}) {
    super();
    const o = checkOptions('LayerNorm', options);
    const dims = typeof normalizedShape === 'number' ? [normalizedShape] : Array.isArray(normalizedShape) ? [...normalizedShape] : null;
    if (dims === null || dims.length === 0) throw new TapegradError('LayerNorm', `expected a positive integer or a non-empty list of them, got ${JSON.stringify(normalizedShape)}`, 'normalizedShape');
    dims.forEach((d) => positiveInt('LayerNorm', 'normalizedShape', d));
    this.normalizedShape = dims;
    this.eps = checkNumber('LayerNorm', 'eps', o.eps ?? 1e-5, (v) => v >= 0 && Number.isFinite(v), 'a non-negative number');
    const dtype = dtypeArg('LayerNorm', o.dtype);
    const affine = checkBoolean('LayerNorm', 'elementwiseAffine', o.elementwiseAffine, true);
    this.weight = affine ? parameter(full(dims, 1, { dtype })) : null;
    this.bias = affine ? parameter(full(dims, 0, { dtype })) : null;
  }

  forward(x: Tensor): Tensor {
    const k = this.normalizedShape.length;
    const takes = `[…, ${this.normalizedShape.join(', ')}]`;
    checkInput('LayerNorm', x, Array.from({ length: 8 }, (_, i) => i + k), takes);
    if (fmtShape(x.shape.slice(-k)) !== fmtShape(this.normalizedShape)) {
      throw new ShapeError('LayerNorm', `input has shape ${fmtShape(x.shape)} but this layer normalizes trailing dims ${fmtShape(this.normalizedShape)}, so it takes ${takes}`, 'x');
    }
    const axes = Array.from({ length: k }, (_, i) => x.ndim - k + i);
    const xc = sub(x, mean(x, axes, true));
    const y = div(xc, sqrt(add(mean(square(xc), axes, true), this.eps)));
    return this.weight === null ? y : add(mul(y, this.weight), this.bias!);
  }

  override describe(): string {
    return `LayerNorm(${fmtShape(this.normalizedShape)}${this.weight === null ? ', no affine' : ''})`;
  }
}

/** Options of `BatchNorm1d` and `BatchNorm2d` (PyTorch's arguments). */
export interface BatchNormOptions {
  /** Added to the variance before the square root (default 1e-5). */
  eps?: number;
  /**
   * running ← (1 − momentum)·running + momentum·batch statistic (default 0.1, as PyTorch); null makes
   * the running statistics the plain average of every batch so far (momentum 1/numBatchesTracked), as PyTorch's None.
   */
  momentum?: number | null;
  /** Whether the layer has a learnt `weight` (ones) and `bias` (zeros) (default true). */
  affine?: boolean;
  /** 'float32' (default) or 'float64'. */
  dtype?: DType;
}

/**
 * Batch normalization over every axis but the channel axis `channelAxis`, as PyTorch's BatchNorm: in
 * train mode y = (x − μ_B) / √(σ²_B + eps) · weight + bias with the batch's mean and biased variance,
 * and the running statistics move towards the batch's (the variance's unbiased estimate, as PyTorch);
 * in eval mode the running statistics are used instead.
 */
abstract class BatchNorm extends Module {
  /** [C], ones; null without `affine`. */
  weight: Tensor | null;
  /** [C], zeros; null without `affine`. */
  bias: Tensor | null;
  /** [C], zeros at first: the running mean that eval mode normalizes with; saved as PyTorch's buffer `running_mean`. */
  runningMean: Tensor;
  /** [C], ones at first: the running (unbiased) variance; saved as `running_var`. */
  runningVar: Tensor;
  /**
   * [], float64: the batches seen in train mode; saved as PyTorch's int64 buffer `num_batches_tracked`
   * (I64 in safetensors). A file without it (older ones) still loads, the count kept.
   */
  numBatchesTracked: Tensor;
  readonly numFeatures: number;
  readonly eps: number;
  /** The running statistics' momentum, or null for the cumulative average. */
  readonly momentum: number | null;

  constructor(layer: string, numFeatures: number, options: BatchNormOptions) {
    super();
    const o = checkOptions(layer, options);
    this.numFeatures = positiveInt(layer, 'numFeatures', numFeatures);
    this.eps = checkNumber(layer, 'eps', o.eps ?? 1e-5, (v) => v >= 0 && Number.isFinite(v), 'a non-negative number');
    this.momentum = o.momentum === null ? null : checkNumber(layer, 'momentum', o.momentum ?? 0.1, (v) => v >= 0 && v <= 1, 'a number in [0, 1] or null');
    const dtype = dtypeArg(layer, o.dtype);
    const affine = checkBoolean(layer, 'affine', o.affine, true);
    this.weight = affine ? parameter(full([numFeatures], 1, { dtype })) : null;
    this.bias = affine ? parameter(full([numFeatures], 0, { dtype })) : null;
    this.runningMean = full([numFeatures], 0, { dtype });
    this.runningVar = full([numFeatures], 1, { dtype });
    this.registerBuffer('runningMean', 'running_mean');
    this.registerBuffer('runningVar', 'running_var');
    this.numBatchesTracked = full([], 0, { dtype: 'float64' }); // float64: counts exactly to 2⁵³, where float32 stops at 2²⁴
    this.registerBuffer('numBatchesTracked', 'num_batches_tracked', { int64: true, optional: true });
  }

  /** Normalizes x along every axis but `ch`, whose size must be numFeatures. */
  protected normalize(layer: string, x: Tensor, ch: number, takes: string): Tensor {
    if (x.shape[ch] !== this.numFeatures) {
      throw new ShapeError(layer, `input has shape ${fmtShape(x.shape)} but this layer takes ${takes} (${this.numFeatures} channels along axis ${ch})`, 'x');
    }
    const axes = x.shape.map((_, i) => i).filter((i) => i !== ch);
    const count = x.size / this.numFeatures;
    const bshape = x.shape.map((n, i) => (i === ch ? n : 1));
    const perChannel = (t: Tensor) => reshape(t, bshape);
    let mu: Tensor, variance: Tensor;
    if (this.training) {
      if (count < 2) {
        throw new ShapeError(layer, `in training mode it needs more than one value per channel to compute batch statistics, but the input has shape ${fmtShape(x.shape)} (call eval() to use the running statistics)`, 'x');
      }
      mu = mean(x, axes, true);
      variance = mean(square(sub(x, mu)), axes, true);
      noGrad(() => {
        this.numBatchesTracked = add(this.numBatchesTracked, 1).detach();
        const m = this.momentum ?? 1 / this.numBatchesTracked.item();
        const batchMean = reshape(mu.detach(), [this.numFeatures]);
        const unbiased = mul(reshape(variance.detach(), [this.numFeatures]), count / (count - 1));
        this.runningMean = add(mul(this.runningMean, 1 - m), mul(batchMean, m)).detach();
        this.runningVar = add(mul(this.runningVar, 1 - m), mul(unbiased, m)).detach();
      });
    } else {
      mu = perChannel(this.runningMean);
      variance = perChannel(this.runningVar);
    }
    const y = div(sub(x, mu), sqrt(add(variance, this.eps)));
    return this.weight === null ? y : add(mul(y, perChannel(this.weight)), perChannel(this.bias!));
  }

  override describe(): string {
    const momentum = this.momentum === null ? ', cumulative average' : this.momentum !== 0.1 ? `, momentum ${this.momentum}` : '';
    return `${this.constructor.name}(${this.numFeatures}${momentum}${this.weight === null ? ', no affine' : ''})`;
  }
}

/**
 * Batch normalization of Dense's columns [C, m] (over the m examples of each feature) or of sequences
 * [N, C, L] (over N and L), as PyTorch's `nn.BatchNorm1d(C)`. Differs from PyTorch for 2-D input:
 * PyTorch takes [N, C] (examples as rows); here a 2-D input is [C, m], as `Dense` emits it.
 *
 * @example
 * const bn = new BatchNorm1d(2);
 * bn.forward(tensor([[1, 3], [10, 30]])).toArray(); // each row (feature) to mean 0: [[-1, 1], [-1, 1]] (≈, eps)
 * bn.runningMean.toArray();                          // [0.2, 2]: 0.1 of the way to the batch means [2, 20]
 */
export class BatchNorm1d extends BatchNorm {
  constructor(numFeatures: number, options: BatchNormOptions = {}) {
    super('BatchNorm1d', numFeatures, options);
  }

  forward(x: Tensor): Tensor {
    const takes = `[${this.numFeatures}, m] or [N, ${this.numFeatures}, L]`;
    checkInput('BatchNorm1d', x, [2, 3], takes);
    return this.normalize('BatchNorm1d', x, x.ndim === 2 ? 0 : 1, takes);
  }
}

/**
 * Batch normalization of images [N, C, H, W] over N, H and W for each channel, as PyTorch's
 * `nn.BatchNorm2d(C)`.
 *
 * @example
 * const bn = new BatchNorm2d(8);
 * bn.forward(randn([4, 8, 5, 5])).shape; // [4, 8, 5, 5]
 * bn.eval();                             // from now on, the running statistics
 */
export class BatchNorm2d extends BatchNorm {
  constructor(numFeatures: number, options: BatchNormOptions = {}) {
    super('BatchNorm2d', numFeatures, options);
  }

  forward(x: Tensor): Tensor {
    const takes = `[N, ${this.numFeatures}, H, W]`;
    checkInput('BatchNorm2d', x, 4, takes);
    return this.normalize('BatchNorm2d', x, 1, takes);
  }
}

/** Options of `Dropout`. */
export interface DropoutOptions {
  /** The random stream the masks are drawn from (default: the global one, see `manualSeed`). */
  generator?: Generator;
}

/**
 * Inverted dropout, as PyTorch's `nn.Dropout(p)`: in train mode each value is zeroed with probability p
 * and the others are scaled by 1/(1 − p), so the expected output is x; in eval mode it is the identity.
 * The masks are drawn from the layer's seeded `Generator`, so a run is reproducible.
 *
 * @example
 * const drop = new Dropout(0.5, { generator: new Generator(0) });
 * drop.forward(ones([2, 4])).toArray(); // each value 0 or 2
 * drop.eval().forward(ones([2, 4]));    // ones: the identity in eval mode
 */
export class Dropout extends Module {
  readonly p: number;
  readonly #generator: Generator | undefined;

  constructor(p = 0.5, options: DropoutOptions = {}) {
    super();
    const o = checkOptions('Dropout', options);
    this.p = checkNumber('Dropout', 'p', p, (v) => v >= 0 && v <= 1, 'a probability in [0, 1]');
    this.#generator = o.generator;
  }

  forward(x: Tensor): Tensor {
    checkInput('Dropout', x, Array.from({ length: 9 }, (_, i) => i), 'a Tensor');
    return this.training ? dropout(x, this.p, this.#generator) : x;
  }

  override describe(): string {
    return `Dropout(${this.p})`;
  }
}

/**
 * @internal Inverted dropout of x with probability p, masks drawn from `generator` (the global stream
 * if undefined): what `Dropout` does in train mode, and `GRU`/`LSTM` between their layers.
 */
export function dropout(x: Tensor, p: number, generator: Generator | undefined): Tensor {
  if (p === 0) return x;
  if (p === 1) return mul(x, 0);
  // keep where u < 1 − p for u ~ U[0, 1): a value survives with probability 1 − p
  const keep = astype(lt(rand(x.shape, { dtype: x.dtype, generator }), 1 - p), x.dtype);
  return mul(x, mul(keep, 1 / (1 - p)));
}
