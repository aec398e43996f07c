/**
 * prod, variance, std and norm with known values: closed forms, and gradients against PyTorch 1.13
 * (float64, computed with python3 on 2026-11-30: torch.prod/var/std, torch.linalg.vector_norm, torch.norm
 * 'fro', torch.autograd.functional.hessian; the values are quoted next to each check).
 */
import { describe, expect, it } from 'vitest';
import { grad, hessian, norm, prod, ShapeError, std, TapegradError, tensor, Tensor, variance } from '@tapegrad/core';

const f64 = (data: number[] | number[][], requiresGrad = false) => tensor(data, { dtype: 'float64', requiresGrad });
const vals = (t: Tensor): number[] => Array.from(t.data);
function expectClose(t: Tensor | number[], expected: readonly number[], digits = 14): void {
  const a = t instanceof Tensor ? vals(t) : t;
  expect(a.length).toBe(expected.length);
  expected.forEach((e, i) => expect(a[i], `element ${i}`).toBeCloseTo(e, digits));
}
/** The gradient of Σ w ⊙ f(x): a weighted cotangent, so each output's row of the Jacobian shows. */
const weightedGrad = (f: (x: Tensor) => Tensor, x: Tensor, w: number[]) => grad((t: Tensor) => f(t).mul(f64(w)).sum())(x);

describe('prod', () => {
  it('over an axis, several axes, all of them, with keepdims', () => {
    const x = f64([[1, 2, 3], [4, 5, 6]]);
    expect(prod(x, 1).toArray()).toEqual([6, 120]);
    expect(prod(x, 0).toArray()).toEqual([4, 10, 18]);
    expect(prod(x).item()).toBe(720);
    expect(prod(x, [0, 1], true).toArray()).toEqual([[720]]);
    expect(x.prod(-1, true).toArray()).toEqual([[6], [120]]);
    // an odd length carries its last entry through the halving
    expect(prod(f64([1, 2, 3, 4, 5, 6, 7])).item()).toBe(5040);
  });

  it('the empty product is 1 (NumPy, PyTorch); a 0-d tensor is its own product', () => {
    expect(prod(tensor([], { shape: [0, 2] }), 0).toArray()).toEqual([1, 1]);
    expect(prod(f64([3]).reshape([]), null).item()).toBe(3);
  });

  it('gradient: the product of the others, exact with one zero or several (PyTorch: same)', () => {
    // PyTorch: x.prod() at [1.5, −2, 0.5, 4] has grad [−4, 3, −12, −1.5]
    expectClose(grad((t: Tensor) => prod(t))(f64([1.5, -2, 0.5, 4])), [-4, 3, -12, -1.5]);
    const x = f64([[2, 0, 5, 0], [1, 3, 0, 2], [1, 2, 3, 4]]);
    expect(grad((t: Tensor) => prod(t, 1).sum())(x).toArray()).toEqual([[0, 0, 0, 0], [0, 0, 6, 0], [24, 12, 8, 6]]);
  });

  it('second derivative: ∂²/∂xᵢ∂xⱼ = Π of the rest, also at two zeros (where PyTorch 1.13 gives 0)', () => {
    // PyTorch: hessian of prod at [2, 0, 5] is [[0, 5, 0], [5, 0, 2], [0, 2, 0]]
    expect(hessian((t: Tensor) => prod(t))(f64([2, 0, 5])).toArray()).toEqual([[0, 5, 0], [5, 0, 2], [0, 2, 0]]);
    // at [0, 3, 0], ∂²/∂x₀∂x₂ = x₁ = 3; PyTorch 1.13's prod backward treats two zeros as a constant 0 and returns all zeros
    expect(hessian((t: Tensor) => prod(t))(f64([0, 3, 0])).toArray()).toEqual([[0, 0, 3], [0, 0, 0], [3, 0, 0]]);
  });

  it('float32 rounds at each halving level, close to the float64 product', () => {
    const p = prod(tensor(Array.from({ length: 10 }, () => 0.1))).item();
    expect(Math.abs(p - 1e-10) / 1e-10).toBeLessThan(10 * 2 ** -24); // PyTorch float32: 1.0000002215182491e-10
  });

  it('rejects bad arguments, naming prod', () => {
    expect(() => prod(f64([1, 2]), 1)).toThrow(ShapeError);
    expect(() => prod(f64([1, 2]), 1)).toThrow(/prod: argument 'axis'/);
    expect(() => prod(f64([1, 2]), 0, 'yes' as unknown as boolean)).toThrow(/prod: argument 'keepdims'/);
    expect(() => prod([1, 2] as unknown as Tensor)).toThrow(/prod: argument 'x'/);
  });
});

