import {
  ShapeError, TapegradError, add, expectTensor, fmtShape, isForeignTensor, isTensor, matmul, reshape, scaledDotProductAttention, split,
  transpose, unsqueeze, type DType, type Generator, type Tensor,
} from '@tapegrad/core';
import { Module } from './module.js';
import { fans, glorotUniform, kaimingUniform, uniform, zeros } from './init.js';
import { checkBoolean, checkOptions, describeValue } from './check.js';
import { asLayer, checkInput, dtypeArg, parameter, positiveInt } from './layer-args.js';

/**
 * Layers on the last axis, for sequences [N, L, E] (batch first, features last, as PyTorch with
 * `batch_first=True`): `Linear` and `MultiHeadAttention`.
 */

/** Options of `Linear`. */
export interface LinearOptions {
  /** Whether the layer has a bias (default true). */
  bias?: boolean;
  /** 'float32' (default) or 'float64'. */
  dtype?: DType;
  /** The random stream the initializers draw from (default: the global one). */
  generator?: Generator;
}

/**
 * PyTorch's `nn.Linear(inFeatures, outFeatures)` on the **last** axis: x [..., in] gives
 * y = x·weightᵀ + bias [..., out], with `weight` [out, in] and `bias` [out] drawn as PyTorch draws them
 * (both in ±1/√in). For the notes' columns layout [features, m], use `Dense`, whose `W` is this `weight`.
 *
 * @example
 * const lin = new Linear(4, 2, { generator: new Generator(0) });
 * lin.forward(randn([3, 5, 4])).shape; // [3, 5, 2]
 */
export class Linear extends Module {
  /** [outFeatures, inFeatures], PyTorch's `Linear.weight`. */
  weight: Tensor;
  /** [outFeatures], or null. */
  bias: Tensor | null;
  readonly inFeatures: number;
  readonly outFeatures: number;

  constructor(inFeatures: number, outFeatures: number, options: LinearOptions = {}) {
    super();
    const o = checkOptions('Linear', options);
    this.inFeatures = positiveInt('Linear', 'inFeatures', inFeatures);
    this.outFeatures = positiveInt('Linear', 'outFeatures', outFeatures);
    const dtype = dtypeArg('Linear', o.dtype);
    this.weight = parameter(kaimingUniform([outFeatures, inFeatures], { a: Math.sqrt(5), dtype, generator: o.generator }));
    const bound = 1 / Math.sqrt(fans([outFeatures, inFeatures]).fanIn);
    this.bias = checkBoolean('Linear', 'bias', o.bias, true) ? parameter(uniform([outFeatures], { low: -bound, high: bound, dtype, generator: o.generator })) : null;
  }

  forward(x: Tensor): Tensor {
    checkInput('Linear', x, [1, 2, 3, 4, 5, 6, 7, 8], `[…, ${this.inFeatures}]`);
    if (x.shape[x.ndim - 1] !== this.inFeatures) {
      throw new ShapeError('Linear', `input has shape ${fmtShape(x.shape)} but this layer takes […, ${this.inFeatures}] (features last)`, 'x');
    }
    const y = matmul(x, transpose(this.weight));
    return this.bias === null ? y : add(y, this.bias);
  }

  override describe(): string {
    return `Linear(${this.inFeatures} → ${this.outFeatures}${this.bias === null ? ', no bias' : ''})`;
  }
}

/** Options of `MultiHeadAttention`. */
export interface MultiHeadAttentionOptions {
  /** Whether the projections have biases (default true). */
  bias?: boolean;
  /** 'float32' (default) or 'float64'. */
  dtype?: DType;
  /** The random stream the initializers draw from (default: the global one). */
  generator?: Generator;
}

/**
 * Multi-head attention, as PyTorch's `nn.MultiheadAttention(embedDim, numHeads, batch_first=True)`:
 * q [N, L, E], k and v [N, S, E] are projected by `in_proj_weight` [3E, E] (+ `in_proj_bias` [3E]), split
 * into numHeads heads of E/numHeads, attended with `scaledDotProductAttention`, joined and projected by
 * `out_proj` (a `Linear(E, E)`): the output is [N, L, E]. Parameter names and shapes are PyTorch's.
 *
 * Differs from PyTorch: `mask` is **nonzero where a query may attend** (core's convention; PyTorch's
 * boolean `attn_mask` is true where it may not), of shape [L, S] or [N, L, S]; `'causal'` lets query i
 * see keys j ≤ i. A fully masked query gives zeros, not NaN. Only the output is returned, not the
 * attention weights; no dropout.
 *
 * @example
 * const mha = new MultiHeadAttention(8, 2, { generator: new Generator(0) });
 * const x = randn([2, 5, 8]);
 * mha.forward(x, x, x, 'causal').shape; // [2, 5, 8]: self-attention
 */
