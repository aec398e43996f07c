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

/** Σ over `axis` (all axes by default). */
export const sum = (x: Tensor, axis?: Axis | null, keepdims = false): Tensor => reduce('sum', x, axis, keepdims);
/** Maximum over `axis`; the gradient is shared evenly among tied maxima. */
export const max = (x: Tensor, axis?: Axis | null, keepdims = false): Tensor => reduce('max', x, axis, keepdims);
/** Minimum over `axis`; the gradient is shared evenly among tied minima. */
export const min = (x: Tensor, axis?: Axis | null, keepdims = false): Tensor => reduce('min', x, axis, keepdims);

/** Mean over `axis` (all axes by default). */
export function mean(x: Tensor, axis?: Axis | null, keepdims = false): Tensor {
  expectTensor('mean', x);
  const count = reduceArgs('mean', x, axis, keepdims).reduce((n, a) => n * x.shape[a], 1);
  return div(sum(x, axis, keepdims), count);
}

/** Sums `g` down to `shape`, undoing a broadcast from `shape` (the sweep's one place for this). */
export function sumToShape(g: Tensor, shape: readonly number[]): Tensor {
  const lead = g.ndim - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < g.ndim; i++) if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) axes.push(i);
  return reshape(axes.length > 0 ? sum(g, axes, true) : g, shape);
}

/** The index of the maximum along `axis` (the first one on ties, or the first NaN), as a tensor of x's dtype. */
export function argmax(x: Tensor, axis: number): Tensor {
  return argExtremum('argmax', x, axis, max);
}

/** The index of the minimum along `axis` (the first one on ties, or the first NaN), as a tensor of x's dtype. */
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
