import { tensor } from './creation.js';
import { alloc, checkDType, promote, type DType } from './dtype.js';
import { ShapeError, TapegradError, fmtShape } from './errors.js';
import { apply } from './tape.js';
import { broadcastShapes, checkShape, normAxes, normAxis, sameShape, sizeOf } from './shape.js';
import { Tensor, type NestedArray } from './tensor.js';
import { OPS, type OpDef } from './ops/table.js';

/** A tensor, or a plain number that takes the other operand's dtype (a "weak" scalar, as in PyTorch). */
export type Operand = Tensor | number;
/** One axis or several; negative axes count from the end. */
export type Axis = number | readonly number[];
/** Integer indices: a tensor holding integers, nested arrays, or an Int32Array (1-D). */
export type IndexLike = Tensor | NestedArray | Int32Array;

function operand(op: string, x: Operand, dtype: DType, arg: string): Tensor {
  if (x instanceof Tensor) return x;
  if (typeof x === 'number') return scalar(x, dtype);
  throw new TapegradError(op, `expected a Tensor or a number, got ${x === null ? 'null' : typeof x}`, arg);
}

/** A 0-d constant (what `tensor(x, { dtype })` makes, without parsing options). */
function scalar(x: number, dtype: DType): Tensor {
  const data = alloc(dtype, 1);
  data[0] = x;
  return new Tensor(data, []);
}

function expectTensor(op: string, x: unknown, arg = 'x'): Tensor {
  if (x instanceof Tensor) return x;
  throw new TapegradError(op, `expected a Tensor, got ${x === null ? 'null' : Array.isArray(x) ? 'an array (wrap it with tensor())' : typeof x}`, arg);
}

type BinaryRule = OpDef<null, 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'maximum' | 'minimum' | 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge'>;

function binary(rule: BinaryRule, a: Operand, b: Operand): Tensor {
  if (a instanceof Tensor && b instanceof Tensor) return apply(rule, [a, b], null);
  const op = rule.name;
  const dtype = a instanceof Tensor ? (b instanceof Tensor ? promote(a.dtype, b.dtype) : a.dtype) : b instanceof Tensor ? b.dtype : 'float32';
  return apply(rule, [operand(op, a, dtype, 'a'), operand(op, b, dtype, 'b')], null);
}

const unary = (rule: OpDef<null>, x: Tensor): Tensor => apply(rule, [expectTensor(rule.name, x)], null);

/** a + b, broadcasting. */
export const add = (a: Operand, b: Operand): Tensor => binary(OPS.add, a, b);
/** a − b, broadcasting. */
export const sub = (a: Operand, b: Operand): Tensor => binary(OPS.sub, a, b);
/** a ⊙ b (elementwise), broadcasting. */
export const mul = (a: Operand, b: Operand): Tensor => binary(OPS.mul, a, b);
/** a / b, broadcasting. */
export const div = (a: Operand, b: Operand): Tensor => binary(OPS.div, a, b);
/** a raised to b elementwise; a negative base with a non-integer exponent gives NaN, as in IEEE. */
export const pow = (a: Operand, b: Operand): Tensor => binary(OPS.pow, a, b);
/** Elementwise maximum (NaN propagates). */
export const maximum = (a: Operand, b: Operand): Tensor => binary(OPS.maximum, a, b);
/** Elementwise minimum (NaN propagates). */
export const minimum = (a: Operand, b: Operand): Tensor => binary(OPS.minimum, a, b);
/** 1 where a = b, else 0 (not differentiable: no gradient flows). Likewise ne, lt, le, gt, ge. */
export const eq = (a: Operand, b: Operand): Tensor => binary(OPS.eq, a, b);
export const ne = (a: Operand, b: Operand): Tensor => binary(OPS.ne, a, b);
export const lt = (a: Operand, b: Operand): Tensor => binary(OPS.lt, a, b);
export const le = (a: Operand, b: Operand): Tensor => binary(OPS.le, a, b);
export const gt = (a: Operand, b: Operand): Tensor => binary(OPS.gt, a, b);
export const ge = (a: Operand, b: Operand): Tensor => binary(OPS.ge, a, b);