describe('variance and std', () => {
  const x = f64([[1, 2, 4], [3, 5, 9]]);

  it('Bessel-corrected by default; correction 0 is the population variance; keepdims', () => {
    expect(variance(f64([1, 2, 3, 4])).item()).toBeCloseTo(5 / 3, 15);
    expect(variance(f64([1, 2, 3, 4]), null, { correction: 0 }).item()).toBe(1.25);
    // PyTorch: torch.var(x, 1) = [2.333333333333333, 9.333333333333332]
    expectClose(variance(x, 1), [7 / 3, 28 / 3]);
    expect(variance(x, 0, { keepdims: true }).toArray()).toEqual([[2, 4.5, 12.5]]);
    expect(x.var(-1, { correction: 0, keepdims: true }).shape).toEqual([2, 1]);
    expect(std(f64([2, 4, 4, 4, 5, 5, 7, 9]), null, { correction: 0 }).item()).toBe(2);
    expectClose(x.std(1, { correction: 0 }), [Math.sqrt(14 / 9), Math.sqrt(56 / 9)]);
  });

  it('a large common offset does not cancel the spread (two passes)', () => {
    expect(variance(f64([1e9 + 1, 1e9 + 2, 1e9 + 3])).item()).toBe(1);
  });

  it('N ≤ correction divides by 0, as PyTorch: NaN for one element or equal ones, ∞ otherwise', () => {
    expect(variance(f64([3])).item()).toBeNaN(); // PyTorch: nan
    expect(variance(f64([1, 2]), 0, { correction: 3 }).item()).toBe(Infinity); // PyTorch: inf
    expect(variance(f64([1, 1]), 0, { correction: 3 }).item()).toBeNaN(); // PyTorch: nan
  });

  it('gradients match PyTorch: d var = 2(x − x̄)/(N − c), d std = (x − x̄)/((N − c) std)', () => {
    // PyTorch, cotangent [1, 2] on torch.var(x, 1, correction=1) and torch.std(x, 1, correction=0):
    expectClose(weightedGrad((t) => variance(t, 1), x, [1, 2]), [-4 / 3, -1 / 3, 5 / 3, -16 / 3, -4 / 3, 20 / 3]);
    expectClose(weightedGrad((t) => std(t, 1, { correction: 0 }), x, [1, 2]), [
      -0.35634832254989923, -0.08908708063747484, 0.44543540318737396, -0.7126966450997985, -0.17817416127494967, 0.8908708063747479,
    ]);
  });

  it('std’s gradient where every element is equal is 0, not NaN (PyTorch: 0)', () => {
    expect(grad((t: Tensor) => std(t))(f64([3, 3, 3])).toArray()).toEqual([0, 0, 0]);
  });

  it('rejects bad options, naming the op and the argument', () => {
    expect(() => variance(x, 1, true as unknown as {})).toThrow(/variance: argument 'options'/);
    expect(() => std(x, 1, { correction: -1 })).toThrow(/std: argument 'correction'/);
    expect(() => std(x, 1, { correction: NaN })).toThrow(TapegradError);
    expect(() => variance(x, 5)).toThrow(/variance: argument 'axis'/);
  });
});

