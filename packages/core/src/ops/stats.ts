/**
 * Statistics over axes: prod, variance, std and the vector norms. All are composites of primitives
 * (mul, slice, sum, max, sqrt, where …), so their gradients are the chain rule through exact rules,
 * differentiable to every order, and need no rule or kernel of their own.
 */
import { TapegradError, ShapeError, fmtShape, fmtValue } from '../errors.js';
import { Tensor } from '../tensor.js';
import { abs, add, div, eq, gt, lt, mul, square, sub, where } from './arith.js';
import { expectTensor } from './define.js';
import { concat, reshape, sliceRaw, type Axis } from './layout.js';
import { keptShape, max, mean, reduceArgs, sum } from './reduce.js';
import { sqrt } from './unary.js';

/** `len` entries of x along axis `a` from `from` on. */
function part(x: Tensor, a: number, from: number, len: number): Tensor {
  return sliceRaw(x, x.shape.map((_, d) => (d === a ? from : 0)), x.shape.map(() => 1), x.shape.map((n, d) => (d === a ? len : n)));
}

/**
 * Π along axis `a`, kept as size 1, by halving: the first half times the second (an odd last entry
 * carried along), log₂(n) levels of `mul`. Reverse mode through this tree computes every
 * leave-one-out product Π_{j≠i} x_j in O(n) multiplications and no division, so the gradient is exact
 * with one zero or several (where the textbook y/xᵢ is 0/0), and each level's `mul` rule makes it
 * differentiable again to every order. An empty axis gives 1 (the empty product), still on the tape.
 * (A primitive with its own kernel would save the log₂(n) passes forward, but its VJP would need this
 * same tree, and that VJP's VJP a leave-two-out one: the composite is exact at every order for free.)
 */
function prodAlong(x: Tensor, a: number): Tensor {
  if (x.shape[a] === 0) return add(sum(x, a, true), 1);
  let t = x;
  while (t.shape[a] > 1) {
    const n = t.shape[a], h = n >> 1;
    const halves = mul(part(t, a, 0, h), part(t, a, h, h));
    t = n % 2 === 0 ? halves : concat([halves, part(t, a, 2 * h, 1)], a);
  }
  return t;
}

/**
 * The product of the elements over `axis` (all axes by default); the empty product is 1.
 *
 * Its gradient is exact where elements are zero: with one zero at i, ∂/∂xᵢ is the product of the
 * others and every other partial is 0; with two or more zeros every partial is 0 — as PyTorch. It is
 * built from `mul` by halving (see prodAlong), so it is differentiable again (hessian, grad of grad),
 * exactly: with two zeros at i and j, ∂²/∂xᵢ∂xⱼ is the product of the rest, where PyTorch 1.13 gives 0.
 * A float32 product is rounded to float32 at each of its log₂(n) levels.
 *
 * @example
 * prod(tensor([[1, 2], [3, 4]]), 1); // [2, 12]
 * grad((x) => prod(x))(tensor([2, 0, 5])); // [0, 10, 0]
 */
export function prod(x: Tensor, axis?: Axis | null, keepdims = false): Tensor {
  expectTensor('prod', x);
  const axes = reduceArgs('prod', x, axis, keepdims);
  // over every axis, one flat axis halves in fewer, contiguous levels
  const all = axes.length === x.ndim && x.ndim > 1;
  let t = all ? prodAlong(reshape(x, [x.size]), 0) : x;
  if (!all) for (const a of axes) t = prodAlong(t, a);
  return reshape(t, keepdims ? keptShape(x.shape, axes) : x.shape.filter((_, i) => !axes.includes(i)));
}

/** Options of `variance` and `std`, as PyTorch's keywords. */
export interface VarianceOptions {
  /** Subtracted from the count in the denominator: 1 (the default, as PyTorch) is Bessel's correction, 0 the population variance. */
  correction?: number;
  keepdims?: boolean;
}

function varianceArgs(op: string, x: Tensor, axis: Axis | null | undefined, options: unknown): { axes: number[]; keepdims: boolean; correction: number } {
  expectTensor(op, x);
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new TapegradError(op, `expected an options object { correction?, keepdims? }, got ${fmtValue(options)}`, 'options');
  }
  const { correction = 1, keepdims = false } = options as VarianceOptions;
  if (typeof correction !== 'number' || !(correction >= 0) || !Number.isFinite(correction)) {
    throw new TapegradError(op, `correction must be a finite number ≥ 0, got ${fmtValue(correction)}`, 'correction');
  }
  return { axes: reduceArgs(op, x, axis, keepdims), keepdims, correction };
}

