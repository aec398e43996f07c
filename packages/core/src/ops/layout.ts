/**
 * Layout: reshaping, permuting, broadcasting, slicing and joining. Each primitive's adjoint is another
 * layout primitive (slice ↔ unslice), so every VJP here is differentiable again.
 */
import { checkSizedShape } from '../creation.js';
import { alloc, promote } from '../dtype.js';
import { ShapeError, TapegradError, fmtShape, fmtValue } from '../errors.js';
import { kernels } from '../kernels/index.js';
import { broadcastShapes, filled, normAxis, normAxes, sameShape, sizeOf } from '../shape.js';
import { apply } from '../tape.js';
import { Tensor } from '../tensor.js';
import { defineOp, expectTensor, type Grads } from './define.js';

/** One axis or several; negative axes count from the end. */
export type Axis = number | readonly number[];

/** An array of integers, or a typed error naming the op and the argument. */
export function intList(op: string, v: unknown, arg: string): number[] {
  if (!Array.isArray(v) || !v.every((d) => Number.isInteger(d))) {
    throw new TapegradError(op, `expected an array of integers, got ${fmtValue(v)}`, arg);
  }
  return [...v];
}

// d reshape(x) = reshape⁻¹(dx)   (shares data: tensors are dense and row-major)
export const reshapeOp = defineOp<'reshape', { shape: readonly number[] }>('reshape', {
  forward: ([x], { shape }) => new Tensor(x.data, shape),
  vjp: (dy, { inputs: [x] }): Grads => [reshape(dy, x.shape)],
});
/**
 * The same elements, in row-major order, in a new shape; one dimension may be −1 (inferred). Shares
 * data (always a view: unlike PyTorch's `reshape`, there are no strided tensors that would need a copy).
 *
 * @example
 * reshape(arange(6), [2, -1]); // [[0, 1, 2], [3, 4, 5]]
 */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  expectTensor('reshape', x);
  const s = intList('reshape', shape, 'shape');
  const free = s.indexOf(-1);
  if (free >= 0) {
    const known = s.reduce((acc, d, i) => (i === free ? acc : acc * d), 1);
    if (known > 0 && x.size % known === 0) s[free] = x.size / known;
  }
  if (!s.every((d) => d >= 0) || sizeOf(s) !== x.size) {
    throw new ShapeError('reshape', `cannot reshape a tensor of shape ${fmtShape(x.shape)} (${x.size} elements) into ${fmtShape(shape)}`, 'shape');
  }
  return apply(reshapeOp, [x], { shape: s });
}

// d xᵀ = (dx)ᵀ with the inverse permutation
export const transposeOp = defineOp<'transpose', { perm: readonly number[] }>('transpose', {
  forward: ([x], { perm }) => {
    const out = alloc(x.dtype, x.size);
    kernels.transpose(x.data, x.shape, perm, out);
    return new Tensor(out, perm.map((p) => x.shape[p]));
  },
  vjp: (dy, { attrs: { perm } }): Grads => {
    const inv = filled(perm.length, 0);
    perm.forEach((p, i) => (inv[p] = i));
    return [transpose(dy, inv)];
  },
});
/**
 * Permutes the axes: axis i of the result is axis `perm[i]` of x (default: reversed, so a matrix is
 * transposed, as NumPy's `transpose`; PyTorch's `transpose(x, d0, d1)` swaps two axes instead). Copies.
 *
 * @example
 * transpose(tensor([[1, 2, 3], [4, 5, 6]])); // [[1, 4], [2, 5], [3, 6]]
 * transpose(zeros([2, 3, 4]), [0, 2, 1]).shape; // [2, 4, 3]
 */
export function transpose(x: Tensor, perm?: readonly number[]): Tensor {
  expectTensor('transpose', x);
  const n = x.ndim;
  const p = perm === undefined ? Array.from({ length: n }, (_, i) => n - 1 - i) : intList('transpose', perm, 'perm').map((a) => normAxis('transpose', a, n, 'perm'));
  if (p.length !== n || new Set(p).size !== n) {
    throw new ShapeError('transpose', `${JSON.stringify(perm)} is not a permutation of the ${n} axes of a tensor of shape ${fmtShape(x.shape)}`, 'perm');
  }
  return apply(transposeOp, [x], { perm: p });
}

/**
 * Swaps the last two axes, a batch of matrices transposed each (a 0-d or 1-D tensor is returned as is,
 * where PyTorch's `mT` rejects it). `x.T` is the same.
 *
 * @example
 * mT(zeros([5, 2, 3])).shape; // [5, 3, 2]
 * mT(tensor([[1, 2]])); // [[1], [2]]
 */
export function mT(x: Tensor): Tensor {
  if (expectTensor('mT', x).ndim < 2) return x;
  const p = Array.from({ length: x.ndim }, (_, i) => i);
  [p[x.ndim - 2], p[x.ndim - 1]] = [p[x.ndim - 1], p[x.ndim - 2]];
  return transpose(x, p);
}

