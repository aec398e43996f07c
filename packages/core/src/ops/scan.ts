/**
 * Running sums and products along an axis.
 */
import { alloc } from '../dtype.js';
import { tensor } from '../creation.js';
import { kernels } from '../kernels/index.js';
import { normAxis } from '../shape.js';
import { apply } from '../tape.js';
import { Tensor } from '../tensor.js';
import { div, mul, where } from './arith.js';
import { defineOp, expectTensor, type Grads } from './define.js';
import { reshape, unsqueeze } from './layout.js';
import { sum } from './reduce.js';

type ScanAttrs = { axis: number; reverse: boolean };

// cumsum is linear, and its adjoint is the running sum taken from the other end:
// d xⱼ = Σ_{i ≥ j} dyᵢ
export const cumsumOp = defineOp<'cumsum', ScanAttrs>('cumsum', {
  forward: ([x], { axis, reverse }) => {
    const out = alloc(x.dtype, x.size);
    kernels.cumulative('sum', x.data, x.shape, axis, reverse, out);
    return new Tensor(out, x.shape);
  },
  vjp: (dy, { attrs: { axis, reverse } }): Grads => [cumsumRaw(dy, axis, !reverse)],
});
/** @internal cumsum on a resolved axis, from the end when `reverse`. */
export const cumsumRaw = (x: Tensor, axis: number, reverse: boolean): Tensor => apply(cumsumOp, [x], { axis, reverse });

/**
 * The running sum along `axis`: out[i] = x[0] + … + x[i] (PyTorch's `torch.cumsum`, NumPy's `cumsum`
 * with an axis).
 *
 * @example
 * cumsum(tensor([[1, 2, 3], [4, 5, 6]]), 1).toArray(); // [[1, 3, 6], [4, 9, 15]]
 */
export function cumsum(x: Tensor, axis: number): Tensor {
  expectTensor('cumsum', x);
  return cumsumRaw(x, normAxis('cumsum', axis, x.ndim), false);
}

// yᵢ = Π_{k ≤ i} xₖ:  d xⱼ = Σ_{i ≥ j} dyᵢ · Π_{k ≤ i, k ≠ j} xₖ
export const cumprodOp = defineOp<'cumprod', { axis: number }>('cumprod', {
  forward: ([x], { axis }) => {
    const out = alloc(x.dtype, x.size);
    kernels.cumulative('prod', x.data, x.shape, axis, false, out);
    return new Tensor(out, x.shape);
  },
  vjp: (dy, { inputs: [x], output: y, attrs: { axis } }): Grads => [
    nearZero(x) ? cumprodGradWithZeros(dy, x, axis) : div(cumsumRaw(mul(dy, y), axis, true), x),
  ],
});

/**
 * Whether dividing by x is unsafe: some |xⱼ| ≤ 10⁻⁴·max(1, max|x|), zeros included. The division
 * formula's own derivative (the second order) subtracts terms of size |dy·y|/xⱼ² to leave one of size
 * |dy·y|/(xⱼ·xₖ) (or 0), so its error grows like ε·max(1, |xₖ|)/|xⱼ|; there the leave-one-out form is used.
 */
function nearZero(x: Tensor): boolean {
  let lo = Infinity, hi = 0;
  for (const v of x.data) {
    const a = Math.abs(v);
    if (a < lo) lo = a;
    if (a > hi) hi = a;
  }
  return lo <= 1e-4 * Math.max(1, hi);
}

/**
 * The cumprod VJP without dividing by x, for inputs with zeros: the products that leave out xⱼ are
 * formed explicitly, C[j, i] = Π_{k ≤ i, k ≠ j} xₖ (a cumprod of x with xⱼ replaced by 1, for every j),
 * then dxⱼ = Σ_{i ≥ j} dyᵢ C[j, i]. O(n²) in the axis length, so used only when x holds a zero or a near-zero (nearZero).
 */
function cumprodGradWithZeros(dy: Tensor, x: Tensor, axis: number): Tensor {
  const n = x.shape[axis];
  const trailing = new Array<number>(x.ndim - axis - 1).fill(1);
  const mask = (keep: (j: number, i: number) => boolean): Tensor =>
    reshape(tensor(Float64Array.from({ length: n * n }, (_, p) => (keep(Math.floor(p / n), p % n) ? 1 : 0)), { dtype: x.dtype }), [n, n, ...trailing]);
  const leaveOut = where(mask((j, k) => j === k), 1, unsqueeze(x, axis)); // [..., j, k, ...]
  const products = cumprodRaw(leaveOut, axis + 1); // [..., j, i, ...]
  return sum(mul(products, mul(mask((j, i) => i >= j), unsqueeze(dy, axis))), axis + 1);
}
/** @internal cumprod on a resolved axis. */
export const cumprodRaw = (x: Tensor, axis: number): Tensor => apply(cumprodOp, [x], { axis });

/**
 * The running product along `axis`: out[i] = x[0] · … · x[i] (PyTorch's `torch.cumprod`). The gradient
 * is exact when x holds zeros (it does not divide by x).
 *
 * @example
 * cumprod(tensor([2, 3, 0, 4]), 0).toArray(); // [2, 6, 0, 0]
 */
export function cumprod(x: Tensor, axis: number): Tensor {
  expectTensor('cumprod', x);
  return cumprodRaw(x, normAxis('cumprod', axis, x.ndim));
}
