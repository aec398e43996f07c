/**
 * The plain-TypeScript kernels: the fallback when WebAssembly is absent, and the faster choice for small
 * tensors where call overhead dominates. Dense row-major arrays; only small index/stride arrays (and,
 * for float32 sums and GEMM, a double-precision scratch row) are allocated per call, never per element.
 */
import type { Kernels } from './types.js';
import { binary, clamp, sigmoidGrad, unary, where } from './js-elementwise.js';
import { reduce } from './js-reduce.js';
import { gemm } from './js-gemm.js';
import { col2im, im2col } from './js-conv.js';
import { argsort, cumulative } from './js-scan.js';
import { softmaxCrossEntropy, softmaxCrossEntropyGrad } from './js-softmax.js';
import { linalgKernels } from './js-linalg.js';
import { svd } from './js-svd.js';
import { broadcast, concat, flip, gather, indexAdd, scatterAdd, slice, take, transpose, unslice } from './js-layout.js';

/**
 * The plain-TypeScript implementation of every kernel: what `kernels` falls back to where WebAssembly is
 * unavailable, and a reference to restore or compare against after `setKernels`.
 *
 * @example
 * const restore = setKernels({ gemm: jsKernels.gemm }); // matmuls of every size in plain TypeScript
 * matmul(tensor([[1, 2]]), tensor([[3], [4]])); // [[11]]
 * restore();
 */
export const jsKernels: Kernels = {
  unary, binary, where, clamp, sigmoidGrad, gemm, reduce, broadcast, transpose, flip, slice, unslice, concat, gather, scatterAdd,
  take, indexAdd, softmaxCrossEntropy, softmaxCrossEntropyGrad, im2col, col2im,
  cumulative, argsort,
  ...linalgKernels, svd,
};
