/**
 * svd, svdvals, vectorNorm and matrixNorm against PyTorch 1.13 (torch.linalg, float64, CPU) in value,
 * gradient and Hessian-vector product: svd.torch.json, made once by hand with the system python3
 * (PyTorch is not a test dependency) by this script. The signs of singular vectors are free, so the
 * svd loss reads them only through sign-invariant terms: squared entries and the rank-1 part u₁·v₁ᵀ.
 *
 *   import torch, json
 *   torch.set_default_dtype(torch.float64)
 *   LA = torch.linalg
 *   inf = float('inf')
 *   def pat(shape, a=3, m=7, off=3, d=4):      # reference.testkit.ts's `pattern`
 *       n = 1
 *       for s in shape: n *= s
 *       return torch.tensor([((i * a) % m - off) / d for i in range(n)]).reshape(shape)
 *   def run(f, x):
 *       x = torch.tensor(x, requires_grad=True)
 *       y = f(x)
 *       g, = torch.autograd.grad(y, x, create_graph=True)
 *       h, = torch.autograd.grad((g * pat(g.shape)).sum(), x)
 *       return {'value': y.item(), 'grad': g.flatten().tolist(), 'hvp': torch.zeros_like(x).add(h).flatten().tolist()}
 *   def svd_loss(a):
 *       U, S, Vh = LA.svd(a, full_matrices=False)
 *       return ((U * U * pat(U.shape)).sum() + (S * pat(S.shape, 5, 11, 5, 3)).sum() + (Vh * Vh * pat(Vh.shape, 2, 5, 2, 3)).sum()
 *               + ((U[..., :, :1] @ Vh[..., :1, :]) * pat(a.shape, 5, 7, 2, 5)).sum())
 *   svdvals_loss = lambda a: (LA.svdvals(a) * pat(LA.svdvals(a).shape, 5, 11, 5, 3)).sum()
 *   M = {  # as MATRICES below
 *     'square': [[2, -1, 0.5], [0.3, -1.5, 1], [1, 0.4, 3]],
 *     'tall': [[3, 1, 0.2], [4, 2, -1], [1, 5, 0.5], [0.3, -0.7, 2]],
 *     'wide': [[1, 2, -0.5, 0.3], [0.2, -1, 3, 1], [2, 0.1, 0.4, -2]],
 *     'batch': [[[1, 2, 3], [4, 5, 6.5]], [[0.5, -1, 2], [3, 0.2, -0.4]]],
 *   }
 *   out = {'svd': {}, 'svdvals': {}, 'S': {}, 'vectorNorm': {}, 'matrixNorm': {}}
 *   for name, a in M.items():
 *       out['svd'][name] = run(svd_loss, a)
 *       out['svdvals'][name] = run(svdvals_loss, a)
 *       out['S'][name] = LA.svdvals(torch.tensor(a)).flatten().tolist()
 *   x = [[0.5, -1.2, 2, 0.3], [-0.7, 0.1, 1.5, -2.2]]
 *   for ord in [2, 1, 3, 0.5, 1.5, -1, -2.5, inf, -inf]:
 *       for dim, keep in [(None, False), (1, False), ((0, 1), True), (0, True)]:
 *           key = f'{ord}|{dim}|{keep}'
 *           out['vectorNorm'][key] = run(lambda t: (LA.vector_norm(t, ord, dim, keep) * pat(LA.vector_norm(t, ord, dim, keep).shape)).sum(), x)
 *   A = [[[2, -1, 0.5], [0.3, -1.5, 1], [1, 0.4, 3]], [[1, 2, 3], [-4, 5, 6.5], [0.5, -1, 2]]]
 *   for ord in ['fro', 'nuc', 1, -1, 2, -2, inf, -inf]:
 *       for dim, keep in [((-2, -1), False), ((2, 0), True)]:
 *           key = f'{ord}|{list(dim)}|{keep}'
 *           out['matrixNorm'][key] = run(lambda t: (LA.matrix_norm(t, ord, dim, keep) * pat(LA.matrix_norm(t, ord, dim, keep).shape)).sum(), A)
 *   json.dump(out, open('svd.torch.json', 'w'))
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { grad, matmul, matrixNorm, svd, svdvals, tensor, vectorNorm, type MatrixNormOrder, type NestedArray, type Tensor } from '@tapegrad/core';
import { pattern } from '../reference.testkit.js';

interface Ref { value: number; grad: number[]; hvp: number[] }
const REF = JSON.parse(readFileSync(new URL('./svd.torch.json', import.meta.url), 'utf8')) as
  { svd: Record<string, Ref>; svdvals: Record<string, Ref>; S: Record<string, number[]>; vectorNorm: Record<string, Ref>; matrixNorm: Record<string, Ref> };

const MATRICES: Record<string, NestedArray> = {
  square: [[2, -1, 0.5], [0.3, -1.5, 1], [1, 0.4, 3]],
  tall: [[3, 1, 0.2], [4, 2, -1], [1, 5, 0.5], [0.3, -0.7, 2]],
  wide: [[1, 2, -0.5, 0.3], [0.2, -1, 3, 1], [2, 0.1, 0.4, -2]],
  batch: [[[1, 2, 3], [4, 5, 6.5]], [[0.5, -1, 2], [3, 0.2, -0.4]]],
};
const f64 = (v: NestedArray) => tensor(v, { dtype: 'float64' });
const pat = (t: Tensor, a = 3, m = 7, off = 3, d = 4) => pattern(t.shape, a, m, off, d);

function expectClose(got: ArrayLike<number>, want: readonly number[], tol: number): void {
  expect(got.length).toBe(want.length);
  Array.from(got).forEach((x, i) => expect(Math.abs(x - want[i]), `element ${i}: ${x} vs ${want[i]}`).toBeLessThanOrEqual(tol * (1 + Math.abs(want[i]))));
}

/** f's value, gradient and Hessian-vector product (with the pattern as the direction) against PyTorch's. */
function compare(ref: Ref, f: (x: Tensor) => Tensor, x: Tensor, tol = 1e-12): void {
  const g = (y: Tensor) => grad(f)(y);
  expectClose([f(x).item()], [ref.value], tol);
  expectClose(g(x).data, ref.grad, tol);
  expectClose(grad((y: Tensor) => g(y).mul(pat(y)).sum())(x).data, ref.hvp, 10 * tol);
}

