import { describe, expect, it } from 'vitest';
import {
  add, exp, Generator, gradcheck, gradgradcheck, GradcheckError, mul, sigmoid, sub, sum, tanh, tensor,
  TapegradError, Tensor, stopGradient,
} from '@tapegrad/core';

const f64 = (data: number[] | number[][]) => tensor(data, { dtype: 'float64' });

/**
 * f(x) = Σ x ⊙ stopGradient(x): its value is Σ x², so the numerical gradient is 2x, but the tape only
 * sees the first factor and reports x. At x = [1.5, −0.5, 3] the worst element is the largest |x|:
 * output 0, input 0, element [0, 2], numerical 6, analytical 3.
 */
const halfGradient = (x: Tensor) => sum(mul(x, stopGradient(x)));
const X = () => f64([1.5, -0.5, 3]);

describe('gradcheck on correct functions', () => {
  const smooth = (x: Tensor) => sum(mul(sigmoid(x), tanh(x)));
  const x = f64([[0.3, -1.2, 2], [0.7, -0.1, 1.1]]);

  it('passes with central-difference-sized errors, comparing whole Jacobians', () => {
    const r = gradcheck(smooth, [x]);
    expect(r.ok).toBe(true);
    expect(r.mode).toBe('full');
    // eps = 1e-6 in float64: truncation ~eps², rounding ~1e-16/eps, both far below 1e-8
    expect(r.maxAbsError).toBeLessThan(1e-8);
    expect(r.worst).not.toBeNull();
  });

  it('passes in fast mode (vᵀJu) and says so', () => {
    const r = gradcheck(smooth, [x], { fast: true });
    expect(r.ok).toBe(true);
    expect(r.mode).toBe('fast');
    expect(r.maxAbsError).toBeLessThan(1e-8);
  });

  it('accepts a single tensor in place of the array of inputs', () => {
    expect(gradcheck(smooth, x).ok).toBe(true);
  });
});

