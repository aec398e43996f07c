import {
  ShapeError, avgPool1d, avgPool2d, concat, fmtShape, globalAvgPool2d, maxPool1d, maxPool2d, mean, reshape, slice, transpose,
  type Pair, type Tensor,
} from '@tapegrad/core';
import { Module } from './module.js';
import { checkNumber, checkOptions } from './check.js';
import { asLayer, checkInput, pairArg, positiveInt } from './layer-args.js';

/** Options of `MaxPool2d` and `AvgPool2d`: PyTorch's `stride` (default: the kernel) and `padding`. */
export interface Pool2dLayerOptions {
  /** Window step (default: the kernel, so windows tile the image). */
  stride?: Pair;
  /** −∞ (max) or 0 (average) on each side (default 0), at most half the kernel. */
  padding?: Pair;
}

/** What both pooling layers hold: the kernel, stride and padding, checked when the layer is made. */
abstract class Pool2d extends Module {
  readonly kernel: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];

  constructor(layer: string, kernel: Pair, options: Pool2dLayerOptions) {
    super();
    const o = checkOptions(layer, options);
    this.kernel = pairArg(layer, 'kernel', kernel);
    this.stride = pairArg(layer, 'stride', o.stride ?? this.kernel);
    this.padding = pairArg(layer, 'padding', o.padding ?? 0, 0);
  }

  protected pool(layer: string, f: typeof maxPool2d, x: Tensor): Tensor {
    checkInput(layer, x, 4, '[N, C, H, W]');
    return asLayer(layer, () => f(x, this.kernel, { stride: this.stride, padding: this.padding }));
  }

  override describe(): string {
    const k = this.kernel[0] === this.kernel[1] ? `${this.kernel[0]}` : `[${this.kernel.join(', ')}]`;
    const s = this.stride.every((v, i) => v === this.kernel[i]) ? '' : `, stride [${this.stride.join(', ')}]`;
    const p = this.padding.every((v) => v === 0) ? '' : `, padding [${this.padding.join(', ')}]`;
    return `${this.constructor.name}(${k}${s}${p})`;
  }
}

/**
 * Max pooling over kh×kw windows of x [N, C, H, W], as PyTorch's `nn.MaxPool2d(kernel, stride, padding)`
 * (no dilation or ceil_mode). At tied maxima the gradient is shared evenly, where PyTorch gives it all to one.
 *
 * @example
 * new MaxPool2d(2).forward(tensor([[[[1, 2, 5, 0], [3, 4, 1, 1]]]])).toArray(); // [[[[4, 5]]]]
 */
export class MaxPool2d extends Pool2d {
  constructor(kernel: Pair, options: Pool2dLayerOptions = {}) {
    super('MaxPool2d', kernel, options);
  }

  forward(x: Tensor): Tensor {
    return this.pool('MaxPool2d', maxPool2d, x);
  }
}

/**
 * Average pooling over kh×kw windows of x [N, C, H, W], as PyTorch's `nn.AvgPool2d(kernel, stride,
 * padding)` with its default `count_include_pad`: padded zeros count in the mean.
 *
 * @example
 * new AvgPool2d(2).forward(tensor([[[[1, 2, 5, 0], [3, 4, 1, 1]]]])).toArray(); // [[[[2.5, 1.75]]]]
 */
export class AvgPool2d extends Pool2d {
  constructor(kernel: Pair, options: Pool2dLayerOptions = {}) {
    super('AvgPool2d', kernel, options);
  }

  forward(x: Tensor): Tensor {
    return this.pool('AvgPool2d', avgPool2d, x);
  }
}

/** Options of `MaxPool1d` and `AvgPool1d`: PyTorch's `stride` (default: the kernel) and `padding`. */
export interface Pool1dLayerOptions {
  /** Window step (default: the kernel, so windows tile the sequence). */
  stride?: number;
  /** −∞ (max) or 0 (average) at each end (default 0), at most half the kernel. */
  padding?: number;
}

/** What both 1-D pooling layers hold: the kernel, stride and padding, checked when the layer is made. */
abstract class Pool1d extends Module {
  readonly kernel: number;
  readonly stride: number;
  readonly padding: number;

  constructor(layer: string, kernel: number, options: Pool1dLayerOptions) {
    super();
    const o = checkOptions(layer, options);
    this.kernel = positiveInt(layer, 'kernel', kernel);
    this.stride = positiveInt(layer, 'stride', o.stride ?? this.kernel);
    this.padding = checkNumber(layer, 'padding', o.padding ?? 0, (v) => Number.isInteger(v) && v >= 0, 'a non-negative integer');
  }

  protected pool(layer: string, f: typeof maxPool1d, x: Tensor): Tensor {
    checkInput(layer, x, 3, '[N, C, L]');
    return asLayer(layer, () => f(x, this.kernel, { stride: this.stride, padding: this.padding }));
  }

  override describe(): string {
    return `${this.constructor.name}(${this.kernel}${this.stride === this.kernel ? '' : `, stride ${this.stride}`}${this.padding === 0 ? '' : `, padding ${this.padding}`})`;
  }
}

/**
 * Max pooling over windows of k steps of sequences x [N, C, L], as PyTorch's `nn.MaxPool1d(kernel,
 * stride, padding)` (no dilation or ceil_mode): L_out = ⌊(L + 2·padding − k) / stride⌋ + 1. At tied
 * maxima the gradient is shared evenly, where PyTorch gives it all to one.
 *
 * @example
 * new MaxPool1d(2).forward(tensor([[[1, 3, 2, 0, 5]]])).toArray(); // [[[3, 2]]]: the partial window is dropped
 */