export const neg = (x: Tensor): Tensor => unary(OPS.neg, x);
export const exp = (x: Tensor): Tensor => unary(OPS.exp, x);
/** Natural logarithm; log of a negative number is NaN and log(0) is −∞, as IEEE and NumPy. */
export const log = (x: Tensor): Tensor => unary(OPS.log, x);
export const sqrt = (x: Tensor): Tensor => unary(OPS.sqrt, x);
export const abs = (x: Tensor): Tensor => unary(OPS.abs, x);
/** −1, 0 or 1 (not differentiable). */
export const sign = (x: Tensor): Tensor => unary(OPS.sign, x);
export const tanh = (x: Tensor): Tensor => unary(OPS.tanh, x);
/** σ(x) = 1 / (1 + e^(−x)), computed without overflow for large |x|. */
export const sigmoid = (x: Tensor): Tensor => unary(OPS.sigmoid, x);
/** dy ⊙ σ(z)(1 − σ(z)) from y = σ(z): the sigmoid VJP as one op (same shapes). */
export function sigmoidGrad(y: Tensor, dy: Tensor): Tensor {
  if (!sameShape(y.shape, dy.shape)) throw new ShapeError('sigmoidGrad', `y has shape ${fmtShape(y.shape)} but dy has ${fmtShape(dy.shape)}`, 'dy');
  return apply(OPS.sigmoidGrad, [y, dy], null);
}
/** max(x, 0). */
export const relu = (x: Tensor): Tensor => unary(OPS.relu, x);
export const square = (x: Tensor): Tensor => unary(OPS.square, x);
/** 1 / x. */
export const reciprocal = (x: Tensor): Tensor => unary(OPS.reciprocal, x);

/** Elementwise `cond ≠ 0 ? a : b`, all three broadcast together. */
export function where(cond: Tensor | NestedArray, a: Operand, b: Operand): Tensor {
  const c = cond instanceof Tensor ? cond : tensor(cond);
  const dtype = a instanceof Tensor ? (b instanceof Tensor ? promote(a.dtype, b.dtype) : a.dtype) : b instanceof Tensor ? b.dtype : c.dtype;
  return apply(OPS.where, [c, operand('where', a, dtype, 'a'), operand('where', b, dtype, 'b')], null);
}

/** Limits x to [min, max]; either bound may be null/undefined. The gradient passes where min ≤ x ≤ max. */
export function clamp(x: Tensor, min?: number | null, max?: number | null): Tensor {
  const lo = min ?? -Infinity, hi = max ?? Infinity;
  if (Number.isNaN(lo) || Number.isNaN(hi)) throw new TapegradError('clamp', `bounds must not be NaN, got [${lo}, ${hi}]`, 'min/max');
  return apply(OPS.clamp, [expectTensor('clamp', x)], { lo, hi });
}

/** The same values in another dtype (returns x itself when it already has it). */
export function astype(x: Tensor, dtype: DType): Tensor {
  const d = checkDType('astype', dtype);
  return expectTensor('astype', x).dtype === d ? x : apply(OPS.astype, [x], { dtype: d });
}

/** A recorded alias of x: same values, its own place on the tape. */
export const identity = (x: Tensor): Tensor => apply(OPS.identity, [x], null);

/** The value of x with no gradient flowing back through it (JAX's stop_gradient). */
export const stopGradient = (x: Tensor): Tensor => expectTensor('stopGradient', x).detach();

