/**
 * Elementwise ops with known values: unary and binary ops, plain-number operands, NumPy broadcasting,
 * dtype promotion, comparisons, where, clamp, astype, stopGradient and IEEE edge cases. Expected values
 * are worked out by hand (ln 3, ln 2 … give exact fractions); float32 results are compared with the
 * float32-rounded value (`Math.fround`), since a float32 kernel computes in double and rounds once.
 */
import { describe, expect, it } from 'vitest';
import {
  abs, add, astype, clamp, div, DTypeError, eq, exp, ge, gt, le, log, lt, maximum, minimum, mul, ne, neg, pow,
  reciprocal, relu, ShapeError, sigmoid, sign, sqrt, square, stopGradient, sub, tanh, TapegradError, tensor,
  Tensor, where,
} from '@tapegrad/core';

const f64 = (data: number[] | number[][]) => tensor(data, { dtype: 'float64' });
const vals = (t: Tensor): number[] => Array.from(t.data);

/** Every element close to the expected one to `digits` decimals (float64 work); NaN must match NaN. */
function expectClose(t: Tensor, expected: readonly number[], digits = 12): void {
  expect(t.size).toBe(expected.length);
  expected.forEach((e, i) => {
    if (Number.isNaN(e)) expect(t.data[i], `element ${i}`).toBeNaN();
    else expect(t.data[i], `element ${i}`).toBeCloseTo(e, digits);
  });
}

describe('unary ops, known values in float64', () => {
  it('neg, abs, sign, square, reciprocal, relu', () => {
    const x = f64([-2, -0.5, 0, 0.5, 4]);
    expect(vals(neg(x))).toEqual([2, 0.5, -0, -0.5, -4]);
    expect(vals(abs(x))).toEqual([2, 0.5, 0, 0.5, 4]);
    expect(vals(sign(x))).toEqual([-1, -1, 0, 1, 1]);
    expect(vals(square(x))).toEqual([4, 0.25, 0, 0.25, 16]);
    expect(vals(reciprocal(x))).toEqual([-0.5, -2, Infinity, 2, 0.25]);
    expect(vals(relu(x))).toEqual([0, 0, 0, 0.5, 4]);
  });

  it('exp, log, sqrt at points with closed forms', () => {
    expectClose(exp(f64([0, 1, Math.LN2, -Math.LN2])), [1, Math.E, 2, 0.5]);
    expectClose(log(f64([1, Math.E, 0.5, 8])), [0, 1, -Math.LN2, 3 * Math.LN2]);
    expectClose(sqrt(f64([0, 4, 2, 0.25])), [0, 2, Math.SQRT2, 0.5]);
  });

  it('tanh and sigmoid at ln 3: tanh = (3 − 1/3)/(3 + 1/3) = 0.8, σ = 1/(1 + 1/3) = 0.75', () => {
    const ln3 = Math.log(3);
    expectClose(tanh(f64([0, ln3, -ln3])), [0, 0.8, -0.8]);
    expectClose(sigmoid(f64([0, ln3, -ln3])), [0.5, 0.75, 0.25]);
  });

  it('float32 stays float32 and is the float32 rounding of the exact value', () => {
    const y = exp(tensor([1, Math.LN2]));
    expect(y.dtype).toBe('float32');
    // exp(fround(ln 2)) differs from 2 by ~1e-8, far below float32's spacing at 2 (2.4e-7)
    expect(vals(y)).toEqual([Math.fround(Math.E), 2]);
    expect(vals(sqrt(tensor([2])))).toEqual([Math.fround(Math.SQRT2)]);
    expect(vals(div(tensor([1, 2]), 3))).toEqual([Math.fround(1 / 3), Math.fround(2 / 3)]);
    expect(vals(add(tensor([[1], [2]]), tensor([0.1, 0.2])))).toEqual(
      [1 + Math.fround(0.1), 1 + Math.fround(0.2), 2 + Math.fround(0.1), 2 + Math.fround(0.2)].map(Math.fround),
    );
  });

  it('log of a negative is NaN and log(0) is −∞, as IEEE and NumPy (no error)', () => {
    expect(vals(log(tensor([-1, 0, 1])))).toEqual([NaN, -Infinity, 0]);
    expect(vals(log(f64([-1e-300, -0])))).toEqual([NaN, -Infinity]);
    expect(vals(sqrt(tensor([-4])))).toEqual([NaN]);
  });

  it('sigmoid and tanh are exact and finite at ±1000 in both dtypes', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      expect(vals(sigmoid(tensor([-1000, 1000], { dtype })))).toEqual([0, 1]);
      expect(vals(tanh(tensor([-1000, 1000], { dtype })))).toEqual([-1, 1]);
    }
    // σ(−40) = e⁻⁴⁰/(1 + e⁻⁴⁰): computed as e^x/(1+e^x), it keeps full relative accuracy, where 1 − σ(40) would be 0
    const s = sigmoid(f64([-40])).item();
    const expected = 4.248354255291589e-18;
    expect(Math.abs(s - expected) / expected).toBeLessThan(1e-14);
  });

  it('sigmoid’s gradient at ±1000 is 0, not NaN', () => {
    const x = f64([-1000, 0, 1000]).setRequiresGrad();
    sigmoid(x).sum().backward();
    expect(vals(x.grad!)).toEqual([0, 0.25, 0]);
  });

  it('rejects a non-tensor with a message naming the op', () => {
    expect(() => exp([1, 2] as unknown as Tensor)).toThrow(TapegradError);
    expect(() => exp([1, 2] as unknown as Tensor)).toThrow("exp: argument 'x': expected a Tensor, got an array of length 2 (wrap it with tensor())");
  });
});

