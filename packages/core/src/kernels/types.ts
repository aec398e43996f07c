import type { FloatArray } from '../dtype.js';

/**
 * The numeric layer. Every loop over typed arrays lives behind this interface, apart from the op table,
 * so a faster implementation (WebAssembly SIMD, threads) can replace any entry without touching a
 * gradient rule. All arrays are dense and row-major; `out` is preallocated by the caller with the
 * output's dtype and is fully overwritten. Kernels allocate nothing per element.
 */

import type { UnaryKernelOp } from './js-unary.js';
import type { ConvGeometry } from './js-conv.js';
import type { LinalgKernels, SvdKernels } from './linalg-types.js';

export type { UnaryKernelOp, ConvGeometry };

export type BinaryKernelOp =
  | 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'maximum' | 'minimum'
  | 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge';

export type ReduceKernelOp = 'sum' | 'max' | 'min';

/**
 * The numeric layer's entries, one a kernel: loops over dense row-major typed arrays writing a
 * preallocated `out`. `kernels` holds the ones in use, `jsKernels` the plain-TypeScript ones;
 * `setKernels` replaces entries (types.ts describes the contract each must keep).
 *
 * @example
 * const out = new Float32Array(2);
 * const mine: Partial<Kernels> = { unary: (op, x, o, p) => jsKernels.unary(op, x, o, p) };
 * mine.unary!('exp', new Float32Array([0, 1]), out); // out is now [1, 2.718…]
 */
