import { ShapeError, TapegradError, conv1d, conv2d, convTranspose2d, fmtShape, type DType, type Generator, type Pair, type Tensor } from '@tapegrad/core';
import { Module } from './module.js';
import { kaimingUniform, uniform, fans } from './init.js';
import { checkBoolean, checkOptions } from './check.js';
import { asLayer, checkInput, dtypeArg, pairArg, parameter, positiveInt } from './layer-args.js';

/**
 * Convolution layers in PyTorch's layout: images are [N, C, H, W], sequences [N, C, L], and the
 * parameters are PyTorch's `weight` [C_out, C_in/groups, kh, kw] and `bias` [C_out], under those names,
 * so a PyTorch `state_dict` saved as safetensors loads as it is. `Flatten` (reshape.ts) is the bridge to
 * `Dense`'s examples-as-columns layout.
 */

/** Options of the `Conv2d` layer: those of core's `conv2d`, plus whether it has a bias and how to draw it. */
export interface Conv2dLayerOptions {
  /** Window step (default 1): a number or [sh, sw]. */
  stride?: Pair;
  /** Zeros on each side (default 0): a number, [ph, pw], 'valid' or 'same' (stride 1). */
  padding?: Pair | 'same' | 'valid';
  /** Spacing between kernel taps (default 1). */
  dilation?: Pair;
  /** Channel groups (default 1); groups = inChannels = outChannels is depthwise. */
  groups?: number;
  /** Whether the layer has a bias (default true). */
  bias?: boolean;
  /** 'float32' (default) or 'float64'. */
  dtype?: DType;
  /** The random stream the initializers draw from (default: the global one, see `manualSeed`). */
  generator?: Generator;
}

/** Options of the `Conv1d` layer: those of `Conv2d`, one number each. */
export interface Conv1dLayerOptions extends Omit<Conv2dLayerOptions, 'stride' | 'padding' | 'dilation'> {
  stride?: number;
  padding?: number | 'same' | 'valid';
  dilation?: number;
}

/** Options of the `ConvTranspose2d` layer (PyTorch's `ConvTranspose2d` arguments). */
export interface ConvTranspose2dLayerOptions extends Omit<Conv2dLayerOptions, 'padding'> {
  /** Removed from each side of the full output (default 0). */
  padding?: Pair;
  /** Added to the bottom/right of the output (default 0), smaller than stride or dilation. */
  outputPadding?: Pair;
}

/**
 * PyTorch's default draw for a layer's parameters: weight from kaiming-uniform with a = √5, bias from
 * U(−1/√fanIn, 1/√fanIn), so both lie in ±1/√fanIn with fanIn = weight.shape[1]·kh·kw.
 */
function draw(shape: number[], outChannels: number, bias: boolean, dtype: DType, generator: Generator | undefined): [Tensor, Tensor | null] {
  const weight = parameter(kaimingUniform(shape, { a: Math.sqrt(5), dtype, generator }));
  const bound = 1 / Math.sqrt(fans(shape).fanIn);
  return [weight, bias ? parameter(uniform([outChannels], { low: -bound, high: bound, dtype, generator })) : null];
}

/** inChannels, outChannels and groups, checked against each other. */
function channels(layer: string, inC: unknown, outC: unknown, groups: unknown): [number, number, number] {
  const i = positiveInt(layer, 'inChannels', inC), o = positiveInt(layer, 'outChannels', outC);
  const g = positiveInt(layer, 'groups', groups ?? 1);
  if (i % g !== 0 || o % g !== 0) throw new TapegradError(layer, `inChannels (${i}) and outChannels (${o}) must both be divisible by groups = ${g}`, 'groups');
  return [i, o, g];
}

/** The input's channel count is the layer's, and the kernel fits in the padded input along each spatial dim. */
function checkImage(layer: string, x: Tensor, inC: number, takes: string, spatial: readonly [string, number, number, number][]): void {
  if (x.shape[1] !== inC) throw new ShapeError(layer, `input has shape ${fmtShape(x.shape)} but this layer takes ${takes} (${inC} channels)`, 'x');
  spatial.forEach(([dim, k, d, pad], i) => {
    const n = x.shape[2 + i], span = d * (k - 1) + 1;
    if (span > n + pad) {
      throw new ShapeError(layer, `input has shape ${fmtShape(x.shape)}: its ${dim} ${n} (+ ${pad} padding) is smaller than the kernel (${k}${d > 1 ? ` dilated to ${span}` : ''})`, 'x');
    }
  });
}

/** Total padding of one dim, as conv2d will add it. */
const padTotal = (padding: Pair | 'same' | 'valid', i: number, k: number, d: number): number =>
  padding === 'valid' ? 0 : padding === 'same' ? d * (k - 1) : 2 * (typeof padding === 'number' ? padding : padding[i]);

/** 'same', 'valid' or a non-negative number or pair. */
function paddingArg(layer: string, v: unknown, pair: boolean): Pair | 'same' | 'valid' {
  if (v === 'same' || v === 'valid') return v;
  if (!pair && typeof v !== 'number' && v !== undefined) throw new TapegradError(layer, `expected a non-negative integer, 'same' or 'valid', got ${JSON.stringify(v)}`, 'padding');
  return pairArg(layer, 'padding', v ?? 0, 0);
}

