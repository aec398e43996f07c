/**
 * gradcheck never passes what it could not compare (issue 8, item 1): a NaN or ±Inf numerical or
 * analytical Jacobian element fails the check, in full and fast mode and in gradgradcheck, and the
 * report names the element and why. Also: what each figure of the report measures, and its text form.
 */
import { describe, expect, it } from 'vitest';
import { gradcheck, gradgradcheck, GradcheckError, stopGradient, tensor, Tensor, type GradcheckReport } from '@tapegrad/core';
import { errorOf } from './errors.testkit.js';

const f64 = (data: number[]) => tensor(data, { dtype: 'float64' });


/** A report that could not compare its only element [0, 0]: not ok, and it says so. */
function expectNotCompared(r: GradcheckReport, reason: RegExp): void {
  expect(r.ok).toBe(false);
  expect(r.nonFinite).toBe(1);
  expect(r.elements).toBe(1);
  expect(r.worst).toMatchObject({ output: 0, input: 0, index: [0, 0] });
  expect(r.worst!.ratio).toBeNaN();
  expect(r.worst!.reason).toMatch(/^cannot compare: /);
  expect(r.worst!.reason).toMatch(reason);
  expect(String(r)).toMatch(/^ok {11}false {3}\(1 of 1 elements could not be compared \(NaN or ±Inf\)/);
}

describe('gradcheck with NaN or ±Inf Jacobian elements', () => {
  it('fails sqrt at 0 (numerical NaN: f(−eps) is NaN; analytical +Inf) and throws with { throw: true }', () => {
    const sqrt = (x: Tensor) => x.sqrt();
    expectNotCompared(gradcheck(sqrt, [f64([0])]), /f\(x − eps\) = NaN.*the analytical derivative is Infinity/);
    const e = errorOf(() => gradcheck(sqrt, [f64([0])], { throw: true }));
    expect(e).toBeInstanceOf(GradcheckError);
    expect(e.message).toMatch(/not checked for output 0 with respect to input 0, element \[0, 0\]: numerical NaN vs analytical Infinity/);
    expect(((e as GradcheckError).report as GradcheckReport).nonFinite).toBe(1);
  });

  it('fails a wrong gradient whose numerical value is NaN at this eps, and finds the error at a smaller eps', () => {
    // f(x) = 1e14·x·stopGradient(x) + log x at x = 1e-7: x − 1e-6 < 0, so log gives NaN there. The
    // tape's derivative is 1e14·x + 1/x = 2e7; the true one is 2e14·x + 1/x = 3e7.
    const f = (x: Tensor) => x.mul(stopGradient(x)).mul(1e14).add(x.log());
    const r = gradcheck(f, [f64([1e-7])]);
    expectNotCompared(r, /f\(x − eps\) = NaN at eps 1e-6/);
    expect(r.worst!.numerical).toBeNaN();
    expect(r.worst!.analytical).toBeCloseTo(2e7, 0);
    const fine = gradcheck(f, [f64([1e-7])], { eps: 1e-10 });
    expect(fine.ok).toBe(false);
    expect(fine.nonFinite).toBe(0);
    expect(fine.failed).toBe(1);
    expect(fine.worst!.analytical).toBeCloseTo(2e7, 0);
    expect(fine.worst!.numerical / 3e7).toBeCloseTo(1, 4);
    expect(fine.worst!.reason).toMatch(/exceeds atol \+ rtol·\|numerical\|/);
  });

  it('fails where f overflows at x ± eps, or where the difference itself overflows', () => {
    // 1e9·(1 ± 1e300) = ±Infinity
    expectNotCompared(gradcheck((x: Tensor) => x.mul(1e9), [f64([1])], { eps: 1e300 }), /f\(x \+ eps\) = Infinity and f\(x − eps\) = -Infinity/);
    // 1e8·(±1e300) = ±1e308 are finite, their difference 2e308 is not
    expectNotCompared(gradcheck((x: Tensor) => x.mul(1e8), [f64([0])], { eps: 1e300 }), /central difference .* overflows at eps 1e\+300/);
    // exp(709.7827) ≈ 1.798e308 is the last finite value: exp(x + 1e-3) overflows, the tape's exp(x) does not
    const r = gradcheck((x: Tensor) => x.exp(), [f64([709.7827])], { eps: 1e-3 });
    expectNotCompared(r, /f\(x \+ eps\) = Infinity/);
    expect(Number.isFinite(r.worst!.analytical)).toBe(true);
  });

  it('fails when both values are the same infinity, or both NaN (PyTorch passes the first, not the second)', () => {
    // exp at 709.79: exp(x + 0.02) = Inf, exp(x − 0.02) finite, so the difference is +Inf; exp(x) = +Inf too
    const inf = gradcheck((x: Tensor) => x.exp(), [f64([709.79])], { eps: 0.02 });
    expect([inf.worst!.numerical, inf.worst!.analytical]).toEqual([Infinity, Infinity]);
    expectNotCompared(inf, /the analytical derivative is Infinity/);
    // sqrt at −1: NaN everywhere, numerically and on the tape
    const nan = gradcheck((x: Tensor) => x.sqrt(), [f64([-1])]);
    expect(nan.worst!.numerical).toBeNaN();
    expect(nan.worst!.analytical).toBeNaN();
    expectNotCompared(nan, /the analytical derivative is NaN/);
  });

  it('counts every non-finite element and names the first, beside the finite ones', () => {
    // log at [2, 1e-7, 3, 1e-8]: elements 1 and 3 are within eps = 1e-6 of 0, so log(x − eps) is NaN
    const r = gradcheck((x: Tensor) => x.log(), [f64([2, 1e-7, 3, 1e-8])]);
    expect(r.ok).toBe(false);
    expect(r.elements).toBe(16);
    expect(r.nonFinite).toBe(2);
    expect(r.failed).toBe(0);
    expect(r.worst).toMatchObject({ index: [1, 1] });
    expect(r.maxAbsError).toBeLessThan(1e-8); // over the 14 compared elements
  });

  it('fast mode falls back to the full check, which names the element, and throws', () => {
    const r = gradcheck((x: Tensor) => x.log(), [f64([4, 1e-7])], { fast: true });
    expect(r.mode).toBe('full');
    expect(r.ok).toBe(false);
    expect(r.worst).toMatchObject({ index: [1, 1] });
    expect(() => gradcheck((x: Tensor) => x.sqrt(), [f64([0])], { fast: true, throw: true })).toThrow(GradcheckError);
  });

  it('gradgradcheck fails and throws on non-finite second derivatives', () => {
    // sqrt at 0: d/dx (v/(2√x)) = −v/(4 x^1.5) is −Inf, and the vjp is NaN at −eps
    const r = gradgradcheck((x: Tensor) => x.sqrt(), [f64([0])]);
    expect(r.ok).toBe(false);
    expect(r.nonFinite).toBe(2); // with respect to x and to the cotangent v
    expect(r.worst!.reason).toMatch(/the analytical derivative is -Infinity/);
    expect(() => gradgradcheck((x: Tensor) => x.sqrt(), [f64([0])], { throw: true })).toThrow(/second-order Jacobian element not checked/);
  });
});

describe('what the report figures measure', () => {
  it('worstRatio decides ok; maxRelError can be large on a passing check', () => {
    // f(x) = 1e-6·x·stopGradient(x) at x = 1: numerical 2e-6, analytical 1e-6. The relative error is
    // 0.5, but the allowed error is atol + rtol·2e-6 ≈ 1e-5, so the ratio is 1e-6 / 1.0002e-5 ≈ 0.1.
    const r = gradcheck((x: Tensor) => x.mul(stopGradient(x)).mul(1e-6), [f64([1])]);
    expect(r.ok).toBe(true);
    expect(r.maxRelError).toBeCloseTo(0.5, 6);
    expect(r.worstRatio).toBeCloseTo(1e-6 / (1e-5 + 1e-3 * 2e-6), 6);
    expect([r.elements, r.nonFinite, r.failed]).toEqual([1, 0, 0]);
    const text = String(r);
    expect(text).toMatch(/^ok {11}true {3}\(all 1 elements within \|analytical − numerical\| ≤ atol \+ rtol·\|numerical\| = 1e-5 \+ 1e-3·\|numerical\|; full Jacobians, eps 1e-6\)$/m);
    expect(text).toMatch(/^worstRatio {3}1\.00e-1 {3}\(largest \|analytical − numerical\| \/ \(atol \+ rtol·\|numerical\|\) over the compared elements; ok needs ≤ 1\)$/m);
    expect(text).toMatch(/^maxAbsError {2}1\.00e-6$/m);
    expect(text).toMatch(/^maxRelError {2}5\.00e-1 {3}\(largest \|analytical − numerical\| \/ \|numerical\|; informative only/m);
    expect(text).toMatch(/^worst {8}output 0, input 0, element \[0, 0\]: analytical 0\.000001, numerical 0\.000002, ratio 1\.00e-1$/m);
  });

  it('counts the elements that break the tolerance, and names the worst with its ratio', () => {
    // x·stopGradient(x) at [1.5, −0.5, 3]: every element is off by |x| out of 2|x|; the worst is x = 3
    const r = gradcheck((x: Tensor) => x.mul(stopGradient(x)).sum(), [f64([1.5, -0.5, 3])]);
    expect([r.ok, r.elements, r.nonFinite, r.failed]).toEqual([false, 3, 0, 3]);
    expect(r.worstRatio).toBeCloseTo(3 / (1e-5 + 1e-3 * 6), 4);
    expect(r.worst!.ratio).toBe(r.worstRatio);
    expect(r.format((w) => `∂f/∂x[${w.index[1]}]`)).toMatch(
      /^worst {8}∂f\/∂x\[2\]: analytical 3, numerical 6(\.0+\d)? — \|analytical − numerical\| = 3\.00e\+0 exceeds atol \+ rtol·\|numerical\| = 6\.01e-3$/m,
    );
    expect(String(r)).toMatch(/^ok {11}false {3}\(3 of 3 elements break /m);
  });
});