export class MaxPool1d extends Pool1d {
  constructor(kernel: number, options: Pool1dLayerOptions = {}) {
    super('MaxPool1d', kernel, options);
  }

  forward(x: Tensor): Tensor {
    return this.pool('MaxPool1d', maxPool1d, x);
  }
}

/**
 * Average pooling over windows of k steps of sequences x [N, C, L], as PyTorch's `nn.AvgPool1d(kernel,
 * stride, padding)` with its default `count_include_pad`: padded zeros count in the mean.
 *
 * @example
 * new AvgPool1d(2, { stride: 1 }).forward(tensor([[[1, 3, 2, 0]]])).toArray(); // [[[2, 2.5, 1]]]
 */
export class AvgPool1d extends Pool1d {
  constructor(kernel: number, options: Pool1dLayerOptions = {}) {
    super('AvgPool1d', kernel, options);
  }

  forward(x: Tensor): Tensor {
    return this.pool('AvgPool1d', avgPool1d, x);
  }
}

/**
 * The means of `out` windows along `axis` of x, PyTorch's adaptive windows: window i covers
 * [⌊i·n/out⌋, ⌈(i + 1)·n/out⌉), so the windows cover the axis and differ in size by at most one.
 */
function adaptiveMean(x: Tensor, axis: number, out: number): Tensor {
  const n = x.shape[axis];
  if (out === n) return x;
  if (out === 1) return mean(x, axis, true);
  const parts: Tensor[] = [];
  for (let i = 0; i < out; i++) {
    const begin = x.shape.map((_, a) => (a === axis ? Math.floor((i * n) / out) : 0));
    const end = x.shape.map((d, a) => (a === axis ? Math.ceil(((i + 1) * n) / out) : d));
    parts.push(mean(slice(x, begin, end), axis, true));
  }
  return concat(parts, axis);
}

/**
 * Average pooling of images x [N, C, H, W] to a fixed size [N, C, oh, ow] whatever H and W, as
 * PyTorch's `nn.AdaptiveAvgPool2d([oh, ow])`: output cell (i, j) is the mean of rows
 * [⌊i·H/oh⌋, ⌈(i + 1)·H/oh⌉) and the columns found the same way. `AdaptiveAvgPool2d(1)` is global
 * average pooling (core's `globalAvgPool2d`, dims kept as PyTorch keeps them); a `Flatten` after it gives
 * `Dense` its [C, N] columns.
 *
 * @example
 * const x = tensor([[[[1, 2, 3], [4, 5, 6], [7, 8, 9]]]]);   // [1, 1, 3, 3]
 * new AdaptiveAvgPool2d(1).forward(x).toArray();             // [[[[5]]]]
 * new AdaptiveAvgPool2d([1, 2]).forward(x).toArray();        // [[[[4.5, 5.5]]]]: columns {0, 1} and {1, 2}
 */
export class AdaptiveAvgPool2d extends Module {
  readonly outputSize: [number, number];

  constructor(outputSize: Pair) {
    super();
    this.outputSize = pairArg('AdaptiveAvgPool2d', 'outputSize', outputSize);
  }

  forward(x: Tensor): Tensor {
    checkInput('AdaptiveAvgPool2d', x, 4, '[N, C, H, W]');
    const [n, c, h, w] = x.shape;
    if (h === 0 || w === 0) throw new ShapeError('AdaptiveAvgPool2d', `cannot average an empty image: x has shape ${fmtShape(x.shape)}`, 'x');
    const [oh, ow] = this.outputSize;
    if (oh === 1 && ow === 1) return reshape(asLayer('AdaptiveAvgPool2d', () => globalAvgPool2d(x)), [n, c, 1, 1]);
    return adaptiveMean(adaptiveMean(x, 2, oh), 3, ow); // a window is a product of a row range and a column range
  }

  override describe(): string {
    const [oh, ow] = this.outputSize;
    return `AdaptiveAvgPool2d(${oh === ow ? oh : `[${oh}, ${ow}]`})`;
  }
}

/**
 * The bridge from batch-first layouts (images [N, C, H, W], sequences [N, C, L]) to `Dense`'s
 * examples-as-columns: x [N, d₁, …, d_k] becomes [d₁·…·d_k, N], one example per column. Within a column
 * the values are in row-major order of (d₁, …, d_k), channel first, as PyTorch's `flatten(1)`; so a
 * `Dense` after it has the weight [nOut, C·H·W] that a PyTorch `Linear` after `Flatten` has. PyTorch's
 * `nn.Flatten` returns [N, C·H·W] (examples as rows): this is its transpose.
 *
 * @example
 * const x = tensor([[[[1, 2], [3, 4]]], [[[5, 6], [7, 8]]]]); // [2, 1, 2, 2]: two 2×2 images
 * new Flatten().forward(x).toArray();                          // [[1, 5], [2, 6], [3, 7], [4, 8]]
 */
export class Flatten extends Module {
  forward(x: Tensor): Tensor {
    checkInput('Flatten', x, [2, 3, 4, 5, 6, 7, 8], '[N, …] (examples first, at least 2 dims)');
    const [n, ...rest] = x.shape;
    return transpose(reshape(x, [n, rest.reduce((a, b) => a * b, 1)]));
  }

  override describe(): string {
    return 'Flatten([N, …] → [features, N])';
  }
}
