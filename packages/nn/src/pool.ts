import { avgPool2d, maxPool2d, reshape, transpose, type Pair, type Tensor } from '@tapegrad/core';
import { Module } from './module.js';
import { checkOptions } from './check.js';
import { asLayer, checkInput, pairArg } from './layer-args.js';

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
