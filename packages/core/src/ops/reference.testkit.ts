/**
 * Test helpers for comparing ops with reference values computed by hand in PyTorch (float64) and stored
 * as JSON beside the test (`x.torch.json`, with the script that made it in the test's header). Inputs
 * come from `pattern`, which the scripts reproduce exactly as `pat`.
 */
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { mul, sum, tensor, type DType, type Tensor } from '@tapegrad/core';

/** One reference case: PyTorch's output and the gradients of Σ y ⊙ pattern(y.shape, 3, 5, 2, 2) for each input. */
export interface Ref { shape: number[]; y: number[]; grads: number[][] }

export const loadRefs = (url: URL): Record<string, Ref> => JSON.parse(readFileSync(url, 'utf8'));

/** ((i·a) mod m − off) / d for i = 0, 1, …: exact, reproducible values (the scripts' `pat`). */
export function pattern(shape: readonly number[], a: number, m: number, off: number, d: number, dtype: DType = 'float64', requiresGrad = false): Tensor {
  const n = shape.reduce((p, s) => p * s, 1);
  return tensor(Float64Array.from({ length: n }, (_, i) => (((i * a) % m) - off) / d), { shape: [...shape], dtype, requiresGrad });
}

export function expectClose(t: Tensor | null, expected: readonly number[], tol = 1e-10): void {
  expect(t).not.toBeNull();
  expect(t!.size).toBe(expected.length);
  let worst = 0;
  expected.forEach((e, i) => (worst = Math.max(worst, Math.abs(t!.data[i] - e))));
  expect(worst).toBeLessThan(tol);
}

/** y = f(...inputs), then Σ y ⊙ r backward: y and every input's gradient against the reference. */
export function checkAgainst(ref: Ref, f: (...xs: Tensor[]) => Tensor, inputs: Tensor[]): void {
  const y = f(...inputs);
  expect(y.shape).toEqual(ref.shape);
  expectClose(y, ref.y);
  sum(mul(y, pattern(ref.shape, 3, 5, 2, 2))).backward();
  inputs.forEach((x, i) => expectClose(x.grad, ref.grads[i]));
}