/**
 * The variance over `axis` (all axes by default): Σ(x − mean)² / (N − correction), N the number of
 * elements reduced, `correction` 1 by default (the unbiased estimate), as PyTorch's `var`. Where
 * N ≤ correction the denominator is 0, so the result is NaN or ∞, as PyTorch's. (`var` is a reserved
 * word in JavaScript: the function is `variance`, the method `x.var()`.) Computed in two passes
 * (the mean first), so a large common offset does not cancel the digits of a small spread.
 *
 * @example
 * variance(tensor([1, 2, 3, 4])); // 5/3
 * variance(tensor([[1, 2], [3, 5]]), 1, { correction: 0, keepdims: true }); // [[0.25], [1]]
 */
export function variance(x: Tensor, axis?: Axis | null, options: VarianceOptions = {}): Tensor {
  const { axes, keepdims, correction } = varianceArgs('variance', x, axis, options);
  const n = axes.reduce((p, a) => p * x.shape[a], 1);
  const d = sub(x, mean(x, axes, true));
  return div(sum(square(d), axes, keepdims), Math.max(0, n - correction));
}

/**
 * √v with a gradient of 0 (not ∞ · 0 = NaN) where v = 0: the inner `where` keeps sqrt's rule away from
 * 0 and the outer one sends no cotangent there. NaN still propagates.
 */
function sqrtOrZero(v: Tensor): Tensor {
  const zero = eq(v, 0);
  return where(zero, 0, sqrt(where(zero, 1, v)));
}

/**
 * The standard deviation over `axis`: √variance(x, axis, options) (see `variance` for `correction`,
 * default 1, and `keepdims`). Where every element is equal its gradient is 0, as PyTorch's (the
 * derivative of √ at 0 is infinite; √ · 0 would be NaN).
 *
 * @example
 * std(tensor([2, 4, 4, 4, 5, 5, 7, 9]), null, { correction: 0 }); // 2
 */
export function std(x: Tensor, axis?: Axis | null, options: VarianceOptions = {}): Tensor {
  varianceArgs('std', x, axis, options);
  return sqrtOrZero(variance(x, axis, options));
}

/** The vector norms `norm` takes: Σ|x|, √Σx², max|x|; 'fro' is the 2-norm of the elements. */
export type NormOrder = 1 | 2 | typeof Infinity | 'fro';

/**
 * The vector norm of the elements over `axis` (all axes by default): p = 1 gives Σ|x|, p = 2 (the
 * default) and 'fro' give √Σx², p = Infinity gives max|x|, as `torch.linalg.vector_norm` and
 * `torch.norm(x, p, dim)`. Over two axes these are norms of the flattened elements, not matrix
 * norms: p = 1, 2 or ∞ over a matrix is NOT `np.linalg.norm`'s (max column sum, spectral, max row
 * sum); 'fro' is the same in both.
 *
 * Gradients: p = 2 gives x/‖x‖, and 0 at the zero vector (PyTorch's choice; ‖·‖ has no derivative
 * there); p = 1 gives sign(x) (0 at 0); p = ∞ shares the cotangent evenly among the entries of
 * largest |x|, as PyTorch. None is NaN at 0. The 2-norm is computed as m·√Σ(x/m)² with m = max|x|
 * (held constant: the norm does not depend on it), so it neither overflows for large x (float32
 * squares overflow from 1.9e19) nor underflows for tiny x, where PyTorch's float32 norm gives ∞ or 0.
 *
 * @example
 * norm(tensor([3, -4])); // 5
 * norm(tensor([3, -4]), 1); // 7
 * norm(tensor([[1, -5], [2, 3]]), Infinity, 1); // [5, 3]
 */
export function norm(x: Tensor, p: NormOrder = 2, axis?: Axis | null, keepdims = false): Tensor {
  expectTensor('norm', x);
  if (p !== 1 && p !== 2 && p !== Infinity && p !== 'fro') {
    throw new TapegradError('norm', `p must be 1, 2, Infinity or 'fro', got ${typeof p === 'string' ? JSON.stringify(p) : fmtValue(p)}`, 'p');
  }
  const axes = reduceArgs('norm', x, axis, keepdims);
  const empty = axes.some((a) => x.shape[a] === 0);
  if (p === 1) return sum(abs(x), axes, keepdims);
  if (p === Infinity) {
    if (empty) throw new ShapeError('norm', `the ∞-norm (max |x|) of no elements is undefined; shape ${fmtShape(x.shape)} has an empty axis among ${JSON.stringify(axes)}`, 'axis');
    return max(abs(x), axes, keepdims);
  }
  if (empty) return sqrtOrZero(sum(square(x), axes, keepdims));
  const m = max(abs(x.detach()), axes, true);
  const scale = where(mul(gt(m, 0), lt(m, Infinity)), m, 1); // 0, ∞ and NaN (all of which propagate) are not scaled
  const outShape = keepdims ? scale.shape : x.shape.filter((_, i) => !axes.includes(i));
  return mul(sqrtOrZero(sum(square(div(x, scale)), axes, keepdims)), reshape(scale, outShape));
}
