/**
 * Reductions over sorted axes: sum, max and min are primitives; mean and argmax are built on them,
 * and so is `sumToShape`, the sweep's one place for undoing a broadcast.
 */
import { alloc } from '../dtype.js';
import { ShapeError, TapegradError, fmtShape, fmtValue } from '../errors.js';
import { tensor } from '../creation.js';
import { kernels, type ReduceKernelOp } from '../kernels/index.js';
import { normAxes, normAxis } from '../shape.js';
import { apply, type OpDef } from '../tape.js';
import { Tensor } from '../tensor.js';
import { add, div, eq, mul, ne, where } from './arith.js';
import { defineOp, expectTensor } from './define.js';
import { broadcastTo, reshape, type Axis } from './layout.js';

type ReduceAttrs = { axes: readonly number[]; keepdims: boolean };

/** The input's shape with the reduced axes kept as 1 (where a cotangent broadcasts back from). */
export const keptShape = (shape: readonly number[], axes: readonly number[]): number[] =>
  shape.map((d, i) => (axes.includes(i) ? 1 : d));

function reduction<K extends ReduceKernelOp>(k: K, vjp: OpDef<ReduceAttrs>['vjp']): OpDef<ReduceAttrs, K> {
  return defineOp<K, ReduceAttrs>(k, {
    forward: ([x], { axes, keepdims }) => {
      const kept = keptShape(x.shape, axes);
      let n = 1;
      for (const d of kept) n *= d;
      const out = alloc(x.dtype, n);
      kernels.reduce(k, x.data, x.shape, axes, out);
      return new Tensor(out, keepdims ? kept : x.shape.filter((_, i) => !axes.includes(i)));
    },
    vjp,
  });
}

// d max(x) = dy at the maxima, shared evenly among ties (PyTorch's amax); likewise min.
const extremumVjp: OpDef<ReduceAttrs>['vjp'] = (dy, { inputs: [x], output: y, attrs: { axes } }) => {
  const kept = keptShape(x.shape, axes);
  const mask: Tensor = eq(x, reshape(y, kept));
  return [mul(div(mask, sum(mask, axes, true)), reshape(dy, kept))];
};

// d Σx = broadcast(dy)
export const sumOp = reduction('sum', (dy, { inputs: [x], attrs: { axes } }) => [broadcastTo(reshape(dy, keptShape(x.shape, axes)), x.shape)]);
export const maxOp = reduction('max', extremumVjp);
export const minOp = reduction('min', extremumVjp);
const RULES = { sum: sumOp, max: maxOp, min: minOp };

/** Resolves `axis` and `keepdims` for a reduction, or throws naming the op and the argument. */
export function reduceArgs(op: string, x: Tensor, axis: Axis | null | undefined, keepdims: unknown): number[] {
  if (typeof keepdims !== 'boolean') throw new TapegradError(op, `expected a boolean, got ${fmtValue(keepdims)}`, 'keepdims');
  if (axis !== undefined && axis !== null && typeof axis !== 'number' && !Array.isArray(axis)) {
    throw new TapegradError(op, `expected an axis number, an array of them, null or undefined, got ${fmtValue(axis)}`, 'axis');
  }
  return normAxes(op, axis, x.ndim);
}

function reduce(op: ReduceKernelOp, x: Tensor, axis: Axis | null | undefined, keepdims: boolean): Tensor {
  expectTensor(op, x);
  const axes = reduceArgs(op, x, axis, keepdims);
  if (op !== 'sum' && axes.some((a) => x.shape[a] === 0)) {
    throw new ShapeError(op, `cannot take the ${op} over an empty axis of shape ${fmtShape(x.shape)}`, 'axis');
  }
  return apply(RULES[op], [x], { axes, keepdims });
}

/**
 * Σ over `axis` (one axis or several, negative from the end; all axes by default, giving a 0-d tensor).
 * `keepdims` keeps the summed axes as size 1, so the result broadcasts back against x. The sum of an
 * empty axis is 0.
 *
 * @example
 * const A = tensor([[1, 2, 3], [4, 5, 6]]); // [n_l, m] = [2, 3]
 * sum(A); // 21
 * sum(A, 1, true); // [[6], [15]]  (db = Σ over the m examples, shape [n_l, 1])
 */