/**
 * A 2-D convolution layer, as PyTorch's `nn.Conv2d(inChannels, outChannels, kernel, …)`: for x
 * [N, inChannels, H, W], y = conv2d(x, weight) + bias is [N, outChannels, H_out, W_out] with
 * H_out = ⌊(H + 2·padding − dilation·(kh − 1) − 1) / stride⌋ + 1. Parameters `weight`
 * [outChannels, inChannels/groups, kh, kw] and `bias` [outChannels] are drawn as PyTorch draws them
 * (kaiming-uniform with a = √5: both in ±1/√(inChannels/groups·kh·kw)) from the seeded generator.
 *
 * @example
 * const conv = new Conv2d(1, 4, 3, { padding: 1, generator: new Generator(0) });
 * conv.forward(randn([2, 1, 8, 8])).shape;     // [2, 4, 8, 8]
 * [...conv.parameters().keys()];               // ['weight', 'bias']
 */
export class Conv2d extends Module {
  /** [outChannels, inChannels/groups, kh, kw], PyTorch's `Conv2d.weight`. */
  weight: Tensor;
  /** [outChannels], or null for a layer made with `{ bias: false }`. */
  bias: Tensor | null;
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernel: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number] | 'same' | 'valid';
  readonly dilation: [number, number];
  readonly groups: number;

  constructor(inChannels: number, outChannels: number, kernel: Pair, options: Conv2dLayerOptions = {}) {
    super();
    const o = checkOptions('Conv2d', options);
    [this.inChannels, this.outChannels, this.groups] = channels('Conv2d', inChannels, outChannels, o.groups);
    this.kernel = pairArg('Conv2d', 'kernel', kernel);
    this.stride = pairArg('Conv2d', 'stride', o.stride ?? 1);
    this.dilation = pairArg('Conv2d', 'dilation', o.dilation ?? 1);
    const padding = paddingArg('Conv2d', o.padding, true);
    this.padding = typeof padding === 'string' ? padding : pairArg('Conv2d', 'padding', padding, 0);
    if (this.padding === 'same' && this.stride.some((s) => s !== 1)) {
      throw new TapegradError('Conv2d', `'same' padding needs stride 1, got stride ${JSON.stringify(this.stride)} (as PyTorch)`, 'padding');
    }
    const shape = [this.outChannels, this.inChannels / this.groups, ...this.kernel];
    [this.weight, this.bias] = draw(shape, this.outChannels, checkBoolean('Conv2d', 'bias', o.bias, true), dtypeArg('Conv2d', o.dtype), o.generator);
  }

  forward(x: Tensor): Tensor {
    const takes = `[N, ${this.inChannels}, H, W]`;
    checkInput('Conv2d', x, 4, takes);
    checkImage('Conv2d', x, this.inChannels, takes, (['height', 'width'] as const).map((dim, i) =>
      [dim, this.kernel[i], this.dilation[i], padTotal(this.padding, i, this.kernel[i], this.dilation[i])] as [string, number, number, number]));
    const { stride, padding, dilation, groups, bias } = this;
    return asLayer('Conv2d', () => conv2d(x, this.weight, { stride, padding, dilation, groups, bias }));
  }

  override describe(): string {
    return `Conv2d(${this.inChannels} → ${this.outChannels}, kernel ${fmtShape(this.kernel)}${options(this)}${this.bias === null ? ', no bias' : ''})`;
  }
}

/** The options that differ from their defaults, as `describe()` shows them. */
function options(c: { stride: unknown; padding: unknown; dilation: unknown; groups: number }): string {
  const show = (v: unknown) => (Array.isArray(v) && v[0] === v[1] ? String(v[0]) : Array.isArray(v) ? fmtShape(v) : String(v));
  const parts = [['stride', c.stride, '1'], ['padding', c.padding, '0'], ['dilation', c.dilation, '1'], ['groups', c.groups, '1']]
    .map(([name, v, def]) => [name, show(v), def])
    .filter(([, v, def]) => v !== def);
  return parts.map(([name, v]) => `, ${name} ${v}`).join('');
}

/**
 * A 1-D convolution layer over sequences x [N, inChannels, L], as PyTorch's `nn.Conv1d`: `weight`
 * [outChannels, inChannels/groups, k], `bias` [outChannels], drawn as `Conv2d`'s.
 *
 * @example
 * const conv = new Conv1d(2, 3, 5, { padding: 'same', generator: new Generator(0) });
 * conv.forward(randn([4, 2, 16])).shape;      // [4, 3, 16]
 */
export class Conv1d extends Module {
  /** [outChannels, inChannels/groups, k], PyTorch's `Conv1d.weight`. */
  weight: Tensor;
  /** [outChannels], or null. */
  bias: Tensor | null;
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernel: number;
  readonly stride: number;
  readonly padding: number | 'same' | 'valid';
  readonly dilation: number;
  readonly groups: number;

