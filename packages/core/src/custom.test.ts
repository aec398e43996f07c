import { describe, expect, it } from 'vitest';
import {
  customOp, customVjp, grad, gradcheck, gradgradcheck, hessian, jacobian, jvp, tapeOf, tensor, vjp, zerosLike,
  DTypeError, ShapeError, Tensor, TapegradError, type NestedArray,
} from '@tapegrad/core';

const f64 = (data: NestedArray, requiresGrad = false): Tensor => tensor(data, { dtype: 'float64', requiresGrad });
const vals = (t: Tensor): NestedArray => t.toArray();
const sig = (v: number) => 1 / (1 + Math.exp(-v));

// softplus(x) = log(1 + eˣ) written stably; d softplus = σ(x) dx, with tapegrad ops so twice differentiable
const softplus = customOp({
  name: 'softplusCustom',
  forward: (x) => x.relu().add(x.abs().neg().exp().log1p()),
  vjp: (dy, { inputs: [x] }) => [dy.mul(x.sigmoid())],
});

// x³ on the raw arrays, forward and VJP; its jvp makes it usable by jvp (the VJP is off the tape)
const rawCube = (withJvp: boolean) =>
  customOp({
    name: 'rawCube',
    forward: (x) => new Tensor(x.data.map((v) => v * v * v), x.shape),
    vjp: (dy, { inputs: [x] }) => [new Tensor(x.data.map((v, i) => 3 * v * v * dy.data[i]), x.shape)],
    jvp: withJvp ? ([t], { inputs: [x] }) => new Tensor(x.data.map((v, i) => 3 * v * v * t.data[i]), x.shape) : undefined,
  });

describe('customOp', () => {
  const x = f64([-2, 0, 0.5, 30]);

  it('computes its forward and records one node under its name', () => {
    const xt = f64([-2, 0, 0.5, 30], true);
    const y = softplus(xt);
    expect(vals(y)).toEqual([-2, 0, 0.5, 30].map((v) => Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v)))));
    expect(tapeOf(y.sum()).map((e) => e.op).toArray()).toEqual(['softplusCustom', 'sum']);
    expect(softplus(x).requiresGrad).toBe(false); // untracked inputs: nothing recorded
  });

  it('gives its VJP to backward(), grad and vjp: d softplus = σ(x)', () => {
    const want = [-2, 0, 0.5, 30].map(sig);
    const xt = f64([-2, 0, 0.5, 30], true);
    softplus(xt).sum().backward();
    expect(vals(xt.grad!)).toEqual(want);
    expect(vals(grad((t: Tensor) => softplus(t).sum())(x))).toEqual(want);
    const [, back] = vjp((t: Tensor) => softplus(t), x);
    expect(vals(back(f64([1, 2, 3, 4]))[0])).toEqual(want.map((w, i) => w * (i + 1)));
  });

  it('is differentiable twice through a VJP written with ops: hessian, grad of grad, jvp', () => {
    const d2 = [-2, 0, 0.5, 30].map((v) => sig(v) * (1 - sig(v)));
    const H = hessian((t: Tensor) => softplus(t).sum())(x);
    expect((vals(H) as number[][]).map((row, i) => row[i])).toEqual(d2);
    expect(vals(grad((t: Tensor) => grad((u: Tensor) => softplus(u).sum())(t).sum())(x))).toEqual(d2);
    const [, dy] = jvp((t: Tensor) => softplus(t), [x], [f64([1, 1, 1, 1])]);
    expect(vals(dy)).toEqual([-2, 0, 0.5, 30].map(sig));
    expect(gradcheck((t: Tensor) => softplus(t), [f64([-1.5, 0.3, 2])]).ok).toBe(true);
    expect(gradgradcheck((t: Tensor) => softplus(t), [f64([-1.5, 0.3, 2])]).ok).toBe(true);
  });

  it('forward and VJP on the raw arrays: first order works; jvp uses the given jvp', () => {
    const cube = rawCube(true);
    const p = f64([1, -2, 0.5]);
    expect(vals(grad((t: Tensor) => cube(t).sum())(p))).toEqual([3, 12, 0.75]);
    expect(vals(jacobian((t: Tensor) => cube(t))(p))).toEqual([[3, 0, 0], [0, 12, 0], [0, 0, 0.75]]);
    const [y, dy] = jvp((t: Tensor) => cube(t), [p], [f64([1, 1, 2])]);
    expect(vals(y)).toEqual([1, -8, 0.125]);
    expect(vals(dy)).toEqual([3, 12, 1.5]);
    expect(gradcheck((t: Tensor) => cube(t), [f64([1.5, -0.7])]).ok).toBe(true);
  });

  it('a VJP off the tape never gives a silent zero second derivative: a typed error says why', () => {
    const p = f64([1, -2]);
    expect(() => hessian((t: Tensor) => rawCube(true)(t).sum())(p)).toThrow(/rawCube: argument 'vjp': its vjp computes off the tape.*second derivatives/);
    expect(() => jvp((t: Tensor) => rawCube(false)(t), [p], [p])).toThrow(/rawCube: argument 'jvp': .*give the op a jvp/);
  });

  it('checks what the VJP returns: count, shape and dtype, naming the op and the input', () => {
    const x2 = f64([1, 2]);
    const bad = (vjpOut: (dy: Tensor, x: Tensor) => (Tensor | null)[]) =>
      customOp({ name: 'badOp', forward: (t) => t.mul(2), vjp: (dy, { inputs: [t] }) => vjpOut(dy, t) });
    const run = (op: (t: Tensor) => Tensor) => () => grad((t: Tensor) => op(t).sum())(x2);
    expect(run(bad((dy) => [dy, dy]))).toThrow("badOp: argument 'vjp': the vjp must return an array of 1 cotangent(s), one per input (null for none), got 2");
    expect(run(bad(() => [f64([1, 2, 3])]))).toThrow(ShapeError);
    expect(run(bad(() => [f64([1, 2, 3])]))).toThrow("badOp: argument 'inputs[0]': the vjp's cotangent for input 0 has shape [3], but input 0 has shape [2]");
    expect(run(bad((dy) => [dy.astype('float32')]))).toThrow(DTypeError);
    expect(run(bad((dy) => [dy.astype('float32')]))).toThrow("the vjp's cotangent for input 0 is float32, but input 0 is float64");
    expect(vals(run(bad(() => [null]))() as Tensor)).toEqual([0, 0]); // null: no gradient flows
  });

  it('refuses a bad spec with typed errors', () => {
    const forward = (t: Tensor) => t, vjpFn = (dy: Tensor) => [dy];
    expect(() => customOp({ name: 'mul', forward, vjp: vjpFn })).toThrow("customOp: argument 'name': 'mul' is the name of a built-in op");
    expect(() => customOp({ name: '', forward, vjp: vjpFn })).toThrow(TapegradError);
    expect(() => customOp({ name: 'a', forward: 3 as unknown as typeof forward, vjp: vjpFn })).toThrow("a: argument 'forward': expected a function, got 3");
    const op = customOp({ name: 'same', forward, vjp: vjpFn });
    expect(() => op('x' as unknown as Tensor)).toThrow('same: argument \'inputs[0]\': expected a Tensor, got "x"');
    const xt = f64([1], true);
    const y = op(xt); // a forward returning its input still gets a node of its own
    expect(y).not.toBe(xt);
    expect(xt.isLeaf).toBe(true);
    y.sum().backward();
    expect(vals(xt.grad!)).toEqual([1]);
  });
});

