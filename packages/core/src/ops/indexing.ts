/**
 * Integer indexing: gather (take_along_axis) and take (index_select), with their adjoints scatterAdd
 * and indexAdd. Indices are checked once, in the public functions; repeated indices accumulate.
 */
import { alloc } from '../dtype.js';
import { ShapeError, TapegradError, fmtShape, fmtValue } from '../errors.js';
import { tensor } from '../creation.js';
import { kernels } from '../kernels/index.js';
import { normAxis, sizeOf } from '../shape.js';
import { apply } from '../tape.js';
import { Tensor, type NestedArray } from '../tensor.js';
import { defineOp, expectTensor } from './define.js';

/** Integer indices: a tensor holding integers, nested arrays, or an Int32Array (1-D). */
export type IndexLike = Tensor | NestedArray | Int32Array;

/** @internal The indices as an Int32Array and their shape, each checked to lie in [0, axisLen). */
export function toIndex(op: string, index: IndexLike, axisLen: number): { data: Int32Array; shape: number[] } {
  if (!(index instanceof Tensor || index instanceof Int32Array || Array.isArray(index) || typeof index === 'number')) {
    throw new TapegradError(op, `expected a Tensor, nested arrays or an Int32Array of indices, got ${fmtValue(index)}`, 'index');
  }
  const t = index instanceof Tensor ? index : index instanceof Int32Array ? null : tensor(index as NestedArray, { dtype: 'float64' });
  const src: ArrayLike<number> = t ? t.data : (index as Int32Array);
  const shape = t ? [...t.shape] : [src.length];
  const data = new Int32Array(src.length);
  for (let i = 0; i < src.length; i++) {
    const v = src[i];
    if (!Number.isInteger(v) || v < 0 || v >= axisLen) {
      throw new TapegradError(op, `index ${v} at position ${i} is ${Number.isInteger(v) ? `out of range [0, ${axisLen})` : 'not an integer'}`, 'index');
    }
    data[i] = v;
  }
  return { data, shape };
}

type GatherAttrs = { index: Int32Array; indexShape: readonly number[]; axis: number };
// d gather(x, idx) = scatterAdd(dx, idx): repeated indices accumulate
export const gatherOp = defineOp<'gather', GatherAttrs>('gather', {
  forward: ([x], { index, indexShape, axis }) => {
    const out = alloc(x.dtype, index.length);
    kernels.gather(x.data, x.shape, index, indexShape, axis, out);
    return new Tensor(out, indexShape);
  },
  vjp: (dy, { inputs: [x], attrs: { index, indexShape, axis } }) => [scatterAdd(dy, index, indexShape, axis, x.shape)],
});
// scatterAdd is linear, and gather is its adjoint
export const scatterAddOp = defineOp<'scatterAdd', GatherAttrs & { shape: readonly number[] }>('scatterAdd', {
  forward: ([src], { index, indexShape, axis, shape }) => {
    const out = alloc(src.dtype, sizeOf(shape));
    kernels.scatterAdd(src.data, index, indexShape, axis, out, shape);
    return new Tensor(out, shape);
  },
  vjp: (g, { attrs: { index, indexShape, axis } }) => [gatherRaw(g, index, indexShape, axis)],
});
/** @internal gather with checked indices. */
export const gatherRaw = (x: Tensor, index: Int32Array, indexShape: readonly number[], axis: number): Tensor =>
  apply(gatherOp, [x], { index, indexShape, axis });
/** @internal zeros of `shape` with src added at the gathered places (gather's adjoint). */
export const scatterAdd = (src: Tensor, index: Int32Array, indexShape: readonly number[], axis: number, shape: readonly number[]): Tensor =>
  apply(scatterAddOp, [src], { index, indexShape, axis, shape });

/**
 * PyTorch's `gather` (NumPy's take_along_axis): out[i][j] = x[index[i][j]][j] for axis 0, and so on.
 * `index` has the rank of x, and index.shape[d] ≤ x.shape[d] off the axis; out has index's shape.
 *
 * @example
 * // pick each column's (example's) class score from logits [classes, m]
 * const logits = tensor([[0.1, 0.5, 0.2], [0.3, 0.1, 0.7], [0.6, 0.4, 0.1]]);
 * gather(logits, [[2, 0, 1]], 0); // [[0.6, 0.5, 0.7]]  (shape [1, 3])
 */
export function gather(x: Tensor, index: IndexLike, axis: number): Tensor {
  expectTensor('gather', x);
  const a = normAxis('gather', axis, x.ndim);
  const { data, shape } = toIndex('gather', index, x.shape[a]);
  if (shape.length !== x.ndim || shape.some((d, i) => i !== a && d > x.shape[i])) {
    throw new ShapeError('gather', `index of shape ${fmtShape(shape)} does not fit x of shape ${fmtShape(x.shape)} on axis ${a}: it needs rank ${x.ndim} and no larger dims off the axis`, 'index');
  }
  return gatherRaw(x, data, shape, a);
}

type TakeAttrs = { index: Int32Array; axis: number };
// d take(x, idx) = indexAdd(dx, idx): the slices go back to their places, repeated ones accumulate
export const takeOp = defineOp<'take', TakeAttrs>('take', {
  forward: ([x], { index, axis }) => {
    const shape = x.shape.map((d, i) => (i === axis ? index.length : d));
    const out = alloc(x.dtype, sizeOf(shape));
    kernels.take(x.data, x.shape, index, axis, out);
    return new Tensor(out, shape);
  },
  vjp: (dy, { inputs: [x], attrs: { index, axis } }) => [indexAdd(dy, index, axis, x.shape)],
});
// indexAdd is linear, and take is its adjoint
export const indexAddOp = defineOp<'indexAdd', TakeAttrs & { shape: readonly number[] }>('indexAdd', {
  forward: ([src], { index, axis, shape }) => {
    const out = alloc(src.dtype, sizeOf(shape));
    kernels.indexAdd(src.data, index, axis, out, shape);
    return new Tensor(out, shape);
  },
  vjp: (g, { attrs: { index, axis } }) => [takeRaw(g, index, axis)],
});
/** @internal take with checked indices. */
export const takeRaw = (x: Tensor, index: Int32Array, axis: number): Tensor => apply(takeOp, [x], { index, axis });
/** @internal zeros of `shape` with src's slices added at `index` along `axis` (take's adjoint). */
export const indexAdd = (src: Tensor, index: Int32Array, axis: number, shape: readonly number[]): Tensor =>
  apply(indexAddOp, [src], { index, axis, shape });

/**
 * The slices of x at `index` along `axis` (NumPy's take, PyTorch's index_select): out has x's shape
 * with index.length entries on the axis, and out[..., j, ...] = x[..., index[j], ...]. The index is 1-D;
 * indices may repeat (their gradients add up).
 *
 * @example
 * // a mini-batch: examples (columns) 2 and 0 of X = [[1, 2, 3], [4, 5, 6]]
 * const X = tensor([[1, 2, 3], [4, 5, 6]]);
 * take(X, [2, 0], 1); // [[3, 1], [6, 4]]
 */
export function take(x: Tensor, index: IndexLike, axis: number): Tensor {
  expectTensor('take', x);
  const a = normAxis('take', axis, x.ndim);
  const { data, shape } = toIndex('take', index, x.shape[a]);
  if (shape.length !== 1) throw new ShapeError('take', `index must be 1-D, got shape ${fmtShape(shape)}`, 'index');
  return takeRaw(x, data, a);
}