  constructor(inChannels: number, outChannels: number, kernel: number, options: Conv1dLayerOptions = {}) {
    super();
    const o = checkOptions('Conv1d', options);
    [this.inChannels, this.outChannels, this.groups] = channels('Conv1d', inChannels, outChannels, o.groups);
    this.kernel = positiveInt('Conv1d', 'kernel', kernel);
    this.stride = positiveInt('Conv1d', 'stride', o.stride ?? 1);
    this.dilation = positiveInt('Conv1d', 'dilation', o.dilation ?? 1);
    const padding = paddingArg('Conv1d', o.padding, false);
    this.padding = typeof padding === 'string' ? padding : (padding as [number, number])[0];
    if (this.padding === 'same' && this.stride !== 1) throw new TapegradError('Conv1d', `'same' padding needs stride 1, got stride ${this.stride} (as PyTorch)`, 'padding');
    [this.weight, this.bias] = draw([this.outChannels, this.inChannels / this.groups, this.kernel], this.outChannels, checkBoolean('Conv1d', 'bias', o.bias, true), dtypeArg('Conv1d', o.dtype), o.generator);
  }

  forward(x: Tensor): Tensor {
    const takes = `[N, ${this.inChannels}, L]`;
    checkInput('Conv1d', x, 3, takes);
    checkImage('Conv1d', x, this.inChannels, takes, [['length', this.kernel, this.dilation, padTotal(this.padding, 0, this.kernel, this.dilation)]]);
    const { stride, padding, dilation, groups, bias } = this;
    return asLayer('Conv1d', () => conv1d(x, this.weight, { stride, padding, dilation, groups, bias }));
  }

  override describe(): string {
    return `Conv1d(${this.inChannels} → ${this.outChannels}, kernel ${this.kernel}${options(this)}${this.bias === null ? ', no bias' : ''})`;
  }
}

/**
 * A transposed 2-D convolution layer (upsampling), as PyTorch's `nn.ConvTranspose2d`: `weight`
 * [inChannels, outChannels/groups, kh, kw] (PyTorch's layout) and `bias` [outChannels]; for x
 * [N, inChannels, H, W] the output is [N, outChannels, H_out, W_out] with
 * H_out = (H − 1)·stride − 2·padding + dilation·(kh − 1) + outputPadding + 1. Drawn as PyTorch draws
 * it: fanIn = outChannels/groups·kh·kw (PyTorch reads it from the weight's second dim).
 *
 * @example
 * const up = new ConvTranspose2d(4, 2, 2, { stride: 2, generator: new Generator(0) });
 * up.forward(randn([1, 4, 5, 5])).shape;      // [1, 2, 10, 10]
 */
export class ConvTranspose2d extends Module {
  /** [inChannels, outChannels/groups, kh, kw], PyTorch's `ConvTranspose2d.weight`. */
  weight: Tensor;
  /** [outChannels], or null. */
  bias: Tensor | null;
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernel: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];
  readonly outputPadding: [number, number];
  readonly dilation: [number, number];
  readonly groups: number;

  constructor(inChannels: number, outChannels: number, kernel: Pair, options: ConvTranspose2dLayerOptions = {}) {
    super();
    const layer = 'ConvTranspose2d';
    const o = checkOptions(layer, options);
    [this.inChannels, this.outChannels, this.groups] = channels(layer, inChannels, outChannels, o.groups);
    this.kernel = pairArg(layer, 'kernel', kernel);
    this.stride = pairArg(layer, 'stride', o.stride ?? 1);
    this.dilation = pairArg(layer, 'dilation', o.dilation ?? 1);
    this.padding = pairArg(layer, 'padding', o.padding ?? 0, 0);
    this.outputPadding = pairArg(layer, 'outputPadding', o.outputPadding ?? 0, 0);
    const shape = [this.inChannels, this.outChannels / this.groups, ...this.kernel];
    [this.weight, this.bias] = draw(shape, this.outChannels, checkBoolean(layer, 'bias', o.bias, true), dtypeArg(layer, o.dtype), o.generator);
  }

  forward(x: Tensor): Tensor {
    checkInput('ConvTranspose2d', x, 4, `[N, ${this.inChannels}, H, W]`);
    if (x.shape[1] !== this.inChannels) {
      throw new ShapeError('ConvTranspose2d', `input has shape ${fmtShape(x.shape)} but this layer takes [N, ${this.inChannels}, H, W] (${this.inChannels} channels)`, 'x');
    }
    const { stride, padding, outputPadding, dilation, groups, bias } = this;
    return asLayer('ConvTranspose2d', () => convTranspose2d(x, this.weight, { stride, padding, outputPadding, dilation, groups, bias }));
  }

  override describe(): string {
    const extra = this.outputPadding.some((p) => p !== 0) ? `, outputPadding ${fmtShape(this.outputPadding)}` : '';
    return `ConvTranspose2d(${this.inChannels} → ${this.outChannels}, kernel ${fmtShape(this.kernel)}${options(this)}${extra}${this.bias === null ? ', no bias' : ''})`;
  }
}