/**
 * Removes axes of size 1 (all of them, or the given ones). A given axis whose size is not 1 is a
 * ShapeError, where PyTorch silently leaves it.
 *
 * @example
 * squeeze(zeros([1, 3, 1])).shape; // [3]
 * squeeze(zeros([1, 3, 1]), 0).shape; // [3, 1]
 */
export function squeeze(x: Tensor, axis?: Axis | null): Tensor {
  expectTensor('squeeze', x);
  const axes = axis === undefined || axis === null ? x.shape.flatMap((d, i) => (d === 1 ? [i] : [])) : normAxes('squeeze', axis, x.ndim);
  for (const a of axes) {
    if (x.shape[a] !== 1) throw new ShapeError('squeeze', `axis ${a} has size ${x.shape[a]}, not 1, in shape ${fmtShape(x.shape)}`, 'axis');
  }
  return reshape(x, x.shape.filter((_, i) => !axes.includes(i)));
}

/**
 * Inserts an axis of size 1 at `axis` (in the result's numbering, so −1 appends).
 *
 * @example
 * unsqueeze(tensor([1, 2, 3]), -1); // [[1], [2], [3]]  (a column, shape [3, 1])
 */
export function unsqueeze(x: Tensor, axis: number): Tensor {
  expectTensor('unsqueeze', x);
  const a = normAxis('unsqueeze', axis, x.ndim + 1);
  const s = [...x.shape];
  s.splice(a, 0, 1);
  return reshape(x, s);
}

// d broadcast(x) = Σ over the broadcast dims — done by the sweep's sum-to-shape, the one place for it
export const broadcastToOp = defineOp<'broadcastTo', { shape: readonly number[] }>('broadcastTo', {
  forward: ([x], { shape }) => {
    const out = alloc(x.dtype, sizeOf(shape));
    kernels.broadcast(x.data, x.shape, out, shape);
    return new Tensor(out, shape);
  },
  vjp: (dy) => [dy],
});
/**
 * x broadcast to `shape` (NumPy rules: align from the right, a size-1 dim stretches, new dims are added
 * in front); its gradient sums back over the broadcast dims. Copies.
 *
 * @example
 * broadcastTo(tensor([[1], [2]]), [2, 3]); // [[1, 1, 1], [2, 2, 2]]
 */
export function broadcastTo(x: Tensor, shape: readonly number[]): Tensor {
  expectTensor('broadcastTo', x);
  const s = checkSizedShape('broadcastTo', shape);
  if (x.ndim > s.length || !sameShape(broadcastShapes('broadcastTo', x.shape, s, 'x', 'shape'), s)) {
    throw new ShapeError('broadcastTo', `cannot broadcast a tensor of shape ${fmtShape(x.shape)} to ${fmtShape(s)}`, 'shape');
  }
  return sameShape(x.shape, s) ? x : apply(broadcastToOp, [x], { shape: s });
}

type SliceAttrs = { begin: readonly number[]; step: readonly number[]; shape: readonly number[] };
// d x[s] = unslice(dx): the cotangent goes back to the sliced places, zero elsewhere
export const sliceOp = defineOp<'slice', SliceAttrs>('slice', {
  forward: ([x], { begin, step, shape }) => {
    const out = alloc(x.dtype, sizeOf(shape));
    kernels.slice(x.data, x.shape, begin, step, out, shape);
    return new Tensor(out, shape);
  },
  vjp: (dy, { inputs: [x], attrs: { begin, step } }) => [unslice(dy, begin, step, x.shape)],
});
// unslice is linear, and slice is its adjoint
export const unsliceOp = defineOp<'unslice', SliceAttrs>('unslice', {
  forward: ([dy], { begin, step, shape }) => {
    const out = alloc(dy.dtype, sizeOf(shape));
    kernels.unslice(dy.data, dy.shape, begin, step, out, shape);
    return new Tensor(out, shape);
  },
  vjp: (g, { inputs: [dy], attrs: { begin, step } }) => [sliceRaw(g, begin, step, dy.shape)],
});
/** @internal slice with resolved begin, step and output shape. */
export const sliceRaw = (x: Tensor, begin: readonly number[], step: readonly number[], shape: readonly number[]): Tensor =>
  apply(sliceOp, [x], { begin, step, shape });
/** @internal the adjoint of slice: dy placed into zeros of `shape`. */
export const unslice = (dy: Tensor, begin: readonly number[], step: readonly number[], shape: readonly number[]): Tensor =>
  apply(unsliceOp, [dy], { begin, step, shape });

/**
 * Python-style slicing on every axis: x[begin[d] : end[d] : step[d]]. Negative indices count from the
 * end and out-of-range ones are clamped, as in NumPy; a missing or null `end` means "to the end";
 * axes past `begin.length` are kept whole. Steps are positive integers.
 *
 * @example
 * const A = tensor([[1, 2, 3], [4, 5, 6]]);
 * slice(A, [0, 1], [null, 3]); // [[2, 3], [5, 6]]  (A[:, 1:3])
 */