export class MultiHeadAttention extends Module<[q: Tensor, k: Tensor, v: Tensor, mask?: Tensor | 'causal' | null]> {
  /** [3E, E]: the q, k and v projections stacked (PyTorch's name), Xavier-uniform. */
  in_proj_weight: Tensor;
  /** [3E], zeros; null without bias. */
  in_proj_bias: Tensor | null;
  /** The output projection, Linear(E, E) (its bias starts at zero, as PyTorch's). */
  out_proj: Linear;
  readonly embedDim: number;
  readonly numHeads: number;

  constructor(embedDim: number, numHeads: number, options: MultiHeadAttentionOptions = {}) {
    super();
    const o = checkOptions('MultiHeadAttention', options);
    const E = (this.embedDim = positiveInt('MultiHeadAttention', 'embedDim', embedDim));
    this.numHeads = positiveInt('MultiHeadAttention', 'numHeads', numHeads);
    if (E % numHeads !== 0) throw new TapegradError('MultiHeadAttention', `embedDim (${E}) must be divisible by numHeads (${numHeads})`, 'numHeads');
    const dtype = dtypeArg('MultiHeadAttention', o.dtype);
    const bias = checkBoolean('MultiHeadAttention', 'bias', o.bias, true);
    this.in_proj_weight = parameter(glorotUniform([3 * E, E], { dtype, generator: o.generator }));
    this.in_proj_bias = bias ? parameter(zeros([3 * E], { dtype })) : null;
    this.out_proj = new Linear(E, E, { bias, dtype, generator: o.generator });
    if (bias) this.out_proj.bias = parameter(zeros([E], { dtype }));
  }

  forward(q: Tensor, k: Tensor, v: Tensor, mask: Tensor | 'causal' | null = null): Tensor {
    const E = this.embedDim, H = this.numHeads, layer = 'MultiHeadAttention';
    for (const [arg, t] of [['q', q], ['k', k], ['v', v]] as const) {
      checkInput(layer, t, 3, `[N, ${arg === 'q' ? 'L' : 'S'}, ${E}]`, arg);
      if (t.shape[2] !== E) throw new ShapeError(layer, `${arg} has shape ${fmtShape(t.shape)} but this layer takes [N, ${arg === 'q' ? 'L' : 'S'}, ${E}] (embedDim last)`, arg);
    }
    if (k.shape[0] !== q.shape[0] || v.shape[0] !== q.shape[0] || k.shape[1] !== v.shape[1]) {
      throw new ShapeError(layer, `q, k and v must share the batch N and k, v the length S; got q ${fmtShape(q.shape)}, k ${fmtShape(k.shape)}, v ${fmtShape(v.shape)}`, 'k');
    }
    const [N, L] = q.shape, S = k.shape[1], d = E / H;
    const [Wq, Wk, Wv] = split(this.in_proj_weight, 3, 0);
    const [bq, bk, bv] = this.in_proj_bias === null ? [null, null, null] : split(this.in_proj_bias, 3, 0);
    // x·Wᵀ + b, then [N, T, E] → [N, H, T, d]: each head attends on its own slice of the features
    const heads = (x: Tensor, W: Tensor, b: Tensor | null, T: number) => {
      const y = matmul(x, transpose(W));
      return transpose(reshape(b === null ? y : add(y, b), [N, T, H, d]), [0, 2, 1, 3]);
    };
    let m: Tensor | null = null;
    if (isTensor(mask)) {
      const ok = (mask.ndim === 2 && mask.shape[0] === L && mask.shape[1] === S) || (mask.ndim === 3 && mask.shape[0] === N && mask.shape[1] === L && mask.shape[2] === S);
      if (!ok) throw new ShapeError(layer, `expected [L, S] = [${L}, ${S}] or [N, L, S] = [${N}, ${L}, ${S}], got ${fmtShape(mask.shape)}`, 'mask');
      m = mask.ndim === 3 ? unsqueeze(mask, 1) : mask;
    } else if (mask !== null && mask !== 'causal') {
      if (isForeignTensor(mask)) expectTensor(layer, mask, 'mask');
      throw new TapegradError(layer, `expected a Tensor, 'causal' or null, got ${describeValue(mask)}`, 'mask');
    }
    const o = asLayer(layer, () => scaledDotProductAttention(heads(q, Wq, bq, L), heads(k, Wk, bk, S), heads(v, Wv, bv, S), { mask: m, causal: mask === 'causal' }));
    return this.out_proj.forward(reshape(transpose(o, [0, 2, 1, 3]), [N, L, E]));
  }

  override describe(): string {
    return `MultiHeadAttention(embedDim ${this.embedDim}, ${this.numHeads} heads)`;
  }
}
