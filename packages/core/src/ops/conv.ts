/**
 * Convolution. Images are NCHW ([batch, channels, height, width]) and sequences NCL, as in PyTorch, so
 * a weight of PyTorch's shape [out, in/groups, kh, kw] is used as it is.
 *
 * Design: two linear primitives, `im2col` (every window as a column) and `col2im` (its adjoint), and
 * everything else is `matmul`, which runs on the fast gemm kernel:
 *   conv2d(x, W)          = W_g · im2col(x)          per group g, one gemm per image
 *   convTranspose2d(x, W) = col2im(W_gᵀ · x)
 * Each VJP then follows from the VJPs of matmul, im2col and col2im — the input gradient of a conv is a
 * transposed conv, and the weight gradient dY · im2col(x)ᵀ — and since those VJPs are written with the
 * same ops, every convolution is differentiable to any order without a hand-written second-order rule.
 */
import { alloc } from '../dtype.js';
import { ShapeError, TapegradError, fmtShape, fmtValue } from '../errors.js';
import { kernels, type ConvGeometry } from '../kernels/index.js';
import { sizeOf } from '../shape.js';
import { apply } from '../tape.js';
import { Tensor } from '../tensor.js';
import { add } from './arith.js';
import { defineOp, expectTensor, type Grads } from './define.js';
import { reshape, squeeze, unsqueeze } from './layout.js';
import { matmulT } from './matmul.js';

export type { ConvGeometry };

// im2col is linear (affine when fill ≠ 0), and col2im is its adjoint
export const im2colOp = defineOp<'im2col', { g: ConvGeometry; fill: number }>('im2col', {
  forward: ([x], { g, fill }) => {
    const [n, c] = x.shape;
    const shape = [n, c * g.kh * g.kw, g.ho * g.wo];
    const out = alloc(x.dtype, sizeOf(shape));
    kernels.im2col(x.data, x.shape, g, fill, out);
    return new Tensor(out, shape);
  },
  vjp: (dy, { inputs: [x], attrs: { g } }): Grads => [col2im(dy, g, x.shape)],
});
// col2im is linear, and im2col (fill 0) is its adjoint
export const col2imOp = defineOp<'col2im', { g: ConvGeometry; shape: readonly number[] }>('col2im', {
  forward: ([cols], { g, shape }) => {
    const out = alloc(cols.dtype, sizeOf(shape));
    kernels.col2im(cols.data, g, out, shape);
    return new Tensor(out, shape);
  },
  vjp: (dy, { attrs: { g } }): Grads => [im2col(dy, g, 0)],
});
/** @internal The windows of x ([N, C, H, W]) as columns: [N, C·kh·kw, ho·wo]; `fill` in the padding. */
export const im2col = (x: Tensor, g: ConvGeometry, fill: number): Tensor => apply(im2colOp, [x], { g, fill });
/** @internal The adjoint of im2col: the column entries added back onto an image of `shape`. */
export const col2im = (cols: Tensor, g: ConvGeometry, shape: readonly number[]): Tensor => apply(col2imOp, [cols], { g, shape });

/** One number for both spatial dims, or [height, width]. */
export type Pair = number | readonly [number, number];

/** Options of `conv2d` (as PyTorch's `F.conv2d` arguments), e.g. `{ stride: 2, padding: 'same', groups: 4, bias }`. */
export interface Conv2dOptions {
  /** Window step (default 1). */
  stride?: Pair;
  /**
   * Zeros added on each side (default 0): a number, [height, width], `'valid'` (none) or `'same'`
   * (output as large as the input; stride 1 only; an odd total goes one more to the bottom/right, as PyTorch).
   */
  padding?: Pair | 'same' | 'valid';
  /** Spacing between kernel taps (default 1). */
  dilation?: Pair;
  /** Channel groups (default 1); groups = in channels = out channels is a depthwise convolution. */
  groups?: number;
  /** Added per output channel: shape [out]. */
  bias?: Tensor | null;
}

