import { describe, it, expect } from 'vitest';
import { OrderedMap } from 'immutable';
import { Generator, Tensor, ShapeError, TapegradError, gradcheck, noGrad, randn, tensor, tapeOf } from '@tapegrad/core';
import { Activation, Dense, Lambda, Sequential, binaryCrossEntropy, functionalCall, init, type ActivationFn, type ActivationName } from '@tapegrad/nn';

const f64 = { dtype: 'float64' } as const;

/** gradcheck of a module's forward with respect to its input and every parameter, in float64. */
function checkModule(module: Dense, x: Tensor): void {
  const names = module.parameters().keySeq().toArray();
  const f = (input: Tensor, ...ps: Tensor[]) => functionalCall(module, OrderedMap(names.map((n, i) => [n, ps[i]] as [string, Tensor])), input);
  const report = gradcheck(f, [x, ...module.parameters().valueSeq().map((p) => p.detach())], { throw: true });
  expect(report.ok).toBe(true);
  expect(report.worst).not.toBeNull();
}

describe('Dense', () => {
  it('computes A = σ(W·A_prev + b) in the notes’ layout (a value by hand)', () => {
    const layer = new Dense(2, 1);
    layer.setParameters([['W', tensor([[1, 2]])], ['b', tensor([[0.5]])]]);
    const A = layer.forward(tensor([[1, -1], [1, 0]])); // two examples as columns: Z = [3.5, −0.5]
    expect(A.shape).toEqual([1, 2]);
    expect(A.dtype).toBe('float32');
    expect(A.data[0]).toBeCloseTo(1 / (1 + Math.exp(-3.5)), 6);
    expect(A.data[1]).toBeCloseTo(1 / (1 + Math.exp(0.5)), 6);
  });

  const activations: (ActivationName | ActivationFn)[] = ['sigmoid', 'tanh', 'relu', 'softmax', 'linear', (Z: Tensor) => Z.mul(Z)];
  for (const activation of activations) {
    for (const bias of [true, false]) {
      const label = typeof activation === 'string' ? activation : 'a custom function';
      it(`passes gradcheck with respect to input, W${bias ? ' and b' : ''}: ${label}${bias ? '' : ', no bias'}`, () => {
        const g = new Generator(7);
        const layer = new Dense(3, 4, { activation, bias, dtype: 'float64', generator: g });
        if (bias) layer.setParameters([['b', randn([4, 1], { ...f64, generator: g })]], { strict: false });
        expect(layer.parameters().keySeq().toArray()).toEqual(bias ? ['W', 'b'] : ['W']);
        checkModule(layer, randn([3, 5], { ...f64, generator: g }));
      });
    }
  }

  it('records matmul → add → activation, or matmul → activation without bias; linear returns Z', () => {
    const x = randn([3, 2]);
    const ops = (layer: Dense) => tapeOf(layer.forward(x)).map((e) => e.op).toArray();
    expect(ops(new Dense(3, 2, { activation: 'tanh' }))).toEqual(['matmul', 'add', 'tanh']);
    expect(ops(new Dense(3, 2, { activation: 'relu', bias: false }))).toEqual(['matmul', 'relu']);
    const linear = new Dense(3, 2, { activation: 'linear' });
    linear.layerIndex = 3;
    const out = linear.forward(x);
    expect(tapeOf(out).map((e) => e.op).toArray()).toEqual(['matmul', 'add']);
    expect(out.name).toBe('Z[3]');
    expect(new Dense(3, 2).forward(x).name).toBe('A'); // outside a Sequential there is no l
  });

  it('initializes W [nOut, nIn] by the named initializer (glorot by default, he for relu) and b with zeros', () => {
    const W = (options: object) => Array.from(new Dense(3, 4, { generator: new Generator(5), ...options }).W.data);
    expect(W({})).toEqual(Array.from(init.glorotUniform([4, 3], { generator: new Generator(5) }).data));
    expect(W({ activation: 'relu' })).toEqual(Array.from(init.heNormal([4, 3], { generator: new Generator(5) }).data));
    expect(W({ init: 'normal', dtype: 'float64' })).toEqual(Array.from(init.normal([4, 3], { dtype: 'float64', generator: new Generator(5) }).data));
    const custom = new Dense(3, 4, { init: (shape, o) => init.uniform(shape, { ...o, low: 1, high: 2 }), biasInit: 'uniform' });
    expect(custom.W.data.every((v) => v >= 1 && v < 2)).toBe(true);
    expect(custom.b!.data.some((v) => v !== 0)).toBe(true);
    const layer = new Dense(3, 4, { dtype: 'float64' });
    expect(layer.W.shape).toEqual([4, 3]);
    expect(layer.b!.shape).toEqual([4, 1]);
    expect(layer.W.dtype).toBe('float64');
    expect(Array.from(layer.b!.data)).toEqual([0, 0, 0, 0]);
    expect(layer.W.requiresGrad && layer.W.isLeaf).toBe(true);
  });

  it('rejects a bad input shape (naming both), bad sizes, activations and initializers', () => {
    const layer = new Dense(3, 2);
    expect(() => layer.forward(randn([2, 5]))).toThrow(ShapeError);
    expect(() => layer.forward(randn([2, 5]))).toThrow("Dense: argument 'x': input has shape [2, 5] but this layer takes [3, m]");
    expect(() => layer.forward(randn([3]))).toThrow(/a single example is \[3, 1\]/);
    expect(() => new Dense(0, 2)).toThrow(/nIn must be a positive integer, got 0/);
    expect(() => new Dense(2, 1.5)).toThrow(/nOut must be a positive integer, got 1\.5/);
    expect(() => new Dense(2, 2, { activation: 'gelu' as ActivationName })).toThrow(/unknown activation "gelu"/);
    expect(() => new Dense(2, 2, { init: 'orthogonal' as 'he' })).toThrow(/unknown initializer "orthogonal"/);
    expect(() => new Dense(2, 2, { init: () => randn([2, 3]) })).toThrow(/initializer returned shape \[2, 3\], expected a Tensor of shape \[2, 2\]/);
  });
});

