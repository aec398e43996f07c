import { describe, expect, it } from 'vitest';
import { Generator, tensor } from '@tapegrad/core';
import { iris, standardize, trainTestSplit } from '@tapegrad/datasets';
import { Adam, Dense, Sequential, adam, binaryCrossEntropy, evaluate, fit, predict, softmaxCrossEntropy } from '@tapegrad/nn';

describe('training converges', () => {
  it('XOR with Adam: a 2-4-1 tanh/sigmoid network learns all four cases', () => {
    // examples are columns: the four inputs (0,0), (0,1), (1,0), (1,1)
    const x = tensor([[0, 0, 1, 1], [0, 1, 0, 1]], { dtype: 'float64' });
    const y = tensor([[0, 1, 1, 0]], { dtype: 'float64' });
    const g = new Generator(1);
    const model = new Sequential(
      new Dense(2, 4, { activation: 'tanh', dtype: 'float64', generator: g }),
      new Dense(4, 1, { activation: 'sigmoid', dtype: 'float64', generator: g }),
    );
    const history = fit(model, { x, y }, {
      epochs: 500, batchSize: 4, loss: binaryCrossEntropy, optimizer: new Adam(model, { lr: 0.05 }), metrics: ['accuracy'], verbose: 0,
    });
    expect(history.loss[0]).toBeGreaterThan(0.5); // chance level is ln 2 ≈ 0.69
    expect(history.loss.at(-1)).toBeLessThan(0.02);
    expect(history.accuracy!.at(-1)).toBe(1);
    const p = predict(model, x);
    expect(Array.from(p.data, Math.round)).toEqual([0, 1, 1, 0]);
  });

  it('iris with Adam: at least 93% accuracy on held-out flowers', () => {
    const { x, y } = iris();
    const split = trainTestSplit(x, y, { every: 5 }); // 30 test flowers, 10 of each class
    const { train, test } = standardize(split.xTrain, split.xTest);
    const g = new Generator(0);
    const model = new Sequential(new Dense(4, 16, { activation: 'tanh', generator: g }), new Dense(16, 3, { activation: 'linear', generator: g }));
    const history = fit(model, { x: train, y: split.yTrain }, {
      epochs: 60, batchSize: 16, loss: softmaxCrossEntropy, optimizer: adam({ lr: 0.01 }), metrics: ['accuracy'],
      validation: { x: test, y: split.yTest }, verbose: 0,
    });
    expect(history.loss.at(-1)).toBeLessThan(history.loss[0] / 4);
    expect(history.accuracy!.at(-1)).toBeGreaterThan(0.95);
    const { accuracy } = evaluate(model, { x: test, y: split.yTest }, { loss: softmaxCrossEntropy, metrics: ['accuracy'] });
    expect(accuracy).toBeGreaterThanOrEqual(0.93);
    expect(model.parameters().get('layers.0.W')!.dtype).toBe('float32');
  });
});