export const sum = (x: Tensor, axis?: Axis | null, keepdims = false): Tensor => reduce('sum', x, axis, keepdims);
/**
 * Maximum over `axis` (all axes by default; `keepdims` as `sum`); NaN propagates. The gradient is shared
 * evenly among tied maxima, as PyTorch's `amax` (its `max(x, dim)` sends it all to one index). An empty
 * axis is a ShapeError.
 *
 * @example
 * max(tensor([[1, 5], [7, 2]]), 0); // [7, 5]
 * max(tensor([[1, 5], [7, 2]])); // 7
 */
export const max = (x: Tensor, axis?: Axis | null, keepdims = false): Tensor => reduce('max', x, axis, keepdims);
/**
 * Minimum over `axis` (all axes by default; `keepdims` as `sum`); ties share the gradient, as `max`.
 *
 * @example
 * min(tensor([[1, 5], [7, 2]]), 1); // [1, 2]
 */
export const min = (x: Tensor, axis?: Axis | null, keepdims = false): Tensor => reduce('min', x, axis, keepdims);

/**
 * Mean over `axis` (all axes by default; `keepdims` as `sum`). The mean of an empty axis is NaN (0/0),
 * as in NumPy and PyTorch.
 *
 * @example
 * mean(tensor([[1, 2], [3, 4]])); // 2.5
 * mean(tensor([[1, 2], [3, 4]]), 1, true); // [[1.5], [3.5]]  (the mean over the m examples, one per row)
 */
export function mean(x: Tensor, axis?: Axis | null, keepdims = false): Tensor {
  expectTensor('mean', x);
  const count = reduceArgs('mean', x, axis, keepdims).reduce((n, a) => n * x.shape[a], 1);
  return div(sum(x, axis, keepdims), count);
}

/**
 * Sums `g` down to `shape`, undoing a broadcast from `shape` (the sweep's one place for this): leading
 * axes are summed away and axes where `shape` has 1 are summed with keepdims. `shape` must be one that
 * broadcasts to g's shape.
 *
 * @example
 * sumToShape(ones([2, 3]), [2, 1]); // [[3], [3]]
 * sumToShape(ones([4, 2, 3]), [3]); // [8, 8, 8]
 */
export function sumToShape(g: Tensor, shape: readonly number[]): Tensor {
  const lead = g.ndim - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < g.ndim; i++) if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) axes.push(i);
  return reshape(axes.length > 0 ? sum(g, axes, true) : g, shape);
}

/**
 * The index of the maximum along `axis` (the first one on ties, or the first NaN), as a tensor of x's
 * dtype, with the axis removed; not differentiable. The axis is required (PyTorch's default flattens).
 *
 * @example
 * argmax(tensor([[0.1, 0.7], [0.9, 0.2]]), 0); // [1, 0]  (the predicted class of each column)
 */
export function argmax(x: Tensor, axis: number): Tensor {
  return argExtremum('argmax', x, axis, max);
}

/**
 * The index of the minimum along `axis` (the first one on ties, or the first NaN), as a tensor of x's
 * dtype, with the axis removed; not differentiable. The axis is required, as `argmax`'s.
 *
 * @example
 * argmin(tensor([[3, 1, 2]]), 1); // [1]
 */
export function argmin(x: Tensor, axis: number): Tensor {
  return argExtremum('argmin', x, axis, min);
}

function argExtremum(op: string, x: Tensor, axis: number, extremum: typeof max): Tensor {
  const a = normAxis(op, axis, expectTensor(op, x).ndim);
  if (x.shape[a] === 0) throw new ShapeError(op, `cannot take the ${op} over an empty axis of shape ${fmtShape(x.shape)}`, 'axis');
  const idxShape = x.shape.map((d, i) => (i === a ? d : 1));
  const idx = reshape(tensor(Float64Array.from({ length: x.shape[a] }, (_, i) => i), { dtype: x.dtype }), idxShape);
  // a NaN is the extremum, as in np.argmax and torch.argmax: the extremum is NaN there, which no element equals
  const atExtremum = add(eq(x, extremum(x, a, true).detach()), ne(x, x));
  return min(where(atExtremum, idx, Infinity), a).detach();
}
