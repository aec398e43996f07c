import { Tensor, embedding, randn, type DType, type Generator, type IndexLike } from '@tapegrad/core';
import { Module } from './module.js';
import { checkOptions } from './check.js';
import { asLayer, dtypeArg, parameter, positiveInt } from './layer-args.js';

/** Options of `Embedding`. */
export interface EmbeddingOptions {
  /** 'float32' (default) or 'float64'. */
  dtype?: DType;
  /** The random stream `weight` is drawn from (default: the global one, see `manualSeed`). */
  generator?: Generator;
}

/**
 * A lookup table, as PyTorch's `nn.Embedding(numEmbeddings, embeddingDim)`: `weight`
 * [numEmbeddings, embeddingDim], drawn from N(0, 1) as PyTorch draws it; indices of shape S give
 * [...S, embeddingDim]. The gradient adds the cotangents of repeated indices into their row.
 *
 * @example
 * const emb = new Embedding(10, 4, { generator: new Generator(0) });
 * emb.forward([[1, 2, 1]]).shape;        // [1, 3, 4]
 * [...emb.parameters().keys()];          // ['weight']
 */
export class Embedding extends Module {
  /** [numEmbeddings, embeddingDim], PyTorch's `Embedding.weight`. */
  weight: Tensor;
  readonly numEmbeddings: number;
  readonly embeddingDim: number;

  constructor(numEmbeddings: number, embeddingDim: number, options: EmbeddingOptions = {}) {
    super();
    const o = checkOptions('Embedding', options);
    this.numEmbeddings = positiveInt('Embedding', 'numEmbeddings', numEmbeddings);
    this.embeddingDim = positiveInt('Embedding', 'embeddingDim', embeddingDim);
    this.weight = parameter(randn([numEmbeddings, embeddingDim], { dtype: dtypeArg('Embedding', o.dtype), generator: o.generator }));
  }

  /** The rows of `weight` at `indices` (a Tensor holding integers, nested arrays or an Int32Array). */
  forward(indices: Tensor | IndexLike): Tensor {
    return asLayer('Embedding', () => embedding(this.weight, indices));
  }

  override describe(): string {
    return `Embedding(${this.numEmbeddings}, ${this.embeddingDim})`;
  }
}