/**
 * Matrix product with NumPy's rules: 2-D · 2-D; N-D operands are stacks of matrices whose batch dims
 * broadcast; a 1-D operand is a vector (a row on the left, a column on the right, then dropped).
 *
 * @example
 * const Z = matmul(W, A_prev).add(b); // [n_l, n_{l-1}] · [n_{l-1}, m] + [n_l, 1]  →  [n_l, m]
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  expectTensor('matmul', a, 'a');
  expectTensor('matmul', b, 'b');
  if (a.ndim === 0 || b.ndim === 0) {
    throw new ShapeError('matmul', `operands must have at least 1 dimension, got shapes ${fmtShape(a.shape)} (a) and ${fmtShape(b.shape)} (b); use mul for scalars`);
  }
  if (a.ndim >= 2 && b.ndim >= 2) return matmulT(a, b, false, false);
  const a2 = a.ndim === 1 ? reshape(a, [1, a.shape[0]]) : a;
  const b2 = b.ndim === 1 ? reshape(b, [b.shape[0], 1]) : b;
  if (a2.shape[a2.ndim - 1] !== b2.shape[b2.ndim - 2]) {
    throw new ShapeError('matmul', `inner dimensions do not match: a has shape ${fmtShape(a.shape)}, b has shape ${fmtShape(b.shape)}`);
  }
  const c = matmulT(a2, b2, false, false);
  const shape = c.shape.slice();
  if (b.ndim === 1) shape.splice(shape.length - 1, 1);
  if (a.ndim === 1) shape.splice(shape.length - (b.ndim === 1 ? 1 : 2), 1);
  return reshape(c, shape);
}

/** op(a)·op(b) where op transposes the last two dims when its flag is set. Both operands rank ≥ 2. */
export function matmulT(a: Tensor, b: Tensor, transA: boolean, transB: boolean): Tensor {
  if (a.ndim < 2 || b.ndim < 2) throw new ShapeError('matmul', `matmulT needs operands of rank ≥ 2, got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  return apply(OPS.matmul, [a, b], { transA, transB });
}

/** Permutes the axes (default: reversed, so a matrix is transposed). */
export function transpose(x: Tensor, perm?: readonly number[]): Tensor {
  expectTensor('transpose', x);
  const n = x.ndim;
  const p = perm === undefined ? Array.from({ length: n }, (_, i) => n - 1 - i) : perm.map((a) => normAxis('transpose', a, n, 'perm'));
  if (p.length !== n || new Set(p).size !== n) {
    throw new ShapeError('transpose', `${JSON.stringify(perm)} is not a permutation of the ${n} axes of a tensor of shape ${fmtShape(x.shape)}`, 'perm');
  }
  return apply(OPS.transpose, [x], { perm: p });
}

/** Swaps the last two axes (a 0-d or 1-D tensor is returned as is). */
export function mT(x: Tensor): Tensor {
  if (x.ndim < 2) return x;
  const p = Array.from({ length: x.ndim }, (_, i) => i);
  [p[x.ndim - 2], p[x.ndim - 1]] = [p[x.ndim - 1], p[x.ndim - 2]];
  return transpose(x, p);
}

/** The same elements in a new shape; one dimension may be −1 (inferred). Shares data. */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  expectTensor('reshape', x);
  const s = [...shape];
  const free = s.indexOf(-1);
  if (free >= 0) {
    const known = s.reduce((acc, d, i) => (i === free ? acc : acc * d), 1);
    if (known > 0 && x.size % known === 0) s[free] = x.size / known;
  }
  if (!s.every((d) => Number.isInteger(d) && d >= 0) || sizeOf(s) !== x.size) {
    throw new ShapeError('reshape', `cannot reshape a tensor of shape ${fmtShape(x.shape)} (${x.size} elements) into ${fmtShape(shape)}`, 'shape');
  }
  return apply(OPS.reshape, [x], { shape: s });
}

/** Removes axes of size 1 (all of them, or the given ones, which must have size 1). */
export function squeeze(x: Tensor, axis?: Axis | null): Tensor {
  expectTensor('squeeze', x);
  const axes = axis === undefined || axis === null ? x.shape.flatMap((d, i) => (d === 1 ? [i] : [])) : normAxes('squeeze', axis, x.ndim);
  for (const a of axes) {
    if (x.shape[a] !== 1) throw new ShapeError('squeeze', `axis ${a} has size ${x.shape[a]}, not 1, in shape ${fmtShape(x.shape)}`, 'axis');
  }
  return reshape(x, x.shape.filter((_, i) => !axes.includes(i)));
}

/** Inserts an axis of size 1 at `axis` (in the result's numbering, so −1 appends). */
export function unsqueeze(x: Tensor, axis: number): Tensor {
  expectTensor('unsqueeze', x);
  const a = normAxis('unsqueeze', axis, x.ndim + 1);
  const s = [...x.shape];
  s.splice(a, 0, 1);
  return reshape(x, s);
}

/** x broadcast to `shape` (NumPy rules); its gradient sums back over the broadcast dims. */
export function broadcastTo(x: Tensor, shape: readonly number[]): Tensor {
  expectTensor('broadcastTo', x);
  const s = checkShape('broadcastTo', shape);
  if (x.ndim > s.length || !sameShape(broadcastShapes('broadcastTo', x.shape, s, 'x', 'shape'), s)) {
    throw new ShapeError('broadcastTo', `cannot broadcast a tensor of shape ${fmtShape(x.shape)} to ${fmtShape(s)}`, 'shape');
  }
  return sameShape(x.shape, s) ? x : apply(OPS.broadcastTo, [x], { shape: s });
}

/** Sums `g` down to `shape`, undoing a broadcast from `shape` (the tape's one place for this). */
export function sumToShape(g: Tensor, shape: readonly number[]): Tensor {
  const lead = g.ndim - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < g.ndim; i++) if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) axes.push(i);
  return reshape(axes.length > 0 ? sum(g, axes, true) : g, shape);
}

/** Joins tensors along an existing axis; all other dims must match. */
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
  return xs.length === 1 ? first : apply(OPS.concat, xs, { axis: a });
}

/** Stacks equally shaped tensors along a new axis. */
export function stack(xs: readonly Tensor[], axis = 0): Tensor {
  if (!Array.isArray(xs) || xs.length === 0) throw new TapegradError('stack', 'expected a non-empty array of tensors', 'xs');
  xs.forEach((t, i) => {
    expectTensor('stack', t, `xs[${i}]`);
    if (!sameShape(t.shape, xs[0].shape)) throw new ShapeError('stack', `xs[${i}] has shape ${fmtShape(t.shape)} but xs[0] has ${fmtShape(xs[0].shape)}`, `xs[${i}]`);
  });
  const a = normAxis('stack', axis, xs[0].ndim + 1);
  return concat(xs.map((t) => unsqueeze(t, a)), a);
}

/**
 * Python-style slicing on every axis: x[begin[d] : end[d] : step[d]]. Negative indices count from the
 * end and out-of-range ones are clamped, as in NumPy; a missing or null `end` means "to the end";
 * axes past `begin.length` are kept whole. Steps are positive integers.
 *
 * @example
 * slice(A, [0, 1], [null, 3]); // A[:, 1:3]
 */
export function slice(x: Tensor, begin: readonly number[], end?: readonly (number | null)[], step?: readonly number[]): Tensor {
  expectTensor('slice', x);
  if (begin.length > x.ndim || (end && end.length > x.ndim) || (step && step.length > x.ndim)) {
    throw new ShapeError('slice', `more indices than the ${x.ndim} axes of shape ${fmtShape(x.shape)}`, 'begin');
  }
  const b: number[] = [], st: number[] = [], shape: number[] = [];
  for (let d = 0; d < x.ndim; d++) {
    const n = x.shape[d];
    const s = step?.[d] ?? 1;
    if (!Number.isInteger(s) || s < 1) throw new TapegradError('slice', `step on axis ${d} must be a positive integer, got ${s}`, 'step');
    const norm = (i: number, arg: string) => {
      if (!Number.isInteger(i)) throw new TapegradError('slice', `index on axis ${d} must be an integer, got ${i}`, arg);
      return Math.min(Math.max(i < 0 ? i + n : i, 0), n);
    };
    const lo = norm(begin[d] ?? 0, 'begin');
    const hi = end?.[d] === undefined || end[d] === null ? n : norm(end[d] as number, 'end');
    b.push(lo);
    st.push(s);
    shape.push(Math.max(0, Math.ceil((hi - lo) / s)));
  }
  return sliceRaw(x, b, st, shape);
}

/** @internal slice with resolved begin, step and output shape. */
export const sliceRaw = (x: Tensor, begin: readonly number[], step: readonly number[], shape: readonly number[]): Tensor =>
  apply(OPS.slice, [x], { begin, step, shape });

/** @internal the adjoint of slice: dy placed into zeros of `shape`. */
export const unslice = (dy: Tensor, begin: readonly number[], step: readonly number[], shape: readonly number[]): Tensor =>
  apply(OPS.unslice, [dy], { begin, step, shape });

function toIndex(op: string, index: IndexLike, axisLen: number): { data: Int32Array; shape: number[] } {
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

/**
 * PyTorch's `gather` (NumPy's take_along_axis): out[i][j] = x[index[i][j]][j] for axis 0, and so on.
 * `index` has the rank of x, and index.shape[d] ≤ x.shape[d] off the axis; out has index's shape.
 *
 * @example
 * // pick each column's (example's) class score from logits [classes, m]
 * gather(logits, [[2, 0, 1]], 0); // shape [1, 3]
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

/** @internal gather with checked indices. */
export const gatherRaw = (x: Tensor, index: Int32Array, indexShape: readonly number[], axis: number): Tensor =>
  apply(OPS.gather, [x], { index, indexShape, axis });

/**
 * The slices of x at `index` along `axis` (NumPy's take, PyTorch's index_select): out has x's shape
 * with index.length entries on the axis, and out[..., j, ...] = x[..., index[j], ...]. The index is 1-D;
 * indices may repeat (their gradients add up).
 *
 * @example
 * // a mini-batch: examples (columns) 2 and 0 of X = [[1, 2, 3], [4, 5, 6]]
 * take(X, [2, 0], 1); // [[3, 1], [6, 4]]
 */
export function take(x: Tensor, index: IndexLike, axis: number): Tensor {
  expectTensor('take', x);
  const a = normAxis('take', axis, x.ndim);
  const { data, shape } = toIndex('take', index, x.shape[a]);
  if (shape.length !== 1) throw new ShapeError('take', `index must be 1-D, got shape ${fmtShape(shape)}`, 'index');
  return takeRaw(x, data, a);
}

/** @internal take with checked indices. */
export const takeRaw = (x: Tensor, index: Int32Array, axis: number): Tensor => apply(OPS.take, [x], { index, axis });

/** @internal zeros of `shape` with src's slices added at `index` along `axis` (take's adjoint). */
export const indexAdd = (src: Tensor, index: Int32Array, axis: number, shape: readonly number[]): Tensor =>
  apply(OPS.indexAdd, [src], { index, axis, shape });

/** @internal zeros of `shape` with src added at the gathered places (gather's adjoint). */
export const scatterAdd = (src: Tensor, index: Int32Array, indexShape: readonly number[], axis: number, shape: readonly number[]): Tensor =>
  apply(OPS.scatterAdd, [src], { index, indexShape, axis, shape });

function reduce(op: 'sum' | 'max' | 'min', x: Tensor, axis: Axis | null | undefined, keepdims: boolean): Tensor {
  expectTensor(op, x);
  const axes = normAxes(op, axis, x.ndim);
  if (op !== 'sum' && axes.some((a) => x.shape[a] === 0)) {
    throw new ShapeError(op, `cannot take the ${op} over an empty axis of shape ${fmtShape(x.shape)}`, 'axis');
  }
  return apply(OPS[op], [x], { axes, keepdims });
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
  const count = normAxes('mean', axis, x.ndim).reduce((n, a) => n * x.shape[a], 1);
  return div(sum(x, axis, keepdims), count);
}

/** The index of the maximum along `axis` (the first one on ties, or the first NaN), as a tensor of x's dtype. */
export function argmax(x: Tensor, axis: number): Tensor {
  const a = normAxis('argmax', axis, expectTensor('argmax', x).ndim);
  const idxShape = x.shape.map((d, i) => (i === a ? d : 1));
  const idx = reshape(tensor(Float64Array.from({ length: x.shape[a] }, (_, i) => i), { dtype: x.dtype }), idxShape);
  // a NaN is the maximum, as in np.argmax and torch.argmax: max() is NaN there, which no element equals
  const atMax = add(eq(x, max(x, a, true).detach()), ne(x, x));
  return min(where(atMax, idx, Infinity), a).detach();
}

/** log Σ exp(x) over `axis`, without overflow (the max is subtracted first). */
export function logsumexp(x: Tensor, axis?: Axis | null, keepdims = false): Tensor {
  expectTensor('logsumexp', x);
  const axes = normAxes('logsumexp', axis, x.ndim);
  const m = max(x, axes, true).detach();
  const shift = where(lt(abs(m), Infinity), m, 0); // an all −∞ slice stays −∞ rather than NaN
  const r = add(log(sum(exp(sub(x, shift)), axes, true)), shift);
  return keepdims ? r : reshape(r, x.shape.filter((_, i) => !axes.includes(i)));
}

/** e^x / Σ e^x along `axis` (default −1; the notes' classes-in-rows layout uses axis 0). */
export function softmax(x: Tensor, axis = -1): Tensor {
  const a = normAxis('softmax', axis, expectTensor('softmax', x).ndim);
  const e = exp(sub(x, max(x, a, true).detach()));
  return div(e, sum(e, a, true));
}

/**
 * Softmax cross-entropy of logits z against target distributions y (one-hot or soft labels, the shape
 * of z) along `axis`: ℓ = −Σ_axis y ⊙ log softmax(z), one loss per slice, so the result has z's shape
 * without the axis. One fused op, stable for any finite logits (the max is subtracted); its gradient
 * with respect to z is softmax(z)·Σy − y, which is softmax(z) − y for one-hot labels.
 *
 * @example
 * // classes in rows, one example per column (the notes' layout): 3 classes, 2 examples
 * const Z = tensor([[1, 0], [2, 0], [3, 0]]), Y = tensor([[0, 1], [0, 0], [1, 0]]);
 * softmaxCrossEntropyWithLogits(Z, Y, 0).toArray(); // [log(e + e² + e³) − 3, log 3]
 */
export function softmaxCrossEntropyWithLogits(z: Tensor, y: Tensor, axis = -1): Tensor {
  const op = 'softmaxCrossEntropyWithLogits';
  expectTensor(op, z, 'z');
  expectTensor(op, y, 'y');
  if (!sameShape(z.shape, y.shape)) throw new ShapeError(op, `y has shape ${fmtShape(y.shape)} but z has ${fmtShape(z.shape)}; they must be equal`, 'y');
  return apply(OPS.softmaxCrossEntropy, [z, y], { axis: normAxis(op, axis, z.ndim) });
}

/** @internal g · (softmax(z)·Σy − y) along `axis`: softmax cross-entropy's z-gradient, g one value per slice. */
export const softmaxCrossEntropyGrad = (z: Tensor, y: Tensor, g: Tensor, axis: number): Tensor =>
  apply(OPS.softmaxCrossEntropyGrad, [z, y, g], { axis });

/** log softmax(x) along `axis`, computed as x − logsumexp(x) for stability. */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  const a = normAxis('logSoftmax', axis, expectTensor('logSoftmax', x).ndim);
  return sub(x, logsumexp(x, a, true));
}
