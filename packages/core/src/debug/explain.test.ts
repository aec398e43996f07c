import { OrderedMap } from 'immutable';
import { describe, expect, it } from 'vitest';
import {
  ShapeError, TapegradError, explain, explainPaths, matmul, mul, noGrad, sigmoid, sub, sum, tapeOf, tensor, type Tensor,
} from '@tapegrad/core';
import { fmtNorm } from './explain.js';
import { notesNet, type NotesNet } from './notes-net.testkit.js';

const norm = (t: Tensor): number => Math.hypot(...t.data);
const f64 = (data: number[], requiresGrad = true) => tensor(data, { dtype: 'float64', requiresGrad });

/** docs/tape.md's products by hand, factor by factor, no tape: dA[2], dZ[2], dA[1], dZ[1], dW[1], db[1]. */
function byHand({ X, W2, Z1, Z2 }: NotesNet) {
  return noGrad(() => {
    const dA2 = tensor([[1, 1, 1]], { dtype: 'float64' });
    const s2 = sigmoid(Z2.detach());
    const dZ2 = mul(dA2, mul(s2, sub(1, s2)));
    const dA1 = matmul(W2.detach().T, dZ2);
    const s1 = sigmoid(Z1.detach());
    const dZ1 = mul(dA1, mul(s1, sub(1, s1)));
    return { dA2, dZ2, dA1, dZ1, dW1: matmul(dZ1, X.T), db1: sum(dZ1, 1, true) };
  });
}

/** The table rows of `text` for one factor, cell by cell. */
const rows = (text: string, factor: string): string[][] =>
  text.split('\n').filter((l) => l.startsWith(`  ${factor} `)).map((l) => l.trim().split(/ {2,}/));

const closeTo = (a: number, b: number) => expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-14 * Math.abs(b));