/** A positive (or, with `min` 0, non-negative) integer pair, or a typed error naming the op and argument. */
export function pairOf(op: string, v: unknown, arg: string, min = 1): [number, number] {
  const p = typeof v === 'number' ? [v, v] : Array.isArray(v) && v.length === 2 ? v : null;
  if (p === null || !p.every((d) => Number.isInteger(d) && d >= min)) {
    throw new TapegradError(op, `expected ${min === 0 ? 'a non-negative' : 'a positive'} integer or a pair of them, got ${Array.isArray(v) ? JSON.stringify(v) : fmtValue(v)}`, arg);
  }
  return [p[0], p[1]];
}

function positiveInt(op: string, v: unknown, arg: string): number {
  if (!Number.isInteger(v) || (v as number) < 1) throw new TapegradError(op, `expected a positive integer, got ${fmtValue(v)}`, arg);
  return v as number;
}

/** @internal */
export function checkRank(op: string, t: Tensor, rank: number, arg: string, what: string): void {
  if (t.ndim !== rank) throw new ShapeError(op, `expected a rank-${rank} tensor ${what}, got shape ${fmtShape(t.shape)}`, arg);
}

/** @internal A 1-D option as the 2-D one of an image of height 1 (`height` is its value along that dim). */
export function along(op: string, v: unknown, arg: string, height: number): Pair | undefined {
  if (v === undefined) return undefined;
  const min = height === 0 ? 0 : 1; // padding may be 0; strides and dilations may not
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
    throw new TapegradError(op, `expected ${min === 0 ? 'a non-negative' : 'a positive'} integer${arg === 'padding' && op.startsWith('conv') ? ", 'same' or 'valid'" : ''}, got ${Array.isArray(v) ? JSON.stringify(v) : fmtValue(v)}`, arg);
  }
  return [height, v];
}

/** @internal Windows along one dim: ⌊(n + padding − d·(k − 1) − 1) / s⌋ + 1, or a ShapeError if the kernel does not fit. */
export function windows(op: string, x: Tensor, n: number, k: number, s: number, d: number, pad: number, dim: string, arg = 'w'): number {
  const span = d * (k - 1) + 1;
  if (span > n + pad) {
    throw new ShapeError(
      op,
      `the kernel (${k}${d > 1 ? ` dilated by ${d} to ${span}` : ''}) is larger than the padded input along the ${dim} (${n} + ${pad} padding); x has shape ${fmtShape(x.shape)}`,
      arg,
    );
  }
  return Math.floor((n + pad - span) / s) + 1;
}

/** The leading and total padding of each spatial dim. */
function resolvePadding(op: string, padding: unknown, k: readonly number[], dil: readonly number[], stride: readonly number[]): [number, number][] {
  if (padding === 'valid') return [[0, 0], [0, 0]];
  if (padding === 'same') {
    if (stride.some((s) => s !== 1)) throw new TapegradError(op, `'same' padding needs stride 1, got stride ${JSON.stringify(stride)} (as PyTorch)`, 'padding');
    return k.map((kk, i) => {
      const total = dil[i] * (kk - 1);
      return [Math.floor(total / 2), total];
    });
  }
  return pairOf(op, padding, 'padding', 0).map((p) => [p, 2 * p]);
}

/** conv2d on checked 4-D operands; `op` names the public function for errors. */
function conv(op: string, x: Tensor, w: Tensor, o: Conv2dOptions, bias: Tensor | null): Tensor {
  const [n, cin, h, wd] = x.shape;
  const [cout, cpg, kh, kw] = w.shape;
  const groups = positiveInt(op, o.groups ?? 1, 'groups');
  if (cin % groups !== 0 || cout % groups !== 0) {
    throw new ShapeError(op, `in channels (${cin}, x of shape ${fmtShape(x.shape)}) and out channels (${cout}, w of shape ${fmtShape(w.shape)}) must both be divisible by groups = ${groups}`, 'groups');
  }
  if (cpg !== cin / groups) {
    throw new ShapeError(op, `w has shape ${fmtShape(w.shape)}, so it expects ${cpg * groups} in channels (${cpg} per group × ${groups} groups), but x of shape ${fmtShape(x.shape)} has ${cin}`, 'w');
  }
  const [sh, sw] = pairOf(op, o.stride ?? 1, 'stride');
  const [dh, dw] = pairOf(op, o.dilation ?? 1, 'dilation');
  const [[ph, pth], [pw, ptw]] = resolvePadding(op, o.padding ?? 0, [kh, kw], [dh, dw], [sh, sw]);
  const ho = windows(op, x, h, kh, sh, dh, pth, 'height');
  const wo = windows(op, x, wd, kw, sw, dw, ptw, op.endsWith('1d') ? 'length' : 'width');
  const g: ConvGeometry = { kh, kw, sh, sw, dh, dw, ph, pw, ho, wo };
  const k = cpg * kh * kw;
  const cols = reshape(im2col(x, g, 0), [n, groups, k, ho * wo]);
  const y = reshape(matmulT(reshape(w, [groups, cout / groups, k]), cols, false, false), [n, cout, ho, wo]);
  return bias === null ? y : add(y, reshape(bias, [cout, 1, 1]));
}

