import { describe, expect, it } from 'vitest';
import { OrderedMap } from 'immutable';
import { Generator, TapegradError, randn, type Tensor, tensor } from '@tapegrad/core';
import {
  Conv2d, Dense, FunctionModule, GRU, MultiHeadAttention, SerializationError, Sequential, accuracy, binaryCrossEntropy, encodeSafetensors, fit,
  loadStateDict, mse, predict, sgd, softmaxCrossEntropy,
} from '@tapegrad/nn';
import { describeValue } from './check.js';

// A tensor of another copy of @tapegrad/core (two versions installed side by side): it carries the
// shared brand on its prototype, and looks like a [2, 1] tensor, but is no instance of our Tensor.
const foreign = Object.create({ [Symbol.for('@tapegrad/core.Tensor')]: true }, { shape: { value: [2, 1] }, ndim: { value: 2 } }) as Tensor;
const TWO_COPIES = 'this Tensor comes from another copy of @tapegrad/core; two copies are loaded (check that one version is installed: npm ls @tapegrad/core)';

describe('a tensor of another copy of core, given to nn', () => {
  const dense = new Dense(2, 1, { generator: new Generator(0) });
  const ok = tensor([[0.5], [0.5]]);
  // [call, op, argument]: each names the problem as core's own ops do (expectTensor)
  const rows: [string, () => unknown, string, string][] = [
    ['Dense.forward', () => dense.forward(foreign), 'Dense', 'x'],
    ['predict', () => predict(new Sequential(dense), foreign), 'predict', 'x'],
    ['mse, as prediction', () => mse(foreign, [[1], [0]]), 'mse', 'yhat'],
    ['mse, as target', () => mse(ok, foreign), 'mse', 'y'],
    ['binaryCrossEntropy, as target', () => binaryCrossEntropy(ok, foreign), 'binaryCrossEntropy', 'y'],
    ['softmaxCrossEntropy, as logits', () => softmaxCrossEntropy(foreign, [0]), 'softmaxCrossEntropy', 'logits'],
    ['softmaxCrossEntropy, as labels', () => softmaxCrossEntropy(ok, foreign), 'softmaxCrossEntropy', 'y'],
    ['accuracy, as prediction', () => accuracy(foreign, [0]), 'accuracy', 'yhat'],
    ['accuracy, as target', () => accuracy(ok, foreign), 'accuracy', 'y'],
    ['Conv2d.forward', () => new Conv2d(1, 1, 1).forward(foreign), 'Conv2d', 'x'],
    ['GRU.forward, as h0', () => new GRU(2, 1).forward(randn([1, 3, 2]), foreign), 'GRU', 'h0'],
    ['MultiHeadAttention.forward, as mask', () => { const q = randn([1, 2, 4]); return new MultiHeadAttention(4, 2).forward(q, q, q, foreign); }, 'MultiHeadAttention', 'mask'],
    ['fit, as data.x', () => fit(dense, { x: foreign, y: ok }, { epochs: 1, loss: mse, optimizer: sgd() }), 'fit', 'data'],
  ];
  it.each(rows)('%s', (_name, call, op, arg) => {
    expect(call).toThrow(new TapegradError(op, TWO_COPIES, arg));
  });

  it('as a parameter: Module, loadStateDict, FunctionModule and encodeSafetensors say so', () => {
    const words = /got a Tensor from another copy of @tapegrad\/core \(two copies are loaded: check that one version is installed, npm ls @tapegrad\/core\)/;
    expect(() => dense.setParameters([['W', foreign]], { strict: false })).toThrow(words);
    expect(() => loadStateDict(dense, OrderedMap({ W: foreign, b: tensor([[0]]) }))).toThrow(SerializationError);
    expect(() => loadStateDict(dense, OrderedMap({ W: foreign, b: tensor([[0]]) }))).toThrow(words);
    expect(() => new FunctionModule((p, x) => x.mul(p.W), { W: foreign })).toThrow(words);
    expect(() => encodeSafetensors([['W', foreign]])).toThrow(words);
    expect(() => new Dense(2, 1, { init: () => foreign })).toThrow("Dense: argument 'init': the initializer returned a Tensor from another copy of @tapegrad/core (two copies are loaded");
  });

  it('anything else still reads as before', () => {
    expect(() => dense.forward([[1], [2]] as unknown as Tensor)).toThrow("Dense: argument 'x': expected a Tensor of shape [2, m], got an array of length 2");
    expect(describeValue({ shape: [2, 1] })).toBe('an object (Object)');
    expect(describeValue(tensor([1]))).toBe('an object (Tensor)');
  });
});