describe('binary ops', () => {
  const a = f64([1, 2, 3, 4]), b = f64([2, 4, 0.5, -1]);

  it('known values', () => {
    expect(vals(add(a, b))).toEqual([3, 6, 3.5, 3]);
    expect(vals(sub(a, b))).toEqual([-1, -2, 2.5, 5]);
    expect(vals(mul(a, b))).toEqual([2, 8, 1.5, -4]);
    expect(vals(div(a, b))).toEqual([0.5, 0.5, 6, -4]);
    expect(vals(pow(a, b))).toEqual([1, 16, Math.sqrt(3), 0.25]);
    expect(vals(maximum(a, b))).toEqual([2, 4, 3, 4]);
    expect(vals(minimum(a, b))).toEqual([1, 2, 0.5, -1]);
  });

  it('a plain number works on either side, and order matters for sub, div and pow', () => {
    expect(vals(sub(10, a))).toEqual([9, 8, 7, 6]);
    expect(vals(sub(a, 10))).toEqual([-9, -8, -7, -6]);
    expect(vals(div(12, a))).toEqual([12, 6, 4, 3]);
    expect(vals(div(a, 4))).toEqual([0.25, 0.5, 0.75, 1]);
    expect(vals(pow(2, a))).toEqual([2, 4, 8, 16]);
    expect(vals(pow(a, 2))).toEqual([1, 4, 9, 16]);
    expect(vals(maximum(2.5, a))).toEqual([2.5, 2.5, 3, 4]);
    expect(vals(minimum(a, 2.5))).toEqual([1, 2, 2.5, 2.5]);
  });

  it('Tensor methods are the same ops', () => {
    expect(vals(a.add(1).mul(2).sub(b).div(2))).toEqual([1, 1, 3.75, 5.5]);
  });

  it('two numbers give a 0-d float32 tensor', () => {
    const y = add(1, 2);
    expect(y.shape).toEqual([]);
    expect(y.dtype).toBe('float32');
    expect(y.item()).toBe(3);
  });

  it('rejects an operand that is neither a tensor nor a number, naming it', () => {
    expect(() => add(a, '1' as unknown as number)).toThrow('add: argument \'b\': expected a Tensor or a number, got "1"');
    expect(() => mul(null as unknown as number, a)).toThrow("mul: argument 'a': expected a Tensor or a number, got null");
  });

  it('maximum and minimum propagate NaN from either side, as np.maximum', () => {
    const x = f64([NaN, 1]), y = f64([0, NaN]);
    expect(vals(maximum(x, y))).toEqual([NaN, NaN]);
    expect(vals(minimum(x, y))).toEqual([NaN, NaN]);
  });
});