describe('norm', () => {
  const x = f64([[3, -4, 0], [1, 2, -2]]);

  it('p = 2 (default), 1, ∞ and "fro", over all elements or given axes', () => {
    expect(norm(f64([3, -4])).item()).toBe(5);
    expect(norm(x, 2, 1).toArray()).toEqual([5, 3]);
    expect(norm(x, 1, 1).toArray()).toEqual([7, 5]);
    expect(norm(x, Infinity, 1).toArray()).toEqual([4, 2]);
    expect(norm(x, 'fro').item()).toBeCloseTo(Math.sqrt(34), 15); // PyTorch: 5.830951894845301
    expect(norm(x, 2, [0, 1], true).shape).toEqual([1, 1]);
    expect(x.norm(1).item()).toBe(12);
  });

  it('gradients match PyTorch (cotangent [1, 2] over rows); the ∞-norm shares ties evenly', () => {
    // PyTorch torch.linalg.vector_norm(x, p, dim=1):
    expectClose(weightedGrad((t) => norm(t, 1, 1), x, [1, 2]), [1, -1, 0, 2, 2, -2]);
    expectClose(weightedGrad((t) => norm(t, 2, 1), x, [1, 2]), [0.6, -0.8, 0, 2 / 3, 4 / 3, -4 / 3]);
    expectClose(weightedGrad((t) => norm(t, Infinity, 1), x, [1, 2]), [0, -1, 0, 0, 1, -1]);
    // PyTorch vector_norm(inf) at [1, −3, 3, 2]: [0, −0.5, 0.5, 0]
    expectClose(grad((t: Tensor) => norm(t, Infinity))(f64([1, -3, 3, 2])), [0, -0.5, 0.5, 0]);
  });

  it('the gradient at the zero vector is 0 for every p, not NaN (PyTorch: 0)', () => {
    for (const p of [1, 2, Infinity, 'fro'] as const) expect(grad((t: Tensor) => norm(t, p))(f64([0, 0, 0])).toArray(), `p = ${p}`).toEqual([0, 0, 0]);
  });

  it('the 2-norm’s hessian is (I − x̂x̂ᵀ)/‖x‖ (PyTorch at [3, 4]: [[0.128, −0.096], [−0.096, 0.072]])', () => {
    expectClose(hessian((t: Tensor) => norm(t))(f64([3, 4])), [0.128, -0.096, -0.096, 0.072]);
  });

  it('float32 neither overflows nor underflows in the squares (PyTorch float32 gives inf and 0 here)', () => {
    expect(norm(tensor([1e20, 1e20])).item() / (Math.SQRT2 * 1e20)).toBeCloseTo(1, 6);
    expect(norm(tensor([3e-30, 4e-30])).item() / 5e-30).toBeCloseTo(1, 6);
  });

  it('NaN and ∞ propagate; p = 2 over an empty axis is 0; the ∞-norm of nothing is an error', () => {
    expect(norm(f64([1, NaN])).item()).toBeNaN();
    expect(norm(f64([1, Infinity])).item()).toBe(Infinity);
    expect(norm(f64([1, -Infinity]), 1).item()).toBe(Infinity);
    expect(norm(tensor([], { shape: [0, 3] }), 2, 0).toArray()).toEqual([0, 0, 0]); // PyTorch: [0, 0, 0]
    expect(() => norm(tensor([], { shape: [0, 3] }), Infinity, 0)).toThrow(ShapeError);
    expect(() => norm(tensor([], { shape: [0, 3] }), Infinity, 0)).toThrow(/norm: argument 'axis'/);
  });

  it('rejects another p, naming norm and p', () => {
    expect(() => norm(x, 3 as 2)).toThrow(/norm: argument 'p': p must be 1, 2, Infinity or 'fro', got 3/);
    expect(() => norm(x, 'nuc' as 'fro')).toThrow(/norm: argument 'p'/);
  });
});
