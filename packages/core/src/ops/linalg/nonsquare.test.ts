/**
 * `lu` and `qr` of tall and wide matrices against PyTorch 1.13 (torch.linalg, float64): factors, the
 * gradient of a fixed weighting of the factors, and the second-order product ∂(g · V)/∂A.
 *
 * nonsquare.torch.json was computed once by hand with the system python3 and this script:
 *
 *   import json, torch
 *   torch.set_default_dtype(torch.float64)
 *   def pat(shape, a, m, off, d):
 *       n = 1
 *       for s in shape: n *= s
 *       return torch.tensor([((i * a) % m - off) / d for i in range(n)]).reshape(shape)
 *   def loss(outs):
 *       return sum((o * pat(list(o.shape), 3, 5, 2, 2)).sum() for o in outs)
 *   out = {}
 *   def run(name, f, A, factors):
 *       x = torch.tensor(A, requires_grad=True)
 *       y = loss(f(x))
 *       g, = torch.autograd.grad(y, x, create_graph=True)
 *       h, = torch.autograd.grad((g * pat(list(x.shape), 7, 11, 5, 4)).sum(), x)
 *       out[name] = {'A': A, 'value': y.item(), 'grad': g.tolist(), 'hvp': h.tolist(),
 *                    'factors': [t.tolist() for t in factors(torch.tensor(A))]}
 *   lu = lambda a: torch.linalg.lu(a)[1:]
 *   luAll = lambda a: torch.linalg.lu(a)
 *   tall = [[0.5, -1, 2], [3, 0.2, -0.4], [-1, 2.5, 1], [0.7, 0.3, -2]]
 *   wide = [[1, 2, -1, 0.5, 3], [-2, 0.3, 1, 1.5, -1], [0.4, -3, 0.2, 2, 1]]
 *   run('luTall', lu, tall, luAll)
 *   run('luWide', lu, wide, luAll)
 *   run('luTallBatch', lu, [[[1, 2], [3, -1], [0.5, 4]], [[-2, 1], [0.3, 0.6], [1, -3]]], luAll)
 *   qr = lambda a: torch.linalg.qr(a)
 *   run('qrWide', qr, wide, qr)
 *   run('qrWide2x4', qr, [[2, -1, 0.5, 3], [1, 3, -2, 0.4]], qr)
 *   run('qrTallComplete', qr, tall, lambda a: torch.linalg.qr(a, mode='complete'))
 *   json.dump(out, open('nonsquare.torch.json', 'w'))
 *
 * (qrTallComplete's gradient is that of the reduced factors: PyTorch refuses one in mode 'complete'.)
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { grad, lu, qr, tensor, type NestedArray, type Tensor } from '@tapegrad/core';
import { pattern } from '../reference.testkit.js';

interface Ref { A: NestedArray; value: number; grad: NestedArray; hvp: NestedArray; factors: NestedArray[] }
const REF: Record<string, Ref> = JSON.parse(readFileSync(new URL('./nonsquare.torch.json', import.meta.url), 'utf8'));

const flat = (v: NestedArray): number[] => (typeof v === 'number' ? [v] : v.flatMap(flat));
function expectClose(t: Tensor | number, expected: NestedArray, tol: number): void {
  const got = typeof t === 'number' ? [t] : Array.from(t.data), want = flat(expected);
  expect(got.length).toBe(want.length);
  got.forEach((x, i) => expect(Math.abs(x - want[i]), `element ${i}: ${x} vs ${want[i]}`).toBeLessThanOrEqual(tol * (1 + Math.abs(want[i]))));
}

/** Σ over the outputs of out ⊙ pattern(out.shape, 3, 5, 2, 2): the script's `loss`. */
const weigh = (outs: Tensor[]): Tensor => outs.map((o) => o.mul(pattern(o.shape, 3, 5, 2, 2)).sum()).reduce((a, b) => a.add(b));

function compare(name: string, factors: (A: Tensor) => Tensor[], differentiated: (A: Tensor) => Tensor[]): void {
  const ref = REF[name];
  const A = tensor(ref.A, { dtype: 'float64' });
  factors(A).forEach((F, i) => expectClose(F, ref.factors[i], 1e-14));
  const loss = (a: Tensor) => weigh(differentiated(a));
  expectClose(loss(A).item(), ref.value, 1e-13);
  const g = (a: Tensor) => grad(loss)(a);
  expectClose(g(A), ref.grad, 1e-13);
  const hvp = grad((a: Tensor) => g(a).mul(pattern(a.shape, 7, 11, 5, 4)).sum())(A);
  expectClose(hvp, ref.hvp, 1e-12);
}

const luFactors = (A: Tensor) => { const { P, L, U } = lu(A); return [P, L, U]; };
const luLU = (A: Tensor) => { const { L, U } = lu(A); return [L, U]; };
const qrQR = (A: Tensor) => { const { Q, R } = qr(A); return [Q, R]; };

describe('lu and qr of tall and wide matrices agree with PyTorch 1.13 in float64', () => {
  it('lu of a tall 4×3 matrix (P 4×4, L 4×3, U 3×3)', () => compare('luTall', luFactors, luLU));
  it('lu of a wide 3×5 matrix (P 3×3, L 3×3, U 3×5)', () => compare('luWide', luFactors, luLU));
  it('lu of a batch of tall 3×2 matrices', () => compare('luTallBatch', luFactors, luLU));
  it('qr of a wide 3×5 matrix (Q 3×3, R 3×5)', () => compare('qrWide', qrQR, qrQR));
  it('qr of a wide 2×4 matrix', () => compare('qrWide2x4', qrQR, qrQR));
  it("qr of a tall 4×3 matrix in mode 'complete' (Q 4×4, R 4×3)", () =>
    compare('qrTallComplete', (A) => { const { Q, R } = qr(A, 'complete'); return [Q, R]; }, qrQR));
});
