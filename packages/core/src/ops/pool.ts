/**
 * Pooling on NCHW images and NCL sequences. A pooling window is a convolution window with one input
 * channel, so pooling is im2col (conv.ts) followed by a reduction over the window's taps: `max` with
 * −∞ in the padding, `mean` with zeros. The VJPs are those of the reduction and of im2col (col2im), so
 * pooling is differentiable to any order and needs no primitive of its own.
 */
import { TapegradError, fmtShape, fmtValue } from '../errors.js';
import { Tensor } from '../tensor.js';
import { along, checkRank, im2col, pairOf, windows, type ConvGeometry, type Pair } from './conv.js';
import { expectTensor } from './define.js';
import { reshape, squeeze, unsqueeze } from './layout.js';
import { max, mean } from './reduce.js';

/** Options of `maxPool2d` and `avgPool2d`, e.g. `{ stride: 1, padding: 1 }`. */
export interface Pool2dOptions {
  /** Window step (default: the kernel size, so windows tile the image). */
  stride?: Pair;
  /** Implicit −∞ (max) or 0 (average) on each side (default 0), at most half the kernel. */
  padding?: Pair;
}

function pool2d(op: string, kind: 'max' | 'avg', x: Tensor, kernel: Pair, o: Pool2dOptions): Tensor {
  const [kh, kw] = pairOf(op, kernel, 'kernel');
  const [sh, sw] = pairOf(op, o.stride ?? [kh, kw], 'stride');
  const [ph, pw] = pairOf(op, o.padding ?? 0, 'padding', 0);
  if (2 * ph > kh || 2 * pw > kw) {
    throw new TapegradError(op, `padding ${JSON.stringify([ph, pw])} must be at most half the kernel ${JSON.stringify([kh, kw])} (as PyTorch)`, 'padding');
  }
  const ho = windows(op, x, x.shape[2], kh, sh, 1, 2 * ph, 'height', 'kernel');
  const wo = windows(op, x, x.shape[3], kw, sw, 1, 2 * pw, 'width', 'kernel');
  return pool(kind, x, { kh, kw, sh, sw, dh: 1, dw: 1, ph, pw, ho, wo });
}

/** Pools x [N, C, H, W] over the windows of a checked geometry g. */
function pool(kind: 'max' | 'avg', x: Tensor, g: ConvGeometry): Tensor {
  const [n, c, h, w] = x.shape;
  const cols = im2col(reshape(x, [n * c, 1, h, w]), g, kind === 'max' ? -Infinity : 0); // [N·C, kh·kw, ho·wo]
  return reshape(kind === 'max' ? max(cols, 1) : mean(cols, 1), [n, c, g.ho, g.wo]);
}

function checked(op: string, x: Tensor, rank: 3 | 4): Tensor {
  expectTensor(op, x);
  checkRank(op, x, rank, 'x', rank === 4 ? '[N, C, H, W]' : '[N, C, L]');
  return x;
}

/**
 * The maximum of each kh×kw window of x [N, C, H, W]: y [N, C, H_out, W_out] with
 * H_out = ⌊(H + 2·padding − kh) / stride⌋ + 1 (PyTorch's `F.max_pool2d`, without dilation or ceil_mode).
 * Differs from PyTorch at ties: the gradient is shared evenly among a window's tied maxima, where
 * PyTorch gives it all to one of them.
 *
 * @example
 * maxPool2d(tensor([[[[1, 2, 5, 0], [3, 4, 1, 1]]]]), 2).toArray(); // [[[[4, 5]]]]
 */
export function maxPool2d(x: Tensor, kernel: Pair, options: Pool2dOptions = {}): Tensor {
  return pool2d('maxPool2d', 'max', checked('maxPool2d', x, 4), kernel, options);
}

/**
 * The mean of each kh×kw window of x [N, C, H, W]; padded zeros count in the mean (PyTorch's
 * `F.avg_pool2d` with its default count_include_pad = true).
 *
 * @example
 * avgPool2d(tensor([[[[1, 2, 5, 0], [3, 4, 1, 1]]]]), 2).toArray(); // [[[[2.5, 1.75]]]]
 */
