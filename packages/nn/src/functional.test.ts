import { describe, it, expect } from 'vitest';
import { OrderedMap } from 'immutable';
import { Generator, Tensor, TapegradError, ShapeError, grad, ones, randn, tensor, zeros } from '@tapegrad/core';
import { Dense, FunctionModule, Lambda, Module, Sequential, functionalCall, mse } from '@tapegrad/nn';

const f64 = { dtype: 'float64' } as const;

describe('Lambda', () => {
  it('the TSDoc example: a parameter-free function as a module', () => {
    const double = new Lambda((x) => x.mul(2), 'double');
    expect(double.forward(tensor([[1, 2]])).toArray()).toEqual([[2, 4]]);
    expect(String(double)).toBe('Lambda(double)  (0 parameters)');
    expect(double.numParameters()).toBe(0);
    function halve(x: Tensor) {
      return x.div(2);
    }
    expect(new Lambda(halve).describe()).toBe('Lambda(halve)');
    expect(() => new Lambda(42 as unknown as (x: Tensor) => Tensor)).toThrow(TapegradError);
  });
});

describe('FunctionModule', () => {
  it('the TSDoc example: fn(params, x) and its parameters, which become the module’s own', () => {
    const affine = new FunctionModule(
      (p, x) => p.W.matmul(x).add(p.b),
      { W: randn([3, 2], f64), b: zeros([3, 1], f64) },
      'affine',
    );
    expect(affine.parameters().keySeq().toArray()).toEqual(['W', 'b']);
    expect(affine.forward(ones([2, 5], f64)).shape).toEqual([3, 5]);
    expect(affine.parameters().every((p) => p.isLeaf && p.requiresGrad)).toBe(true);
    expect(String(affine)).toBe('FunctionModule(affine)  W [3, 2]  b [3, 1]  (9 parameters, float64)');
    // setParameters reaches the function through the record it is passed
    affine.setParameters([['W', tensor([[1, 0], [0, 1], [1, 1]], f64)], ['b', tensor([[1], [2], [3]], f64)]]);
    expect(affine.forward(tensor([[10], [20]], f64)).toArray()).toEqual([[11], [22], [33]]);
  });

  it('rejects names that would shadow the module, and non-tensors', () => {
    const fn = (_p: Record<string, Tensor>, x: Tensor) => x;
    for (const name of ['training', 'forward', 'parameters', 'a.b', '']) {
      expect(() => new FunctionModule(fn, { [name]: ones([1]) }), name).toThrow(/FunctionModule: argument 'params': parameter name/);
    }
    expect(() => new FunctionModule(fn, { W: [[1]] as unknown as Tensor })).toThrow(/parameter 'W' must be a Tensor, got an array of length 1/);
  });
});

describe('functionalCall', () => {
  const model = () => new Sequential(new Dense(3, 4, { activation: 'tanh', dtype: 'float64', generator: new Generator(1) }), new Dense(4, 2, { dtype: 'float64', generator: new Generator(2) }));
  const x = randn([3, 5], { ...f64, generator: new Generator(3) });
  const y = randn([2, 5], { ...f64, generator: new Generator(4) });

  it('makes a module a pure function of its parameters: grad over parameters() equals backward’s grads', () => {
    const net = model();
    const params = net.parameters();
    const grads = grad((p: OrderedMap<string, Tensor>) => mse(functionalCall(net, p, x), y))(params) as OrderedMap<string, Tensor>;
    expect(OrderedMap.isOrderedMap(grads)).toBe(true);
    expect(grads.keySeq().toArray()).toEqual(params.keySeq().toArray());
    // the model is unchanged, and a plain backward gives the very same numbers
    net.parameters().forEach((p, k) => expect(p).toBe(params.get(k)));
    expect(net.parameters().every((p) => p.grad === null)).toBe(true);
    mse(net.forward(x), y).backward();
    net.parameters().forEach((p, k) => expect(Array.from(grads.get(k)!.data), k).toEqual(Array.from(p.grad!.data)));
  });

  it('takes a record or pairs, substitutes only what is given, and checks names and shapes', () => {
    const net = model();
    const zeroHead = { 'layers.1.W': zeros([2, 4], f64), 'layers.1.b': ones([2, 1], f64) };
    const out = functionalCall(net, zeroHead, x); // σ(0·h + 1) for every entry
    expect(Array.from(out.data).every((v) => v === 1 / (1 + Math.exp(-1)))).toBe(true);
    expect(functionalCall(net, [], x).toArray()).toEqual(net.forward(x).toArray());
    expect(() => functionalCall(net, { 'layers.1.W': zeros([4, 2], f64) }, x)).toThrow(ShapeError);
    expect(() => functionalCall(net, { 'layers.1.W': zeros([4, 2], f64) }, x)).toThrow(/withParameters: argument 'layers\.1\.W': parameter 'layers\.1\.W' has shape \[2, 4\] in the model but the given tensor has shape \[4, 2\]/);
    expect(() => functionalCall(net, { nope: zeros([1], f64) }, x)).toThrow(/unknown parameter 'nope'/);
    expect(() => functionalCall({} as Module, {}, x)).toThrow(/functionalCall: argument 'model': expected a Module/);
  });
});

describe('the two ways to define a custom module agree', () => {
  // A two-layer network in the notes' layout: A2 = σ(W2·tanh(W1·x + b1) + b2)
  const W1 = randn([4, 3], { ...f64, generator: new Generator(5) }), b1 = randn([4, 1], { ...f64, generator: new Generator(6) });
  const W2 = randn([1, 4], { ...f64, generator: new Generator(7) }), b2 = randn([1, 1], { ...f64, generator: new Generator(8) });

  class TwoLayer extends Module {
    W1 = W1.detach().setRequiresGrad(true);
    b1 = b1.detach().setRequiresGrad(true);
    W2 = W2.detach().setRequiresGrad(true);
    b2 = b2.detach().setRequiresGrad(true);
    forward(x: Tensor): Tensor {
      return this.W2.matmul(this.W1.matmul(x).add(this.b1).tanh()).add(this.b2).sigmoid();
    }
  }
  const composed = () => new FunctionModule(
    (p, x) => p.W2.matmul(p.W1.matmul(x).add(p.b1).tanh()).add(p.b2).sigmoid(),
    { W1, b1, W2, b2 },
  );

  it('subclassing Module and composing functions give the same parameters, outputs and gradients', () => {
    const a = new TwoLayer(), b = composed();
    expect(a.parameters().keySeq().toArray()).toEqual(b.parameters().keySeq().toArray());
    const x = randn([3, 6], { ...f64, generator: new Generator(9) });
    const ya = a.forward(x), yb = b.forward(x);
    expect(Array.from(ya.data)).toEqual(Array.from(yb.data));
    ya.sum().backward();
    yb.sum().backward();
    a.parameters().forEach((p, k) => expect(Array.from(p.grad!.data), k).toEqual(Array.from(b.parameters().get(k)!.grad!.data)));
  });
});