describe('NumPy broadcasting', () => {
  it('[2, 3] with [3] (rank difference)', () => {
    const y = add(f64([[1, 2, 3], [4, 5, 6]]), f64([10, 20, 30]));
    expect(y.shape).toEqual([2, 3]);
    expect(y.toArray()).toEqual([[11, 22, 33], [14, 25, 36]]);
  });

  it('a column [2, 1] with a row [1, 3] makes [2, 3] (size-1 dims on both sides)', () => {
    const y = sub(f64([[1], [2]]), f64([[10, 20, 30]]));
    expect(y.toArray()).toEqual([[-9, -19, -29], [-8, -18, -28]]);
  });

  it('[3, 1, 2] ⊙ [4, 1] → [3, 4, 2]: out[i][j][k] = a[i][0][k] · b[j][0]', () => {
    const A = tensor([0, 1, 2, 3, 4, 5], { shape: [3, 1, 2], dtype: 'float64' });
    const B = f64([[1], [10], [100], [1000]]);
    const y = mul(A, B);
    expect(y.shape).toEqual([3, 4, 2]);
    expect(y.toArray()).toEqual([
      [[0, 1], [0, 10], [0, 100], [0, 1000]],
      [[2, 3], [20, 30], [200, 300], [2000, 3000]],
      [[4, 5], [40, 50], [400, 500], [4000, 5000]],
    ]);
  });

  it('a 0-d tensor broadcasts against anything', () => {
    expect(div(f64([[2, 4], [6, 8]]), tensor(2, { dtype: 'float64' })).toArray()).toEqual([[1, 2], [3, 4]]);
  });

  it('shapes that do not broadcast give a ShapeError naming the op and both shapes', () => {
    expect(() => add(tensor([[1, 2, 3], [4, 5, 6]]), tensor([1, 2]))).toThrow(ShapeError);
    expect(() => add(tensor([[1, 2, 3], [4, 5, 6]]), tensor([1, 2]))).toThrow(
      'add: shapes [2, 3] (a) and [2] (b) do not broadcast: dimension -1 is 3 vs 2',
    );
  });

  it('the gradient of a broadcast operand is summed back to its shape', () => {
    // y = Σ_{i,j,k} A[i,0,k]·B[j,0]:  dB[j] = Σ A = 15,  dA[i,0,k] = Σ B = 1111
    const A = tensor([0, 1, 2, 3, 4, 5], { shape: [3, 1, 2], dtype: 'float64', requiresGrad: true });
    const B = f64([[1], [10], [100], [1000]]).setRequiresGrad();
    mul(A, B).sum().backward();
    expect(B.grad!.toArray()).toEqual([[15], [15], [15], [15]]);
    expect(A.grad!.shape).toEqual([3, 1, 2]);
    expect(vals(A.grad!)).toEqual([1111, 1111, 1111, 1111, 1111, 1111]);
  });
});

describe('dtype promotion', () => {
  it('float32 with float64 gives float64, from the float32 value as stored', () => {
    const y = add(tensor([0.1]), f64([0.2]));
    expect(y.dtype).toBe('float64');
    expect(y.item()).toBe(Math.fround(0.1) + 0.2);
    expect(mul(f64([3]), tensor([0.1])).dtype).toBe('float64');
  });

  it('a plain number takes the tensor’s dtype on either side', () => {
    const y = add(tensor([1]), 0.1);
    expect(y.dtype).toBe('float32');
    expect(y.item()).toBe(Math.fround(1.1));
    const z = sub(0.1, f64([1]));
    expect(z.dtype).toBe('float64');
    expect(z.item()).toBe(0.1 - 1);
  });

  it('the gradient of a promoted float32 input is float32', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    mul(x, f64([3, 4])).sum().backward();
    expect(x.grad!.dtype).toBe('float32');
    expect(vals(x.grad!)).toEqual([3, 4]);
  });
});

describe('comparisons give 1 or 0 in the operands’ dtype', () => {
  const x = f64([1, 2, 3]);
  it('tensor against a number on the right', () => {
    expect(vals(eq(x, 2))).toEqual([0, 1, 0]);
    expect(vals(ne(x, 2))).toEqual([1, 0, 1]);
    expect(vals(lt(x, 2))).toEqual([1, 0, 0]);
    expect(vals(le(x, 2))).toEqual([1, 1, 0]);
    expect(vals(gt(x, 2))).toEqual([0, 0, 1]);
    expect(vals(ge(x, 2))).toEqual([0, 1, 1]);
    expect(eq(x, 2).dtype).toBe('float64');
  });

  it('a number on the left, including the equal element', () => {
    expect(vals(eq(2, x))).toEqual([0, 1, 0]);
    expect(vals(ne(2, x))).toEqual([1, 0, 1]);
    expect(vals(lt(2, x))).toEqual([0, 0, 1]);
    expect(vals(le(2, x))).toEqual([0, 1, 1]);
    expect(vals(gt(2, x))).toEqual([1, 0, 0]);
    expect(vals(ge(2, x))).toEqual([1, 1, 0]);
  });

  it('broadcast [3, 1] against [3] compares every pair', () => {
    expect(le(f64([[1], [2], [3]]), x).toArray()).toEqual([[1, 1, 1], [0, 1, 1], [0, 0, 1]]);
    expect(gt(f64([[1], [2], [3]]), x).toArray()).toEqual([[0, 0, 0], [1, 0, 0], [1, 1, 0]]);
  });

  it('NaN compares false under every comparison but ne', () => {
    const n = f64([NaN]);
    expect([eq, lt, le, gt, ge].map((f) => f(n, n).item())).toEqual([0, 0, 0, 0, 0]);
    expect(ne(n, n).item()).toBe(1);
  });

  it('no gradient flows through a comparison', () => {
    const y = f64([1, 2]).setRequiresGrad();
    mul(y, gt(y, 1.5)).sum().backward(); // d/dy (y·[y > 1.5]) = [y > 1.5]: the mask is a constant
    expect(vals(y.grad!)).toEqual([0, 1]);
  });
});