describe('customVjp', () => {
  // round forward, identity backward
  const roundST = customVjp((x: Tensor) => x.round(), (x: Tensor) => [x.round(), null] as const, (_r, dy) => [dy]);

  it('a straight-through estimator: round forward, identity backward', () => {
    const x = f64([0.4, 1.6, -2.5]);
    expect(vals(roundST(x))).toEqual([0, 2, -2]);
    expect(vals(grad((t: Tensor) => roundST(t).mul(f64([1, 2, 3])).sum())(x))).toEqual([1, 2, 3]);
    expect(vals(grad((t: Tensor) => t.round().sum())(x))).toEqual([0, 0, 0]); // without it, no gradient
  });

  it('a stable gradient for an unstable formula: log(1 + eˣ) at x = 800', () => {
    const naive = (x: Tensor) => x.exp().add(1).log();
    const stable = customVjp(naive, (x: Tensor) => [x.softplus(), x] as const, (x, dy) => [dy.mul(x.sigmoid())]);
    const x = f64([800, 0]);
    expect((vals(grad((t: Tensor) => naive(t).sum())(x)) as number[])[0]).toBeNaN(); // e⁸⁰⁰ overflows: ∞/∞
    expect(vals(grad((t: Tensor) => stable(t).sum())(x))).toEqual([1, 0.5]);
    expect(gradgradcheck(stable, [f64([-1, 0.5, 2])]).ok).toBe(true); // residuals keep their graph
  });

  it('checks bwd like a custom op VJP', () => {
    const bad = customVjp((x: Tensor) => x.mul(2), (x: Tensor) => [x.mul(2), null] as const, (_r, dy) => [dy, dy], { name: 'twice' });
    expect(() => grad((t: Tensor) => bad(t).sum())(f64([1]))).toThrow("twice: argument 'vjp': the vjp must return an array of 1 cotangent(s)");
    expect(() => customVjp(null as unknown as (x: Tensor) => Tensor, (x: Tensor) => [x, null] as const, () => [])).toThrow("customVjp: argument 'f'");
  });

  it('is the plain function where nothing is tracked', () => {
    expect(roundST(f64([1.5])).requiresGrad).toBe(false);
    expect(zerosLike(roundST(f64([1.5]))).shape).toEqual([1]);
  });
});