export interface Kernels extends LinalgKernels, SvdKernels {
  /** out[i] = f(x[i]) (js-unary.ts lists the ops); `p` is the op's parameter where it has one. `out` may be `x` itself. */
  unary(op: UnaryKernelOp, x: FloatArray, out: FloatArray, p?: number): void;
  /** out = a ∘ b with NumPy broadcasting of `aShape` and `bShape` to `outShape`; comparisons write 1 or 0. */
  binary(
    op: BinaryKernelOp,
    a: FloatArray, aShape: readonly number[],
    b: FloatArray, bShape: readonly number[],
    out: FloatArray, outShape: readonly number[],
  ): void;
  /** out = cond ≠ 0 ? a : b, all three broadcast to `outShape`. */
  where(
    cond: FloatArray, condShape: readonly number[],
    a: FloatArray, aShape: readonly number[],
    b: FloatArray, bShape: readonly number[],
    out: FloatArray, outShape: readonly number[],
  ): void;
  /** out[i] = dy[i]·y[i]·(1 − y[i]): the sigmoid VJP fused from its output y (all three the same size). */
  sigmoidGrad(y: FloatArray, dy: FloatArray, out: FloatArray): void;
  /** out[i] = min(max(x[i], lo), hi); NaN stays NaN. */
  clamp(x: FloatArray, lo: number, hi: number, out: FloatArray): void;
  /**
   * One GEMM: C[m×n] = op(A)·op(B) where op(A) is m×k and op(B) is k×n; `transA` means A is stored
   * k×m (so op(A) = Aᵀ), likewise `transB` (B stored n×k). Offsets are in elements. C is overwritten.
   */
  gemm(
    transA: boolean, transB: boolean, m: number, n: number, k: number,
    a: FloatArray, aOff: number, b: FloatArray, bOff: number, c: FloatArray, cOff: number,
  ): void;
  /** Reduces over the sorted `axes`; `out` has the size of `shape` with those axes removed. */
  reduce(op: ReduceKernelOp, x: FloatArray, shape: readonly number[], axes: readonly number[], out: FloatArray): void;
  /** out = x broadcast to `outShape` (NumPy rules). */
  broadcast(x: FloatArray, shape: readonly number[], out: FloatArray, outShape: readonly number[]): void;
  /** out = x with axes permuted: out.shape[i] = shape[perm[i]]. */
  transpose(x: FloatArray, shape: readonly number[], perm: readonly number[], out: FloatArray): void;
  /** out = x reversed along each of the distinct `axes`: out[…, i, …] = x[…, n − 1 − i, …]. */
  flip(x: FloatArray, shape: readonly number[], axes: readonly number[], out: FloatArray): void;
  /** out = x[begin[d] : begin[d] + outShape[d]·step[d] : step[d]] on every axis d (step ≥ 1). */
  slice(
    x: FloatArray, shape: readonly number[], begin: readonly number[], step: readonly number[],
    out: FloatArray, outShape: readonly number[],
  ): void;
  /** The adjoint of `slice`: out is zero-filled (shape `outShape`), then dy is written at the sliced places. */
  unslice(
    dy: FloatArray, dyShape: readonly number[], begin: readonly number[], step: readonly number[],
    out: FloatArray, outShape: readonly number[],
  ): void;
  /** Concatenates `parts` (each with its shape) along `axis` into out (shape `outShape`). */
  concat(parts: readonly { data: FloatArray; shape: readonly number[] }[], axis: number, out: FloatArray, outShape: readonly number[]): void;
  /**
   * take_along_axis (PyTorch `gather`): out has the shape of `index` (same rank as x, and
   * index.shape[d] ≤ shape[d] for d ≠ axis); out[..., i, ...] = x[..., index[..., i, ...], ...] on `axis`.
   * Indices are already checked to be in range and non-negative.
   */
  gather(x: FloatArray, shape: readonly number[], index: Int32Array, indexShape: readonly number[], axis: number, out: FloatArray): void;
  /** The adjoint of `gather`: out (shape `outShape`) is zero-filled, then out[..index..] += src. */
  scatterAdd(
    src: FloatArray, index: Int32Array, indexShape: readonly number[], axis: number,
    out: FloatArray, outShape: readonly number[],
  ): void;
  /**
   * NumPy's take along `axis` (PyTorch's index_select): whole slices of x, out[..., j, ...] =
   * x[..., index[j], ...], so out has x's shape with index.length entries on the axis. Indices are
   * already checked.
   */
  take(x: FloatArray, shape: readonly number[], index: Int32Array, axis: number, out: FloatArray): void;
  /** The adjoint of `take`: out (shape `outShape`) is zero-filled, then out[..., index[j], ...] += src[..., j, ...]. */
  indexAdd(src: FloatArray, index: Int32Array, axis: number, out: FloatArray, outShape: readonly number[]): void;
  /**
   * Softmax cross-entropy along `axis` of z and y (both of `shape`): out[slice] = −Σ_axis y ⊙ log softmax(z),
   * one value per slice (out has `shape` without the axis).
   */
  softmaxCrossEntropy(z: FloatArray, y: FloatArray, shape: readonly number[], axis: number, out: FloatArray): void;
  /** Its gradient with respect to z, scaled per slice by g: out = g · (softmax(z) · Σ_axis y − y), of `shape`. */
  softmaxCrossEntropyGrad(z: FloatArray, y: FloatArray, g: FloatArray, shape: readonly number[], axis: number, out: FloatArray): void;
  /** Every window of the [N, C, H, W] image x as a column of out ([N, C·kh·kw, ho·wo]); `fill` in the padding. */
  im2col(x: FloatArray, shape: readonly number[], g: ConvGeometry, fill: number, out: FloatArray): void;
  /** The adjoint of `im2col`: out (shape [N, C, H, W]) zero-filled, then each column entry added to its pixel. */
  col2im(cols: FloatArray, g: ConvGeometry, out: FloatArray, shape: readonly number[]): void;
  /** Running Σ or Π along `axis` of x (of `shape`), from the end when `reverse`; out has x's shape. */
  cumulative(op: 'sum' | 'prod', x: FloatArray, shape: readonly number[], axis: number, reverse: boolean, out: FloatArray): void;
  /** The positions along `axis` of the k smallest (largest when `descending`) elements, stably; NaN is largest. */
  argsort(x: FloatArray, shape: readonly number[], axis: number, descending: boolean, k: number, out: Int32Array): void;
}