describe('where', () => {
  it('picks a where cond ≠ 0 and b elsewhere; cond may be nested arrays', () => {
    expect(vals(where(f64([1, 0, -2]), f64([1, 2, 3]), f64([10, 20, 30])))).toEqual([1, 20, 3]);
    expect(vals(f64([1, 2, 3]).where(f64([0, 1, 0]), -1))).toEqual([-1, 2, -1]);
    expect(vals(where([0, 1, 0], f64([1, 2, 3]), 0))).toEqual([0, 2, 0]);
  });

  it('broadcasts cond [2, 1], a [1, 3] and a number b together', () => {
    const y = where(f64([[1], [0]]), f64([[1, 2, 3]]), -1);
    expect(y.shape).toEqual([2, 3]);
    expect(y.toArray()).toEqual([[1, 2, 3], [-1, -1, -1]]);
  });

  it('two numbers take cond’s dtype; a NaN cond counts as true (it is ≠ 0)', () => {
    const y = where(f64([1, 0, NaN]), 5, 7);
    expect(y.dtype).toBe('float64');
    expect(vals(y)).toEqual([5, 7, 5]);
  });

  it('the gradient goes to a where cond holds and to b elsewhere, summed back over broadcasting', () => {
    const a = f64([1, 2, 3]).setRequiresGrad();
    const b = f64([0]).setRequiresGrad();
    where(f64([1, 0, 1]), a, b).sum().backward();
    expect(vals(a.grad!)).toEqual([1, 0, 1]);
    expect(vals(b.grad!)).toEqual([1]);
  });
});

describe('clamp', () => {
  const x = f64([-2, -1, 0, 1, 2]);
  it('with both bounds, and either one null or undefined', () => {
    expect(vals(clamp(x, -1, 1))).toEqual([-1, -1, 0, 1, 1]);
    expect(vals(clamp(x, null, 1))).toEqual([-2, -1, 0, 1, 1]);
    expect(vals(clamp(x, 0))).toEqual([0, 0, 0, 1, 2]);
    expect(vals(clamp(x, undefined, 0))).toEqual([-2, -1, 0, 0, 0]);
    expect(vals(clamp(x, null, null))).toEqual([-2, -1, 0, 1, 2]);
    expect(vals(x.clamp(-0.5, 0.5))).toEqual([-0.5, -0.5, 0, 0.5, 0.5]);
  });

  it('min > max gives max everywhere (as torch.clamp); NaN stays NaN; NaN bounds are an error', () => {
    expect(vals(clamp(x, 1, 0))).toEqual([0, 0, 0, 0, 0]);
    expect(vals(clamp(f64([NaN]), 0, 1))).toEqual([NaN]);
    expect(() => clamp(x, NaN, 1)).toThrow("clamp: argument 'min': a bound must not be NaN");
  });

  it('the gradient passes where min ≤ x ≤ max, bounds included (PyTorch)', () => {
    const y = f64([-2, -1, 0, 1, 2]).setRequiresGrad();
    clamp(y, -1, 1).sum().backward();
    expect(vals(y.grad!)).toEqual([0, 1, 1, 1, 0]);
  });
});