function checkBias(op: string, bias: unknown, channels: number): Tensor | null {
  if (bias === undefined || bias === null) return null;
  const b = expectTensor(op, bias, 'bias');
  if (b.ndim !== 1 || b.shape[0] !== channels) throw new ShapeError(op, `expected shape [${channels}] (one per out channel), got ${fmtShape(b.shape)}`, 'bias');
  return b;
}

/**
 * 2-D convolution (cross-correlation, as every framework) of x [N, C_in, H, W] with w
 * [C_out, C_in/groups, kh, kw]: y [N, C_out, H_out, W_out], H_out = ⌊(H + padding − dilation·(kh − 1) − 1) / stride⌋ + 1.
 * Same arguments and result as PyTorch's `F.conv2d`; `bias` goes in the options.
 *
 * @example
 * const x = tensor([[[[1, 2, 3], [4, 5, 6], [7, 8, 9]]]]);  // [1, 1, 3, 3]
 * const w = tensor([[[[1, 0], [0, -1]]]]);                   // [1, 1, 2, 2]
 * conv2d(x, w).toArray();                                    // [[[[-4, -4], [-4, -4]]]]
 * conv2d(x, w, { padding: 'same' }).shape;                   // [1, 1, 3, 3]
 */
export function conv2d(x: Tensor, w: Tensor, options: Conv2dOptions = {}): Tensor {
  expectTensor('conv2d', x);
  expectTensor('conv2d', w, 'w');
  checkRank('conv2d', x, 4, 'x', '[N, C, H, W]');
  checkRank('conv2d', w, 4, 'w', '[C_out, C_in/groups, kh, kw]');
  return conv('conv2d', x, w, options, checkBias('conv2d', options.bias, w.shape[0]));
}

/** Options of `conv1d`: those of `conv2d`, one number each, e.g. `{ stride: 2, padding: 'same' }`. */
export interface Conv1dOptions {
  stride?: number;
  /** Zeros on each end: a number, `'valid'` or `'same'` (stride 1 only). */
  padding?: number | 'same' | 'valid';
  dilation?: number;
  groups?: number;
  /** Added per output channel: shape [out]. */
  bias?: Tensor | null;
}

/**
 * 1-D convolution of sequences x [N, C_in, L] with w [C_out, C_in/groups, k]: y [N, C_out, L_out]
 * (PyTorch's `F.conv1d`). It is conv2d on images of height 1.
 *
 * @example
 * conv1d(tensor([[[1, 2, 3, 4]]]), tensor([[[1, -1]]])).toArray(); // [[[-1, -1, -1]]]
 */
export function conv1d(x: Tensor, w: Tensor, options: Conv1dOptions = {}): Tensor {
  expectTensor('conv1d', x);
  expectTensor('conv1d', w, 'w');
  checkRank('conv1d', x, 3, 'x', '[N, C, L]');
  checkRank('conv1d', w, 3, 'w', '[C_out, C_in/groups, k]');
  const { padding } = options;
  const o: Conv2dOptions = {
    stride: along('conv1d', options.stride, 'stride', 1),
    padding: padding === 'same' || padding === 'valid' ? padding : along('conv1d', padding, 'padding', 0),
    dilation: along('conv1d', options.dilation, 'dilation', 1),
    groups: options.groups,
  };
  const y = conv('conv1d', unsqueeze(x, 2), unsqueeze(w, 2), o, checkBias('conv1d', options.bias, w.shape[0]));
  return squeeze(y, 2);
}