describe('gradcheck on a wrong gradient', () => {
  it('fails, and names the worst Jacobian element with both values', () => {
    const r = gradcheck(halfGradient, [X()]);
    expect(r.ok).toBe(false);
    expect(r.mode).toBe('full');
    expect(r.worst).toMatchObject({ output: 0, input: 0, index: [0, 2] });
    expect(r.worst!.numerical).toBeCloseTo(6, 8);
    expect(r.worst!.analytical).toBe(3);
    // every element is off by |x| out of |2x|
    expect(r.maxAbsError).toBeCloseTo(3, 8);
    expect(r.maxRelError).toBeCloseTo(0.5, 8);
  });

  it('throws a GradcheckError naming output, input, element and both values with { throw: true }', () => {
    let caught: unknown;
    try {
      gradcheck(halfGradient, [X()], { throw: true });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(GradcheckError);
    expect(caught).toBeInstanceOf(TapegradError);
    const msg = (caught as Error).message;
    expect(msg).toMatch(/output 0/);
    expect(msg).toMatch(/input 0/);
    expect(msg).toMatch(/element \[0, 2\]/);
    expect(msg).toMatch(/analytical 3\b/);
    expect(Number(/numerical (\S+)/.exec(msg)![1])).toBeCloseTo(6, 8);
    expect(((caught as GradcheckError).report as { ok: boolean }).ok).toBe(false);
  });

  it('falls back from fast mode to the full check, which fails', () => {
    const r = gradcheck(halfGradient, [X()], { fast: true });
    expect(r.ok).toBe(false);
    expect(r.mode).toBe('full');
    expect(r.worst).toMatchObject({ output: 0, input: 0, index: [0, 2], analytical: 3 });
    expect(() => gradcheck(halfGradient, [X()], { fast: true, throw: true })).toThrow(GradcheckError);
  });
});

describe('gradcheck inputs and outputs', () => {
  it('checks float32 inputs in float64 copies', () => {
    // f(x) = Σ x³ at x = 1.3: in float32, x ± 1e-6 rounds to a grid of spacing 1.2e-7, so a float32
    // central difference is off by several percent; gradcheck must not evaluate f in float32.
    const cube = (x: Tensor) => sum(mul(mul(x, x), x));
    const at = (v: number) => cube(tensor([v], { dtype: 'float32' })).item();
    const coarse = (at(1.3 + 1e-6) - at(1.3 - 1e-6)) / 2e-6;
    const exact = 3 * 1.3 * 1.3;
    expect(Math.abs(coarse - exact) / exact).toBeGreaterThan(1e-2);

    const seen: string[] = [];
    const x32 = tensor([1.3, -0.4, 2.2], { dtype: 'float32' });
    const before = Array.from(x32.data);
    const r = gradcheck((x: Tensor) => (seen.push(x.dtype), cube(x)), [x32]);
    expect(r.ok).toBe(true);
    expect(r.maxAbsError).toBeLessThan(1e-6);
    expect(new Set(seen)).toEqual(new Set(['float64']));
    expect(x32.dtype).toBe('float32');
    expect(Array.from(x32.data)).toEqual(before);
  });

  it('indexes outputs and differentiated inputs, passing non-tensor arguments through', () => {
    // out0 = Σ a² (correct); out1 = b ⊙ stopGradient(b) + k·Σa: d out1/db is 2b numerically, b on the
    // tape, worst at b's largest |b| = 4, flat element 2 of [[0.5, 1], [−4, 2]].
    const label = { name: 'passed through' };
    const received: unknown[] = [];
    const f = (k: number, a: Tensor, l: typeof label, b: Tensor) => {
      received.push(k, l);
      return [sum(mul(a, a)), add(mul(b, stopGradient(b)), mul(sum(a), k))];
    };
    const r = gradcheck(f, [1.5, f64([0.3, -0.7]), label, f64([[0.5, 1], [-4, 2]])]);
    expect(received.length).toBeGreaterThan(0);
    for (let i = 0; i < received.length; i += 2) {
      expect(received[i]).toBe(1.5);
      expect(received[i + 1]).toBe(label);
    }
    expect(r.ok).toBe(false);
    // input 1 is b: the second differentiated tensor, whatever its position among the arguments
    expect(r.worst).toMatchObject({ output: 1, input: 1, index: [2, 2], analytical: -4 });
    expect(r.worst!.numerical).toBeCloseTo(-8, 8);
  });

  it('passes with several correct inputs and outputs', () => {
    const f = (a: Tensor, b: Tensor) => [mul(a, exp(b)), sum(sub(a, b))];
    const r = gradcheck(f, [f64([[0.5, -1], [2, 0.25]]), f64([0.1, -0.3])]);
    expect(r.ok).toBe(true);
    expect(r.maxAbsError).toBeLessThan(1e-8);
  });

  it('differentiates only the tensors marked requiresGrad when some are', () => {
    // halfGradient's error lies in c, which is not marked: only a is checked, and a is right
    const a = tensor([0.2, 0.9], { dtype: 'float64', requiresGrad: true });
    const c = f64([1.5, 3]);
    const f = (a: Tensor, c: Tensor) => add(sum(tanh(a)), halfGradient(c));
    expect(gradcheck(f, [a, c]).ok).toBe(true);
    expect(gradcheck(f, [a.detach(), c]).ok).toBe(false);
  });

  it.each([NaN, Infinity, -Infinity, 0, -1e-6])('rejects eps = %s, naming eps', (eps) => {
    for (const check of [gradcheck, gradgradcheck]) {
      let caught: unknown;
      try {
        check(halfGradient, [X()], { eps });
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(TapegradError);
      expect((caught as TapegradError).arg).toBe('eps');
      expect((caught as Error).message).toMatch(/eps/);
    }
  });
});

describe('gradgradcheck', () => {
  it('passes on smooth functions of one and several inputs', () => {
    const x = f64([[0.3, -1.2], [2, 0.7]]);
    const r1 = gradgradcheck((x: Tensor) => sum(mul(tanh(x), mul(x, x))), [x]);
    expect(r1.ok).toBe(true);
    expect(r1.maxAbsError).toBeLessThan(1e-7);
    const r2 = gradgradcheck((a: Tensor, b: Tensor) => [mul(a, exp(b)), sum(sigmoid(a))], [x, f64([0.4, -0.2])]);
    expect(r2.ok).toBe(true);
  });

  /**
   * f(x) = Σ (2x − stopGradient(x)) ⊙ stopGradient(x). Its value is Σ x², and the tape's gradient is
   * 2·stopGradient(x) = 2x: right in value, so first-order gradcheck passes. But that gradient is a
   * constant to the tape, so differentiating it again gives 0 where the true second derivative is 2.
   * gradgradcheck checks (x, v) ↦ vᵀ∂f = 2x·v: ∂/∂x is 2v numerically and 0 on the tape.
   */
  const flatSecond = (x: Tensor) => sum(mul(sub(mul(x, 2), stopGradient(x)), stopGradient(x)));

  it('fails where the first derivative is right but not differentiable correctly', () => {
    const x = f64([0.8]);
    expect(gradcheck(flatSecond, [x]).ok).toBe(true);
    const r = gradgradcheck(flatSecond, [x], { seed: 7 });
    expect(r.ok).toBe(false);
    // the cotangent v is the first normal draw of the seeded generator
    const v = new Generator(7).normal();
    expect(r.worst).toMatchObject({ output: 0, input: 0, index: [0, 0], analytical: 0 });
    expect(r.worst!.numerical).toBeCloseTo(2 * v, 6);
    expect(() => gradgradcheck(flatSecond, [x], { throw: true })).toThrow(/second-order .*output 0 .*input 0/);
  });
});