describe('explainPaths', () => {
  it("gives the notes' chain for ∂L/∂W[1], with each factor's shapes, VJP and the gradient norms by hand", () => {
    const net = notesNet();
    const hand = byHand(net);
    const [path, ...more] = explainPaths(net.L, net.W1);
    expect(more).toEqual([]);
    expect(path.map((f) => [`∂${f.from}/∂${f.to}`, f.op, f.fromShape, f.shape, f.formula])).toEqual([
      ['∂L/∂A[2]', 'sum', [], [1, 3], 'dx = broadcast(dy)'],
      ['∂A[2]/∂Z[2]', 'sigmoid', [1, 3], [1, 3], 'dZ = dA ⊙ σ(Z)(1 − σ(Z))'],
      ['∂Z[2]/∂A[1]', 'add∘matmul', [1, 3], [3, 3], 'dA_prev = Wᵀ·dZ'],
      ['∂A[1]/∂Z[1]', 'sigmoid', [3, 3], [3, 3], 'dZ = dA ⊙ σ(Z)(1 − σ(Z))'],
      ['∂Z[1]/∂W[1]', 'add∘matmul', [3, 3], [3, 2], 'dW = dZ·A_prevᵀ'],
    ]);
    const expected = [hand.dA2, hand.dZ2, hand.dA1, hand.dZ1, hand.dW1].map(norm);
    path.forEach((f, i) => closeTo(f.gradNorm, expected[i]));
    expect(net.W1.grad).toBeNull(); // its own sweep: .grad untouched
  });

  it('ends the chain for a bias in the broadcast add, Σ over the columns', () => {
    const net = notesNet();
    const path = explainPaths(net.L, net.b1)[0];
    expect(path.at(-1)).toMatchObject({ from: 'Z[1]', to: 'b[1]', op: 'add', fromShape: [3, 3], shape: [3, 1], formula: 'db = Σ_columns dZ' });
    closeTo(path.at(-1)!.gradNorm, norm(byHand(net).db1));
  });

  it('explains an intermediate tensor as well as a parameter', () => {
    const net = notesNet();
    const path = explainPaths(net.L, net.A1)[0];
    expect(path.map((f) => `∂${f.from}/∂${f.to}`)).toEqual(['∂L/∂A[2]', '∂A[2]/∂Z[2]', '∂Z[2]/∂A[1]']);
    closeTo(path[2].gradNorm, norm(byHand(net).dA1));
  });

  it("names parameters from model.parameters()'s dotted names", () => {
    const net = notesNet(false);
    const params = OrderedMap<string, Tensor>([['layers.0.W', net.W1], ['layers.1.W', net.W2]]);
    expect(explainPaths(net.L, net.W2, { params })[0].map((f) => f.to)).toEqual(['A[2]', 'Z[2]', 'layers.1.W']);
    expect(explain(net.L, net.W1, { params }).split('\n')[0]).toBe('∂L/∂layers.0.W = ∂L/∂A[2] · ∂A[2]/∂Z[2] · ∂Z[2]/∂A[1] · ∂A[1]/∂Z[1] · ∂Z[1]/∂layers.0.W');
  });

  it('lists every path through a fan-out; the last factor of each has the summed gradient', () => {
    const x = f64([0.5, -1]).named('x');
    const L = x.mul(x).named('u').add(x.exp().named('v')).sum().named('L');
    const paths = explainPaths(L, x);
    expect(paths.map((p) => p.map((f) => `∂${f.from}/∂${f.to} ${f.formula}`))).toEqual([
      ['∂L/∂u dx = broadcast(dy)', '∂u/∂x da = dy ⊙ b'],
      ['∂L/∂u dx = broadcast(dy)', '∂u/∂x db = dy ⊙ a'],
      ['∂L/∂v dx = broadcast(dy)', '∂v/∂x dx = dy ⊙ exp(x)'],
    ]);
    // ∂L/∂x = 2x + eˣ
    const total = Math.hypot(2 * 0.5 + Math.exp(0.5), 2 * -1 + Math.exp(-1));
    for (const p of paths) closeTo(p.at(-1)!.gradNorm, total);
  });

  it('makes every op a factor when nothing on the path is named, folding reshape, astype and identity', () => {
    const x = f64([1, 2]);
    const L = x.tanh().reshape([2, 1]).astype('float32').exp().sum();
    const [tanh, , , exp, s] = tapeOf(L).toArray();
    const path = explainPaths(L, x)[0];
    expect(path.map((f) => [f.from, f.to, f.op])).toEqual([
      [`sum#${s.id}`, `exp#${exp.id}`, 'sum'],
      [`exp#${exp.id}`, `tanh#${tanh.id}`, 'exp∘astype∘reshape'],
      [`tanh#${tanh.id}`, 'param', 'tanh'],
    ]);
    expect(path[1].formula).toBe('dx = dy ⊙ exp(x)');
    expect(path[1].fromShape).toEqual([2, 1]);
    expect(path[1].shape).toEqual([2]);
  });

  it('shows a vanishing gradient: each sigmoid factor shrinks the norm by at least 4', () => {
    const x = f64([0.3, -0.2, 0.1]).named('h0');
    let h = x;
    for (let l = 1; l <= 6; l++) h = h.sigmoid().named(`h${l}`);
    const norms = explainPaths(h.sum().named('L'), x)[0].map((f) => f.gradNorm);
    for (let i = 1; i < norms.length; i++) expect(norms[i]).toBeLessThanOrEqual(norms[i - 1] / 4);
    expect(norms[0]).toBeCloseTo(Math.sqrt(3), 14);
  });

  it('gives a zero norm and says why through an op no gradient flows through', () => {
    const x = f64([-1, 2]).named('x');
    const [path] = explainPaths(x.gt(0).named('mask').sum().named('L'), x);
    expect(path).toMatchObject([
      { from: 'L', to: 'mask', op: 'sum', gradNorm: Math.SQRT2 },
      { from: 'mask', to: 'x', op: 'gt', formula: 'none flows: piecewise constant', gradNorm: 0 },
    ]);
    // beside a path that carries one, the gradient at x is the relu path's alone: [0, 1]
    const [viaMask, viaRelu] = explainPaths(x.gt(0).named('mask').mul(x.relu().named('r')).sum().named('L'), x);
    expect(viaMask.map((f) => [f.to, f.gradNorm])).toEqual([['mask', 2], ['x', 1]]);
    expect(viaRelu.at(-1)).toMatchObject({ from: 'r', to: 'x', formula: 'dZ = dA ⊙ [Z > 0]', gradNorm: 1 });
  });

  it('the TSDoc examples', () => {
    const x = tensor([1, 2], { dtype: 'float64', requiresGrad: true }).named('x');
    const L = x.sigmoid().named('s').sum().named('L');
    expect(explainPaths(L, x)[0].map((f) => `∂${f.from}/∂${f.to}`)).toEqual(['∂L/∂s', '∂s/∂x']);
    expect(explain(x.sigmoid().named('s').sum().named('L'), x).split('\n')[0]).toBe('∂L/∂x = ∂L/∂s · ∂s/∂x');
  });

  it('refuses a non-scalar loss, a parameter the loss does not depend on, and a loss without a tape', () => {
    const x = f64([1, 2]);
    const y = f64([3]);
    expect(() => explainPaths(x.exp(), x)).toThrow(ShapeError);
    expect(() => explainPaths(x.exp(), x)).toThrow("explainPaths: argument 'loss': the loss has shape [2], not a scalar");
    expect(() => explain(x.sum().named('L'), y.named('y'))).toThrow("explain: argument 'param': L does not depend on y through recorded ops");
    expect(() => explain(tensor(1), x)).toThrow(TapegradError);
    expect(() => explain(x.sum(), x, { maxPaths: 0 })).toThrow("explain: argument 'maxPaths': expected a positive integer, got 0");
  });
});