/** Options of `convTranspose2d` (as PyTorch's `F.conv_transpose2d` arguments), e.g. `{ stride: 2, outputPadding: 1 }`. */
export interface ConvTranspose2dOptions {
  stride?: Pair;
  /** Removed from each side of the full output (default 0), as PyTorch's `padding`. */
  padding?: Pair;
  /** Added to the bottom/right of the output (default 0), smaller than stride or dilation; picks among the sizes a strided conv maps onto one. */
  outputPadding?: Pair;
  dilation?: Pair;
  groups?: number;
  bias?: Tensor | null;
}

/**
 * Transposed 2-D convolution, the adjoint of conv2d in x (PyTorch's `F.conv_transpose2d`): x
 * [N, C_in, H, W] and w [C_in, C_out/groups, kh, kw] (PyTorch's layout) give y [N, C_out, H_out, W_out]
 * with H_out = (H − 1)·stride − 2·padding + dilation·(kh − 1) + outputPadding + 1.
 *
 * @example
 * const y = convTranspose2d(tensor([[[[1, 2], [3, 4]]]]), tensor([[[[1, 1], [1, 1]]]]), { stride: 2 });
 * y.shape; // [1, 1, 4, 4]: each input pixel becomes a 2×2 block
 */
export function convTranspose2d(x: Tensor, w: Tensor, options: ConvTranspose2dOptions = {}): Tensor {
  const op = 'convTranspose2d';
  expectTensor(op, x);
  expectTensor(op, w, 'w');
  checkRank(op, x, 4, 'x', '[N, C, H, W]');
  checkRank(op, w, 4, 'w', '[C_in, C_out/groups, kh, kw]');
  const [n, cin, h, wd] = x.shape;
  const [wcin, cpg, kh, kw] = w.shape;
  const groups = positiveInt(op, options.groups ?? 1, 'groups');
  if (cin % groups !== 0) throw new ShapeError(op, `in channels (${cin}, x of shape ${fmtShape(x.shape)}) must be divisible by groups = ${groups}`, 'groups');
  if (wcin !== cin) throw new ShapeError(op, `w has shape ${fmtShape(w.shape)}, so it expects ${wcin} in channels, but x of shape ${fmtShape(x.shape)} has ${cin}`, 'w');
  const [sh, sw] = pairOf(op, options.stride ?? 1, 'stride');
  const [dh, dw] = pairOf(op, options.dilation ?? 1, 'dilation');
  const [ph, pw] = pairOf(op, options.padding ?? 0, 'padding', 0);
  const [oph, opw] = pairOf(op, options.outputPadding ?? 0, 'outputPadding', 0);
  if (oph >= Math.max(sh, dh) || opw >= Math.max(sw, dw)) {
    throw new TapegradError(op, `outputPadding ${JSON.stringify([oph, opw])} must be smaller than stride ${JSON.stringify([sh, sw])} or dilation ${JSON.stringify([dh, dw])}`, 'outputPadding');
  }
  const ho = (h - 1) * sh - 2 * ph + dh * (kh - 1) + oph + 1;
  const wo = (wd - 1) * sw - 2 * pw + dw * (kw - 1) + opw + 1;
  if (ho < 1 || wo < 1) throw new ShapeError(op, `padding ${JSON.stringify([ph, pw])} leaves no output (${ho}×${wo}) for x of shape ${fmtShape(x.shape)} and w of shape ${fmtShape(w.shape)}`, 'padding');
  const bias = checkBias(op, options.bias, cpg * groups);
  // y = col2im(W_gᵀ · x_g): the conv from y's [ho, wo] with this geometry has windows [h, wd]
  const g: ConvGeometry = { kh, kw, sh, sw, dh, dw, ph, pw, ho: h, wo: wd };
  const cols = matmulT(reshape(w, [groups, cin / groups, cpg * kh * kw]), reshape(x, [n, groups, cin / groups, h * wd]), true, false);
  const y = col2im(reshape(cols, [n, groups * cpg * kh * kw, h * wd]), g, [n, groups * cpg, ho, wo]);
  return bias === null ? y : add(y, reshape(bias, [groups * cpg, 1, 1]));
}