export function slice(x: Tensor, begin: readonly number[], end?: readonly (number | null)[], step?: readonly number[]): Tensor {
  expectTensor('slice', x);
  if (!Array.isArray(begin)) throw new TapegradError('slice', `expected an array of integers, got ${fmtValue(begin)}`, 'begin');
  if (end !== undefined && end !== null && !Array.isArray(end)) throw new TapegradError('slice', `expected an array, got ${fmtValue(end)}`, 'end');
  if (step !== undefined && step !== null && !Array.isArray(step)) throw new TapegradError('slice', `expected an array, got ${fmtValue(step)}`, 'step');
  if (begin.length > x.ndim || (end && end.length > x.ndim) || (step && step.length > x.ndim)) {
    throw new ShapeError('slice', `more indices than the ${x.ndim} axes of shape ${fmtShape(x.shape)}`, 'begin');
  }
  const b: number[] = [], st: number[] = [], shape: number[] = [];
  for (let d = 0; d < x.ndim; d++) {
    const n = x.shape[d];
    const s = step?.[d] ?? 1;
    if (!Number.isInteger(s) || s < 1) throw new TapegradError('slice', `step on axis ${d} must be a positive integer, got ${fmtValue(s)}`, 'step');
    const norm = (i: unknown, arg: string) => {
      if (!Number.isInteger(i)) throw new TapegradError('slice', `index on axis ${d} must be an integer, got ${fmtValue(i)}`, arg);
      const k = i as number;
      return Math.min(Math.max(k < 0 ? k + n : k, 0), n);
    };
    const lo = norm(begin[d] ?? 0, 'begin');
    const hi = end?.[d] === undefined || end[d] === null ? n : norm(end[d], 'end');
    b.push(lo);
    st.push(s);
    shape.push(Math.max(0, Math.ceil((hi - lo) / s)));
  }
  return sliceRaw(x, b, st, shape);
}

// d concat(xs) = the matching slices of dx
export const concatOp = defineOp<'concat', { axis: number }>('concat', {
  forward: (xs, { axis }) => {
    const shape = [...xs[0].shape];
    shape[axis] = xs.reduce((s, t) => s + t.shape[axis], 0);
    const out = alloc(xs.reduce((d, t) => promote(d, t.dtype), xs[0].dtype), sizeOf(shape));
    kernels.concat(xs.map((t) => ({ data: t.data, shape: t.shape })), axis, out, shape);
    return new Tensor(out, shape);
  },
  vjp: (dy, { inputs, attrs: { axis } }, needs) => {
    let offset = 0;
    return inputs.map((t: Tensor, i) => {
      const begin = dy.shape.map((_, d) => (d === axis ? offset : 0));
      offset += t.shape[axis];
      return needs[i] ? sliceRaw(dy, begin, dy.shape.map(() => 1), t.shape) : null;
    });
  },
});
/**
 * Joins tensors along an existing axis (PyTorch's `cat`); all other dims must match, and the dtypes
 * promote. Each input's gradient is its slice of dy.
 *
 * @example
 * concat([tensor([[1, 2]]), tensor([[3, 4]])]); // [[1, 2], [3, 4]]
 * concat([tensor([[1], [2]]), tensor([[3], [4]])], 1); // [[1, 3], [2, 4]]
 */
export function concat(xs: readonly Tensor[], axis = 0): Tensor {
  if (!Array.isArray(xs) || xs.length === 0) throw new TapegradError('concat', 'expected a non-empty array of tensors', 'xs');
  xs.forEach((t, i) => expectTensor('concat', t, `xs[${i}]`));
  const first = xs[0];
  const a = normAxis('concat', axis, first.ndim);
  xs.forEach((t, i) => {
    if (t.ndim !== first.ndim || t.shape.some((d: number, j: number) => j !== a && d !== first.shape[j])) {
      throw new ShapeError('concat', `xs[${i}] has shape ${fmtShape(t.shape)}, which does not match xs[0]'s ${fmtShape(first.shape)} outside axis ${a}`, `xs[${i}]`);
    }
  });
  return xs.length === 1 ? first : apply(concatOp, xs, { axis: a });
}

/**
 * Stacks equally shaped tensors along a new axis (at `axis`, default 0).
 *
 * @example
 * stack([tensor([1, 2]), tensor([3, 4])]); // [[1, 2], [3, 4]]
 * stack([tensor([1, 2]), tensor([3, 4])], 1); // [[1, 3], [2, 4]]
 */
export function stack(xs: readonly Tensor[], axis = 0): Tensor {
  if (!Array.isArray(xs) || xs.length === 0) throw new TapegradError('stack', 'expected a non-empty array of tensors', 'xs');
  xs.forEach((t, i) => {
    expectTensor('stack', t, `xs[${i}]`);
    if (!sameShape(t.shape, xs[0].shape)) throw new ShapeError('stack', `xs[${i}] has shape ${fmtShape(t.shape)} but xs[0] has ${fmtShape(xs[0].shape)}`, `xs[${i}]`);
  });
  const a = normAxis('stack', axis, xs[0].ndim + 1);
  return concat(xs.map((t) => unsqueeze(t, a)), a);
}
