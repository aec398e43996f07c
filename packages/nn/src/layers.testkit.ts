/**
 * Test helpers for the layers of conv.ts, pool.ts, norm.ts, …: a layer against PyTorch's values (the
 * `*.torch.json` beside a test, made by the script in its header), a gradcheck of forward with respect
 * to the input and every parameter, and a save/load round trip through safetensors bytes.
 */
import { expect } from 'vitest';
import { OrderedMap } from 'immutable';
import { gradcheck, mul, sum, type Tensor } from '@tapegrad/core';
import { functionalCall, loadBytes, loadStateDict, saveBytes, type AnyModule, type Module } from '@tapegrad/nn';
import { expectClose, pattern, type Ref } from '../../core/src/ops/reference.testkit.js';

export { expectClose, loadRefs, pattern, type Ref } from '../../core/src/ops/reference.testkit.js';

/** The input the scripts use: pat(shape, 7, 11, 5, 4), float64, requiring grad. */
export const X = (shape: number[]): Tensor => pattern(shape, 7, 11, 5, 4, 'float64', true);

/** The scripts' parameters: the first pat(shape, 5, 7, 3, 3), the others pat(shape, 3, 5, 2, 4). */
export function setPatternParameters(layer: Module): void {
  layer.setParameters(layer.parameters().toArray().map(([name, p], i): [string, Tensor] =>
    [name, i === 0 ? pattern(p.shape, 5, 7, 3, 3) : pattern(p.shape, 3, 5, 2, 4)]));
}

/**
 * y = layer(x) and the gradients of Σ y ⊙ pattern(y.shape, 3, 5, 2, 2) with respect to x and each
 * parameter (in `parameters()` order, PyTorch's too) against the reference.
 */
export function checkLayerAgainst(ref: Ref, layer: Module, x: Tensor, tol = 1e-10): void {
  setPatternParameters(layer);
  const y = layer.forward(x);
  expect(y.shape).toEqual(ref.shape);
  expectClose(y, ref.y, tol);
  sum(mul(y, pattern(ref.shape, 3, 5, 2, 2))).backward();
  expectClose(x.grad, ref.grads[0], tol);
  const params = layer.parameters().valueSeq().toArray();
  expect(params.length).toBe(ref.grads.length - 1);
  params.forEach((p, i) => expectClose(p.grad, ref.grads[i + 1], tol));
}

/** The scripts' parameters of a multi-input layer: even positions pat(5, 7, 3, 3), odd ones pat(3, 5, 2, 4). */
export function setAlternatingParameters(layer: AnyModule): void {
  layer.setParameters(layer.parameters().toArray().map(([n, p], i): [string, Tensor] => [n, i % 2 === 0 ? pattern(p.shape, 5, 7, 3, 3) : pattern(p.shape, 3, 5, 2, 4)]));
}

/**
 * y = run() and the gradients of Σ y ⊙ pattern(y.shape, 3, 5, 2, 2) with respect to `inputs` and each
 * parameter (in `parameters()` order) against the reference: checkLayerAgainst for several inputs.
 */
export function checkRunAgainst(ref: Ref, layer: AnyModule, inputs: Tensor[], run: () => Tensor): void {
  const y = run();
  expect(y.shape).toEqual(ref.shape);
  expectClose(y, ref.y);
  sum(mul(y, pattern(ref.shape, 3, 5, 2, 2))).backward();
  const grads = [...inputs, ...layer.parameters().valueSeq()].map((t) => t.grad);
  expect(grads.length).toBe(ref.grads.length);
  grads.forEach((g, i) => expectClose(g, ref.grads[i]));
}

/** gradcheck (float64, central differences) of forward with respect to the input and every parameter. */
export function gradcheckLayer(layer: Module, x: Tensor): void {
  const names = layer.parameters().keySeq().toArray();
  const f = (input: Tensor, ...ps: Tensor[]) => functionalCall(layer, OrderedMap(names.map((n, i) => [n, ps[i]] as [string, Tensor])), input);
  const report = gradcheck(f, [x.detach().setRequiresGrad(true), ...layer.parameters().valueSeq().map((p) => p.detach().setRequiresGrad(true))], { throw: true });
  expect(report.ok).toBe(true);
}

/**
 * Saves `layer` as safetensors bytes, loads them into `fresh` (made with other random weights), and
 * checks the names, the values and the output on `x` agree.
 */
export function expectRoundTrip(layer: Module, fresh: Module, x: Tensor): void {
  const bytes = saveBytes(layer);
  const before = fresh.forward(x).toArray();
  loadStateDict(fresh, loadBytes(bytes));
  expect(fresh.parameters().keySeq().toArray()).toEqual(layer.parameters().keySeq().toArray());
  for (const [name, p] of layer.parameters()) expect(Array.from(fresh.parameters().get(name)!.data)).toEqual(Array.from(p.data));
  const after = fresh.forward(x).toArray();
  expect(after).toEqual(layer.forward(x).toArray());
  expect(after).not.toEqual(before);
}