describe('explain', () => {
  it("prints the notes' chain with a row per factor", () => {
    const net = notesNet();
    const hand = byHand(net);
    const lines = explain(net.L, net.W1).split('\n');
    expect(lines[0]).toBe('∂L/∂W[1] = ∂L/∂A[2] · ∂A[2]/∂Z[2] · ∂Z[2]/∂A[1] · ∂A[1]/∂Z[1] · ∂Z[1]/∂W[1]');
    expect(lines.slice(1).map((l) => l.trim().split(/ {2,}/))).toEqual([
      ['factor', 'op', 'shape', 'VJP the sweep applies', '‖∂L/∂to‖'],
      ['∂L/∂A[2]', 'sum', '[] → [1, 3]', 'dx = broadcast(dy)', fmtNorm(norm(hand.dA2))],
      ['∂A[2]/∂Z[2]', 'sigmoid', '[1, 3] → [1, 3]', 'dZ = dA ⊙ σ(Z)(1 − σ(Z))', fmtNorm(norm(hand.dZ2))],
      ['∂Z[2]/∂A[1]', 'add∘matmul', '[1, 3] → [3, 3]', 'dA_prev = Wᵀ·dZ', fmtNorm(norm(hand.dA1))],
      ['∂A[1]/∂Z[1]', 'sigmoid', '[3, 3] → [3, 3]', 'dZ = dA ⊙ σ(Z)(1 − σ(Z))', fmtNorm(norm(hand.dZ1))],
      ['∂Z[1]/∂W[1]', 'add∘matmul', '[3, 3] → [3, 2]', 'dW = dZ·A_prevᵀ', fmtNorm(norm(hand.dW1))],
    ]);
    // the columns line up: every row puts its formula at the same place
    const at = lines.slice(1).map((l) => l.indexOf(l.trim().split(/ {2,}/)[3]));
    expect(new Set(at).size).toBe(1);
  });

  it('spells out a fan-out as a sum and says how many paths it left off', () => {
    const x = f64([0.5]).named('x');
    let h = x;
    for (let l = 1; l <= 5; l++) h = h.add(h).named(`h${l}`); // 2⁵ = 32 paths, ∂h5/∂x = 32
    const text = explain(h.sum().named('L'), x, { maxPaths: 3 });
    const lines = text.split('\n');
    expect(lines[0]).toBe('∂L/∂x = Σ over 32 paths (the sweep adds their contributions where the paths meet)');
    // the listed paths differ only in which operand of each add they take: one product, listed once
    expect(lines.filter((l) => l.startsWith('path'))).toEqual(['paths 1–3: ∂L/∂h5 · ∂h5/∂h4 · ∂h4/∂h3 · ∂h3/∂h2 · ∂h2/∂h1 · ∂h1/∂x']);
    expect(rows(text, '∂h1/∂x')).toEqual([['∂h1/∂x', 'add', '[1] → [1]', 'da = dy', '32'], ['∂h1/∂x', 'add', '[1] → [1]', 'db = dy', '32']]);
    expect(rows(text, '∂h5/∂h4')).toEqual([['∂h5/∂h4', 'add', '[1] → [1]', 'da = dy', '2']]);
    expect(lines.at(-2)).toBe('… and 29 more paths (raise maxPaths to list them)');
    expect(lines.at(-1)).toBe('‖∂L/∂x‖ = 32 (all paths summed)');
  });

  it('lists each distinct folded product once, under the numbers of the paths it folds', () => {
    // Z = W·x + W·y with both products unnamed: two paths, each ∂L/∂Z · ∂Z/∂W once folded
    const W = f64([0.5, 1]).reshape([1, 2]).named('W');
    const col = (a: number, b: number) => tensor([[a], [b]], { dtype: 'float64' });
    const twice = explain(W.matmul(col(1, 2)).add(W.matmul(col(3, 4))).named('Z').sum().named('L'), W);
    expect(twice.split('\n').filter((l) => l.startsWith('path'))).toEqual(['paths 1–2: ∂L/∂Z · ∂Z/∂W']);
    // one row per way a factor is taken: both paths take ∂Z/∂W as add∘matmul, so one row
    expect(rows(twice, '∂Z/∂W')).toEqual([['∂Z/∂W', 'add∘matmul', '[1, 1] → [1, 2]', 'dW = dZ·A_prevᵀ', fmtNorm(Math.hypot(4, 6))]]);
    // x·x is two paths through u, one a row of its own per operand; paths 1 and 3 fold alike around path 2
    const x = f64([0.5, -1]).named('x');
    const squares = explain(x.mul(x).named('u').add(x.exp().named('v')).sum().named('L'), x);
    expect(squares.split('\n').filter((l) => l.startsWith('path'))).toEqual(['paths 1–2: ∂L/∂u · ∂u/∂x', 'path 3: ∂L/∂v · ∂v/∂x']);
    expect(rows(squares, '∂u/∂x').map((r) => r[3])).toEqual(['da = dy ⊙ b', 'db = dy ⊙ a']);
    const A = x.exp().named('A');
    const apart = explain(A.add(x).mul(A).named('P').sum().named('L'), x);
    expect(apart.split('\n').filter((l) => l.startsWith('path'))).toEqual(['paths 1, 3: ∂L/∂P · ∂P/∂A · ∂A/∂x', 'path 2: ∂L/∂P · ∂P/∂x']);
    expect(rows(apart, '∂P/∂A').map((r) => r[1])).toEqual(['mul∘add', 'mul']);
  });

  it('formats norms to 4 significant digits, in exponent form when tiny or huge', () => {
    expect([0, 1.7320508, 0.000123456, 123456789, NaN].map(fmtNorm)).toEqual(['0', '1.732', '1.235e-4', '1.235e+8', 'NaN']);
  });
});