describe('astype and stopGradient', () => {
  it('astype converts, rounding to float32 when narrowing, and returns x itself for its own dtype', () => {
    const x = f64([0.1, 1e40]);
    const y = astype(x, 'float32');
    expect(y.dtype).toBe('float32');
    expect(vals(y)).toEqual([Math.fround(0.1), Infinity]);
    expect(vals(astype(tensor([0.1]), 'float64'))).toEqual([Math.fround(0.1)]);
    expect(astype(x, 'float64')).toBe(x);
    expect(x.astype('float32').dtype).toBe('float32');
    expect(() => astype(x, 'int32' as 'float32')).toThrow(DTypeError);
  });

  it('the gradient through astype comes back in the input’s dtype', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    astype(x, 'float64').mul(f64([0.5, 0.25])).sum().backward();
    expect(x.grad!.dtype).toBe('float32');
    expect(vals(x.grad!)).toEqual([0.5, 0.25]);
  });

  it('stopGradient keeps the value and blocks the gradient: d/dx [x · sg(x)] = sg(x) = x, not 2x', () => {
    const x = f64([3, -2]).setRequiresGrad();
    const s = stopGradient(x);
    expect(vals(s)).toEqual([3, -2]);
    expect(s.requiresGrad).toBe(false);
    mul(x, s).sum().backward();
    expect(vals(x.grad!)).toEqual([3, -2]);
  });
});

describe('pow edge cases (IEEE 754 pow, as NumPy and PyTorch)', () => {
  const p = (a: number[], b: number[]) => vals(pow(f64(a), f64(b)));
  it('zero and negative bases', () => {
    expect(p([0, 0, -0, 0], [0, -1, -1, 0.5])).toEqual([1, Infinity, -Infinity, 0]);
    expect(p([-2, -2, -2], [3, 2, -1])).toEqual([-8, 4, -0.5]);
    // a negative base with a non-integer exponent is NaN (documented)
    expect(p([-8], [1 / 3])).toEqual([NaN]);
  });

  it('x⁰ = 1 even for NaN, and 1ʸ = 1 even for y = NaN or ±∞; (−1)^±∞ = 1', () => {
    expect(p([NaN, Infinity], [0, 0])).toEqual([1, 1]);
    expect(p([1, 1, 1], [NaN, Infinity, -Infinity])).toEqual([1, 1, 1]);
    expect(p([-1, -1], [Infinity, -Infinity])).toEqual([1, 1]);
    expect(p([NaN, 2], [1, NaN])).toEqual([NaN, NaN]);
  });

  it('infinite exponents', () => {
    expect(p([2, 0.5, 2, 0.5], [Infinity, Infinity, -Infinity, -Infinity])).toEqual([Infinity, 0, 0, Infinity]);
  });

  it('gradients: d/da aᵇ = b·aᵇ⁻¹ (0 where b = 0), d/db aᵇ = aᵇ ln a (0 where a = 0, b ≥ 0)', () => {
    const a = f64([2, 0, 3]).setRequiresGrad();
    const b = f64([3, 2, 0]).setRequiresGrad();
    pow(a, b).sum().backward();
    expect(vals(a.grad!)).toEqual([12, 0, 0]);
    expectClose(b.grad!, [8 * Math.LN2, 0, Math.log(3)]);
  });
});

describe('gradients of elementwise ops, by hand', () => {
  it('d/dx Σ x⊙x = 2x', () => {
    const x = f64([1, -2, 0.5]).setRequiresGrad();
    mul(x, x).sum().backward();
    expect(vals(x.grad!)).toEqual([2, -4, 1]);
  });

  it('d/da Σ a/b = 1/b and d/db Σ a/b = −a/b²', () => {
    const a = f64([1, 6]).setRequiresGrad(), b = f64([2, -3]).setRequiresGrad();
    div(a, b).sum().backward();
    expect(vals(a.grad!)).toEqual([0.5, -1 / 3]);
    expect(vals(b.grad!)).toEqual([-0.25, -6 / 9]);
  });

  it('maximum sends the gradient to the larger input and half to each on a tie (PyTorch)', () => {
    const a = f64([1, 5, 2]).setRequiresGrad(), b = f64([3, 4, 2]).setRequiresGrad();
    maximum(a, b).sum().backward();
    expect(vals(a.grad!)).toEqual([0, 1, 0.5]);
    expect(vals(b.grad!)).toEqual([1, 0, 0.5]);
  });

  it('d relu = [x > 0] (0 at 0), d|x| = sign x (0 at 0), d tanh = 1 − tanh², d log = 1/x', () => {
    const x = f64([-1, 0, 2]).setRequiresGrad();
    relu(x).add(abs(x)).sum().backward();
    expect(vals(x.grad!)).toEqual([-1, 0, 2]);
    const t = f64([Math.log(3)]).setRequiresGrad();
    tanh(t).add(log(t)).sum().backward();
    expectClose(t.grad!, [1 - 0.64 + 1 / Math.log(3)]);
  });
});