describe('the TSDoc examples', () => {
  it('Dense and Sequential', () => {
    const layer = new Dense(3, 2, { activation: 'tanh', generator: new Generator(0) });
    expect(layer.forward(randn([3, 5])).shape).toEqual([2, 5]);
    expect(layer.parameters().keySeq().toArray()).toEqual(['W', 'b']);
    const net = new Sequential(new Dense(5, 4), new Dense(4, 3), new Dense(3, 2), new Dense(2, 1));
    expect(net.forward(randn([5, 10])).name).toBe('A[4]');
    expect(new Activation('relu').forward(tensor([[-1, 2]])).toArray()).toEqual([[0, 2]]);
  });
});

describe('Sequential and Activation', () => {
  it('applies its layers in order, wrapping plain functions in Lambda', () => {
    const net = new Sequential(new Dense(2, 3, { activation: 'linear' }), (x: Tensor) => x.mul(2), new Activation('relu'));
    expect(net.layers[1]).toBeInstanceOf(Lambda);
    const x = randn([2, 4]);
    const dense = net.layers[0] as Dense;
    const expected = noGrad(() => dense.W.matmul(x).add(dense.b!).mul(2).relu());
    expect(Array.from(net.forward(x).data)).toEqual(Array.from(expected.data));
    expect(net.parameters().keySeq().toArray()).toEqual(['layers.0.W', 'layers.0.b']);
    expect(String(new Activation('tanh'))).toBe('Activation(tanh)  (0 parameters)');
    expect(() => new Sequential(42 as unknown as Dense)).toThrow(/layer 0 is number, expected a Module or a function/);
  });

  it('numbers only its Dense layers, so the tape reads Z[1], A[1], Z[2], A[2]', () => {
    const net = new Sequential(new Dense(2, 3, { activation: 'linear' }), new Activation('tanh'), new Dense(3, 1));
    const names = tapeOf(net.forward(randn([2, 2]))).map((e) => e.output.name).filter((n) => n !== null).toArray();
    expect(names).toEqual(['Z[1]', 'Z[2]', 'A[2]']);
  });
});

describe('training XOR with plain gradient descent (W ← W − lr·dW)', () => {
  it('reaches loss < 0.05 and 100% accuracy within the epoch budget', () => {
    const g = new Generator(1);
    const net = new Sequential(new Dense(2, 4, { activation: 'tanh', generator: g }), new Dense(4, 1, { activation: 'sigmoid', generator: g }));
    const X = tensor([[0, 0, 1, 1], [0, 1, 0, 1]]);
    const Y = tensor([[0, 1, 1, 0]]);
    const lr = 1;
    const losses: number[] = [];
    for (let epoch = 0; epoch < 500; epoch++) {
      const loss = binaryCrossEntropy(net.forward(X), Y);
      losses.push(loss.item());
      if (losses[epoch] < 0.05) break;
      net.zeroGrad();
      loss.backward();
      net.setParameters(noGrad(() => net.parameters().map((p) => p.sub(p.grad!.mul(lr)))));
    }
    const final = losses[losses.length - 1];
    expect(final).toBeLessThan(0.05);
    expect(losses[0]).toBeGreaterThan(0.5); // it started far from a solution
    const predictions = Array.from(net.forward(X).data, (a) => (a > 0.5 ? 1 : 0));
    expect(predictions).toEqual([0, 1, 1, 0]);
  });
});

describe('errors are typed', () => {
  it('a non-tensor input to Dense is a TapegradError naming x', () => {
    expect(() => new Dense(2, 2).forward([[1], [2]] as unknown as Tensor)).toThrow(TapegradError);
  });
});