const svdLoss = (a: Tensor): Tensor => {
  const { U, S, Vh } = svd(a);
  const u1 = U.slice(U.shape.map(() => 0), [...U.shape.slice(0, -1), 1]); // U[..., :, :1]
  const v1 = Vh.slice(Vh.shape.map(() => 0), [...Vh.shape.slice(0, -2), 1, Vh.shape[Vh.ndim - 1]]); // Vh[..., :1, :]
  return U.square().mul(pat(U)).sum().add(S.mul(pat(S, 5, 11, 5, 3)).sum()).add(Vh.square().mul(pat(Vh, 2, 5, 2, 3)).sum()).add(matmul(u1, v1).mul(pat(a, 5, 7, 2, 5)).sum());
};

/** A key of the script's: 'inf', 'None', '(0, 1)', '[-2, -1]', 'True' as tapegrad arguments. */
const parse = (s: string): unknown =>
  s === 'inf' ? Infinity : s === '-inf' ? -Infinity : s === 'None' ? undefined : s === 'True' ? true : s === 'False' ? false
    : /^[([]/.test(s) ? JSON.parse(`[${s.slice(1, -1)}]`) : Number.isNaN(Number(s)) ? s : Number(s);

describe('agrees with PyTorch 1.13 torch.linalg in float64', () => {
  for (const name of Object.keys(MATRICES)) {
    it(`svd, ${name}: singular values, and a sign-invariant loss's gradient and Hessian-vector product`, () => {
      expectClose(svd(f64(MATRICES[name])).S.data, REF.S[name], 1e-15);
      compare(REF.svd[name], svdLoss, f64(MATRICES[name]));
    });
    it(`svdvals, ${name}`, () => compare(REF.svdvals[name], (a) => { const S = svdvals(a); return S.mul(pat(S, 5, 11, 5, 3)).sum(); }, f64(MATRICES[name])));
  }

  it('vectorNorm, every order, over all dims, one dim and two kept', () => {
    const x = f64([[0.5, -1.2, 2, 0.3], [-0.7, 0.1, 1.5, -2.2]]);
    expect(Object.keys(REF.vectorNorm)).toHaveLength(36);
    for (const [key, ref] of Object.entries(REF.vectorNorm)) {
      const [ord, dim, keepdim] = key.split('|').map(parse) as [number, number | number[] | undefined, boolean];
      compare(ref, (t) => { const y = vectorNorm(t, { ord, dim, keepdim }); return y.mul(pat(y)).sum(); }, x);
    }
  });

  it('matrixNorm, every order, over the last two dims and over dims [2, 0] kept', () => {
    const A = f64([[[2, -1, 0.5], [0.3, -1.5, 1], [1, 0.4, 3]], [[1, 2, 3], [-4, 5, 6.5], [0.5, -1, 2]]]);
    expect(Object.keys(REF.matrixNorm)).toHaveLength(16);
    for (const [key, ref] of Object.entries(REF.matrixNorm)) {
      const [ord, dim, keepdim] = key.split('|').map(parse) as [MatrixNormOrder, [number, number], boolean];
      compare(ref, (t) => { const y = matrixNorm(t, { ord, dim, keepdim }); return y.mul(pat(y)).sum(); }, A);
    }
  });
});