export function avgPool2d(x: Tensor, kernel: Pair, options: Pool2dOptions = {}): Tensor {
  return pool2d('avgPool2d', 'avg', checked('avgPool2d', x, 4), kernel, options);
}

/** Options of `maxPool1d` and `avgPool1d`, e.g. `{ stride: 1, padding: 1 }`. */
export interface Pool1dOptions {
  /** Window step (default: the kernel size). */
  stride?: number;
  /** Implicit −∞ (max) or 0 (average) at each end (default 0), at most half the kernel. */
  padding?: number;
}

/** Checked in 1-D, so errors show the user's [N, C, L] and numbers, not the image of height 1 pooled inside. */
function pool1d(op: string, kind: 'max' | 'avg', x: Tensor, kernel: number, o: Pool1dOptions): Tensor {
  checked(op, x, 3);
  if (!Number.isInteger(kernel) || kernel < 1) {
    throw new TapegradError(op, `expected a positive integer, got ${Array.isArray(kernel) ? JSON.stringify(kernel) : fmtValue(kernel)}`, 'kernel');
  }
  // along() checks a 1-D option and gives it back as the pair [height, value]
  const [, stride] = (along(op, o.stride, 'stride', 1) ?? [1, kernel]) as readonly [number, number];
  const [, padding] = (along(op, o.padding, 'padding', 0) ?? [0, 0]) as readonly [number, number];
  if (2 * padding > kernel) throw new TapegradError(op, `padding ${padding} must be at most half the kernel ${kernel} (as PyTorch)`, 'padding');
  const lo = windows(op, x, x.shape[2], kernel, stride, 1, 2 * padding, 'length', 'kernel');
  const g: ConvGeometry = { kh: 1, kw: kernel, sh: 1, sw: stride, dh: 1, dw: 1, ph: 0, pw: padding, ho: 1, wo: lo };
  return squeeze(pool(kind, unsqueeze(x, 2), g), 2);
}

/**
 * The maximum of each window of k steps of sequences x [N, C, L] (PyTorch's `F.max_pool1d`); ties
 * share the gradient, as in maxPool2d.
 *
 * @example
 * maxPool1d(tensor([[[1, 3, 2, 0, 5]]]), 2).toArray(); // [[[3, 2]]]: the last, partial window is dropped
 */
export function maxPool1d(x: Tensor, kernel: number, options: Pool1dOptions = {}): Tensor {
  return pool1d('maxPool1d', 'max', x, kernel, options);
}

/**
 * The mean of each window of k steps of sequences x [N, C, L] (PyTorch's `F.avg_pool1d`, padded zeros counted).
 *
 * @example
 * avgPool1d(tensor([[[1, 3, 2, 0]]]), 2, { stride: 1 }).toArray(); // [[[2, 2.5, 1]]]
 */
export function avgPool1d(x: Tensor, kernel: number, options: Pool1dOptions = {}): Tensor {
  return pool1d('avgPool1d', 'avg', x, kernel, options);
}

/**
 * The mean over each channel's whole image: x [N, C, H, W] → [N, C], ready for a dense layer. PyTorch's
 * `F.adaptive_avg_pool2d(x, 1)` keeps the two spatial dims as 1s; here they are dropped.
 *
 * @example
 * globalAvgPool2d(tensor([[[[1, 2], [3, 6]], [[0, 0], [0, 4]]]])).toArray(); // [[3, 1]]
 */
export function globalAvgPool2d(x: Tensor): Tensor {
  checked('globalAvgPool2d', x, 4);
  if (x.shape[2] * x.shape[3] === 0) throw new TapegradError('globalAvgPool2d', `cannot average an empty image: x has shape ${fmtShape(x.shape)}`, 'x');
  return mean(x, [2, 3]);
}
