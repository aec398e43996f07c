import type { DType } from '../dtype.js';
import type { Tensor } from '../tensor.js';
import { elementwiseOps } from './elementwise.js';
import { layoutOps } from './layout.js';
import { matmulOps } from './matmul.js';
import { reduceOps } from './reduce.js';
import { softmaxOps } from './softmax.js';

/**
 * Every primitive op and the attributes it is recorded with. Composite ops (mean, softmax, logsumexp,
 * stack, squeeze …) are built from these in functions.ts and need no rule of their own.
 */
export interface OpAttrs {
  // elementwise, binary (NumPy broadcasting; the tape undoes it in one place)
  add: null; sub: null; mul: null; div: null; pow: null; maximum: null; minimum: null;
  // comparisons: piecewise constant, so their derivative is 0
  eq: null; ne: null; lt: null; le: null; gt: null; ge: null;
  // elementwise, unary
  neg: null; exp: null; log: null; sqrt: null; abs: null; sign: null; tanh: null; sigmoid: null;
  relu: null; square: null; reciprocal: null;
  // σ's VJP fused from its output: sigmoidGrad(y, dy) = dy ⊙ y(1 − y)
  sigmoidGrad: null;
  where: null;
  clamp: { lo: number; hi: number };
  astype: { dtype: DType };
  identity: null;
  // linear algebra
  matmul: { transA: boolean; transB: boolean };
  // reductions over sorted axes
  sum: { axes: readonly number[]; keepdims: boolean };
  max: { axes: readonly number[]; keepdims: boolean };
  min: { axes: readonly number[]; keepdims: boolean };
  // layout
  reshape: { shape: readonly number[] };
  transpose: { perm: readonly number[] };
  broadcastTo: { shape: readonly number[] };
  slice: { begin: readonly number[]; step: readonly number[]; shape: readonly number[] };
  unslice: { begin: readonly number[]; step: readonly number[]; shape: readonly number[] };
  concat: { axis: number };
  gather: { index: Int32Array; indexShape: readonly number[]; axis: number };
  scatterAdd: { index: Int32Array; indexShape: readonly number[]; axis: number; shape: readonly number[] };
  // softmax cross-entropy of logits z against targets y along an axis, and its fused z-gradient
  softmaxCrossEntropy: { axis: number };
  softmaxCrossEntropyGrad: { axis: number };
  take: { index: Int32Array; axis: number };
  indexAdd: { index: Int32Array; axis: number; shape: readonly number[] };
}

export type OpName = keyof OpAttrs;

/** What an op's VJP sees: its inputs, its output and its attributes. */
export interface VjpNode<A> {
  readonly inputs: readonly Tensor[];
  readonly output: Tensor;
  readonly attrs: A;
}

/**
 * One op: `forward` computes the output through the kernels, as a new untracked tensor (the tape
 * records it if needed); `vjp` maps the output cotangent `dy` to
 * one cotangent per input (null where `needs[i]` is false or the input is not differentiable). VJPs are
 * written with the library's own ops, so they are recorded when differentiating twice. A VJP may
 * return a gradient in the broadcast output shape: the tape sums it back to the input's shape.
 * The functions that record an op hold its rule (`OPS.mul`) rather than its name, so no op is looked
 * up by name on the hot path; `name` is its key in the table.
 */
export interface OpDef<A, K extends OpName = OpName> {
  readonly name: K;
  forward(inputs: readonly Tensor[], attrs: A): Tensor;
  vjp(dy: Tensor, node: VjpNode<A>, needs: readonly boolean[]): (Tensor | null)[];
}

export type OpTable<K extends OpName> = { [P in K]: OpDef<OpAttrs[P], P> };

/** The table of every op. The type makes the compiler refuse to build while any op lacks its rule. */
export const OPS: OpTable<OpName> = { ...elementwiseOps, ...matmulOps, ...reduceOps, ...layoutOps, ...softmaxOps };
