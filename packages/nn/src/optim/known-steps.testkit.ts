import { OrderedMap } from 'immutable';
import { expect } from 'vitest';
import { tensor } from '@tapegrad/core';
import type { Optim, OptimizerState, TensorMap } from '@tapegrad/nn';

/** Test helpers shared by the optimizer tests (not part of the package). */

export const f64 = (xs: number[]) => tensor(xs, { dtype: 'float64' });

/** Runs updates with the given gradient sequence on one parameter 'w'; returns θ after each. */
export function run(opt: Optim<any>, theta0: number[], grads: number[][]): number[][] {
  let params: TensorMap = OrderedMap({ w: f64(theta0) });
  let state = opt.init(params);
  return grads.map((g) => {
    [params, state] = opt.update(OrderedMap({ w: f64(g) }), state, params);
    return Array.from(params.get('w')!.data);
  });
}

export const close = (got: number[][], want: number[][]) => {
  expect(got.length).toBe(want.length);
  got.forEach((row, i) => row.forEach((v, j) => expect(Math.abs(v - want[i][j])).toBeLessThan(1e-12)));
};

/** A gradient that depends on θ, the element and the step, so every buffer of an optimizer is exercised. */
export const gradOf = (theta: number, i: number, t: number) => 0.5 * (i + 1) * theta - 0.3 * t + 0.1 * i;

/**
 * `steps` updates of two parameters (a: 1 element, b: 3) with gradients `gradOf`, each element compared to
 * 1e-12 with `ref(key, θ, g, t)`, a scalar reference of the optimizer keeping its own per-key buffers.
 * Returns the optimizer's final state.
 */
export function checkAgainstReference(opt: Optim<any>, ref: (key: string, theta: number, g: number, t: number) => number, steps: number): OptimizerState {
  let params: TensorMap = OrderedMap({ a: f64([0.5]), b: f64([1, -2, 3]) });
  const expected = new Map([['a', [0.5]], ['b', [1, -2, 3]]]);
  let state = opt.init(params);
  for (let t = 1; t <= steps; t++) {
    const grads = params.map((p) => f64(Array.from(p.data, (v, i) => gradOf(v, i, t))));
    [params, state] = opt.update(grads, state, params);
    for (const [key, theta] of expected) {
      const next = theta.map((v, i) => ref(`${key}${i}`, v, gradOf(v, i, t), t));
      expected.set(key, next);
      next.forEach((v, i) => expect(Math.abs(params.get(key)!.data[i] - v)).toBeLessThan(1e-12));
    }
  }
  return state;
}
