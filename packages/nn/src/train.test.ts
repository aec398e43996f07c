import { describe, expect, it } from 'vitest';
import { Generator, ShapeError, Tensor, TapegradError, tensor } from '@tapegrad/core';
import {
  Adam, Dense, Module, SGD, Sequential, adam, binaryCrossEntropy, evaluate, fit, mse, predict, sgd, softmaxCrossEntropy,
  type BatchLogs, type EpochLogs, type ProgressStream,
} from '@tapegrad/nn';
import { batchAt, shuffledWhole } from './train.js';

const silent = { verbose: 0 as const };

/** y = w·x on one feature, recording the example ids (the x values) each forward pass sees, and the mode. */
class Spy extends Module {
  w = tensor([[0.5]], { dtype: 'float64', requiresGrad: true });
  seen: number[][] = [];
  modes: boolean[] = [];
  forward(x: Tensor): Tensor {
    this.seen.push(Array.from(x.data));
    this.modes.push(this.training);
    return this.w.matmul(x);
  }
}

const ids = (m: number) => tensor([Array.from({ length: m }, (_, i) => i)], { dtype: 'float64' });

describe('fit: batching', () => {
  it('without shuffling, visits the columns in order in batches of batchSize (the last one smaller)', () => {
    const model = new Spy();
    fit(model, { x: ids(10), y: ids(10) }, { epochs: 2, batchSize: 4, loss: mse, optimizer: sgd({ lr: 0 }), shuffle: false, ...silent });
    const batch = [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]];
    expect(model.seen).toEqual([...batch, ...batch]);
  });

  it('with shuffling, each epoch is the seeded permutation, and y moves with x', () => {
    const model = new Spy();
    const pairs: [number[], number[]][] = [];
    const loss = (yhat: Tensor, y: Tensor) => {
      pairs.push([Array.from(model.seen.at(-1)!), Array.from(y.data)]);
      return mse(yhat, y);
    };
    const y = tensor([Array.from({ length: 10 }, (_, i) => 100 + i)], { dtype: 'float64' });
    fit(model, { x: ids(10), y }, { epochs: 2, batchSize: 4, loss, optimizer: sgd({ lr: 0 }), seed: 7, ...silent });
    const g = new Generator(7);
    const p0 = Array.from(g.permutation(10)), p1 = Array.from(g.permutation(10));
    expect(model.seen.slice(0, 3).flat()).toEqual(p0);
    expect(model.seen.slice(3).flat()).toEqual(p1);
    for (const [xs, ys] of pairs) expect(ys).toEqual(xs.map((i) => 100 + i));
  });

  it('class-index targets of shape [m] are batched along with the columns of x', () => {
    const model = new Spy();
    const labels: number[][] = [];
    const loss = (yhat: Tensor, y: Tensor) => (labels.push(Array.from(y.data)), yhat.sum().mul(0));
    fit(model, { x: ids(5), y: tensor([0, 1, 0, 1, 0]) }, { epochs: 1, batchSize: 2, loss, optimizer: sgd(), shuffle: false, ...silent });
    expect(labels).toEqual([[0, 1], [0, 1], [0]]);
  });

  it('small data is shuffled whole once an epoch and sliced; larger data is gathered batch by batch, to the same batches', () => {
    const x = tensor(Array.from({ length: 3 }, (_, r) => Array.from({ length: 11 }, (_, j) => 10 * r + j))); // [3, 11]
    const data = { x, y: tensor(Array.from({ length: 11 }, (_, j) => j % 4)) }; // class indices [11]
    const order = new Generator(3).permutation(11);
    const whole = shuffledWhole(data, order);
    expect(whole).not.toBeNull();
    expect(shuffledWhole(data, order, 32)).toBeNull(); // x has 33 numbers: over the limit
    expect(shuffledWhole(data, null)).toBeNull(); // no shuffling: batches are plain slices
    for (const [start, end] of [[0, 4], [4, 8], [8, 11]]) {
      const [xw, yw] = batchAt(data, order, whole, start, end);
      const [xb, yb] = batchAt(data, order, null, start, end);
      const cols = Array.from(order.subarray(start, end));
      expect(xw.toArray()).toEqual([0, 1, 2].map((r) => cols.map((j) => 10 * r + j)));
      expect(xb.toArray()).toEqual(xw.toArray());
      expect(Array.from(yw.data)).toEqual(cols.map((j) => j % 4));
      expect(Array.from(yb.data)).toEqual(Array.from(yw.data));
    }
  });
});

describe('fit: history, metrics and callbacks', () => {
  it('the epoch loss is the size-weighted mean of the batch losses; one value per epoch', () => {
    const model = new Spy();
    const batches: BatchLogs[] = [];
    const epochs: EpochLogs[] = [];
    const h = fit(model, { x: ids(10), y: ids(10).mul(2) }, {
      epochs: 3, batchSize: 4, loss: mse, optimizer: sgd({ lr: 0.001 }), ...silent,
      callbacks: { onBatchEnd: (_, logs) => void batches.push(logs), onEpochEnd: (_, logs) => void epochs.push(logs) },
    });
    expect(h.loss).toHaveLength(3);
    expect(h.accuracy).toBeUndefined();
    expect(h.valLoss).toBeUndefined();
    for (let e = 0; e < 3; e++) {
      const bs = batches.slice(3 * e, 3 * e + 3);
      expect(bs.map((b) => b.size)).toEqual([4, 4, 2]);
      const want = bs.reduce((s, b) => s + b.loss * b.size, 0) / 10;
      expect(Math.abs(h.loss[e] - want)).toBeLessThan(1e-15);
      expect(epochs[e].loss).toBe(h.loss[e]);
    }
    expect(h.loss[2]).toBeLessThan(h.loss[0]);
  });

  it('onEpochEnd returning false stops after that epoch; setting control.stop in onBatchEnd ends the epoch early', () => {
    const model = new Spy();
    const data = { x: ids(8), y: ids(8) };
    const h1 = fit(model, data, { epochs: 10, batchSize: 4, loss: mse, optimizer: sgd(), ...silent, callbacks: { onEpochEnd: (e) => e < 2 } });
    expect(h1.loss).toHaveLength(3);
    const seenBefore = model.seen.length;
    const h2 = fit(model, data, {
      epochs: 10, batchSize: 2, loss: mse, optimizer: sgd(), ...silent,
      callbacks: { onBatchEnd: (b, _, control) => void (b === 1 && (control.stop = true)) },
    });
    expect(h2.loss).toHaveLength(1);
    expect(model.seen.length - seenBefore).toBe(2); // two batches, then stop
  });

  it('onAfterBackward sees the batch gradient and the parameters before the step, before clipping; false stops after that step', () => {
    const model = new Spy(); // y = w·x, w = 0.5
    const seen: [number, number, number][] = [];
    const h = fit(model, { x: ids(4), y: ids(4) }, {
      epochs: 5, batchSize: 2, loss: mse, optimizer: sgd({ lr: 0.1 }), shuffle: false, clipGradNorm: 0.01, ...silent,
      callbacks: { onAfterBackward: (b, L) => (seen.push([b, L.item(), model.w.grad!.item()]), b === 0 && seen.length < 2) },
    });
    // batch 0 is x = [0, 1], y = x: L = ((0.5 − 1)·1)²/2 = 0.125, dL/dw = (2/2)(0.5 − 1)·1 = −0.5 (unclipped)
    expect(seen[0]).toEqual([0, 0.125, -0.5]);
    expect(seen).toHaveLength(2); // the first call returned true, the second false: training stopped after batch 1
    expect(h.loss).toHaveLength(1);
    expect(model.w.item()).toBeCloseTo(0.5 + 2 * 0.1 * 0.01, 6); // two steps of the clipped norm 0.01 (less 1e-6 relative, PyTorch's eps)
  });

  it('tracks accuracy and validation loss/accuracy when asked', () => {
    const x = tensor([[-2, -1, 1, 2, -3, 3]], { dtype: 'float64' });
    const y = tensor([[0, 0, 1, 1, 0, 1]], { dtype: 'float64' });
    const model = new Sequential(new Dense(1, 1, { dtype: 'float64', generator: new Generator(0) }));
    const h = fit(model, { x, y }, {
      epochs: 5, batchSize: 3, loss: binaryCrossEntropy, optimizer: adam({ lr: 0.1 }), metrics: ['accuracy'],
      validation: { x, y }, ...silent,
    });
    for (const k of ['loss', 'accuracy', 'valLoss', 'valAccuracy'] as const) expect(h[k]).toHaveLength(5);
    // validation on the training set after the last step: evaluate gives the same numbers (fit evaluates
    // in batches of 3, so the mean is summed in another order)
    const v = evaluate(model, { x, y }, { loss: binaryCrossEntropy, metrics: ['accuracy'] });
    expect(Math.abs(h.valLoss!.at(-1)! - v.loss)).toBeLessThan(1e-15);
    expect(h.valAccuracy!.at(-1)).toBe(v.accuracy);
  });

  it('is reproducible from the seed', () => {
    const run = (seed: number) => {
      const model = new Sequential(new Dense(1, 3, { activation: 'tanh', dtype: 'float64', generator: new Generator(1) }), new Dense(3, 1, { dtype: 'float64', generator: new Generator(2) }));
      const x = tensor([[0, 0.2, 0.4, 0.6, 0.8, 1]], { dtype: 'float64' });
      return fit(model, { x, y: x.mul(0.5) }, { epochs: 4, batchSize: 2, loss: mse, optimizer: adam({ lr: 0.05 }), seed, ...silent }).loss;
    };
    expect(run(3)).toEqual(run(3));
    expect(run(3)).not.toEqual(run(4));
  });

  it('clips the global gradient norm before each step when asked', () => {
    const model = new Spy();
    fit(model, { x: ids(4), y: ids(4).mul(100) }, { epochs: 1, batchSize: 4, loss: mse, optimizer: sgd({ lr: 1 }), clipGradNorm: 1e-3, ...silent });
    // the raw gradient is huge; one SGD step with lr 1 moves w by at most maxNorm
    expect(Math.abs(model.w.data[0] - 0.5)).toBeLessThanOrEqual(1e-3);
    expect(Math.abs(model.w.data[0] - 0.5)).toBeGreaterThan(0.999e-3);
  });
});

describe('fit: optimizers, modes and errors', () => {
  it('accepts an Optimizer bound to the model or a functional one, and trains in train mode', () => {
    const model = new Spy().eval();
    fit(model, { x: ids(4), y: ids(4) }, { epochs: 1, loss: mse, optimizer: new SGD(model, { lr: 0.01 }), ...silent });
    fit(model, { x: ids(4), y: ids(4) }, { epochs: 1, loss: mse, optimizer: sgd({ lr: 0.01 }), ...silent });
    expect(model.modes.every((t) => t)).toBe(true);
    expect(model.training).toBe(false); // the mode it had before fit
    expect(() => fit(model, { x: ids(4), y: ids(4) }, { epochs: 1, loss: mse, optimizer: new Adam(new Spy()), ...silent })).toThrow(/bound to a different model/);
  });

  it('names the shapes when x and y disagree, and rejects a non-scalar loss', () => {
    const model = new Spy();
    const bad = () => fit(model, { x: ids(4), y: ids(5) }, { epochs: 1, loss: mse, optimizer: sgd(), ...silent });
    expect(bad).toThrow(ShapeError);
    expect(bad).toThrow('fit: argument \'data\': x has shape [1, 4] and y has shape [1, 5]');
    expect(() => fit(model, { x: ids(4), y: ids(4) }, { epochs: 1, loss: (a) => a, optimizer: sgd(), ...silent })).toThrow(TapegradError);
    expect(() => fit(model, { x: ids(4), y: ids(4) }, { epochs: 1, loss: (a) => a, optimizer: sgd(), ...silent })).toThrow(/must return a scalar Tensor.*shape \[1, 4\]/);
    expect(() => fit(model, { x: ids(4), y: ids(4) }, { epochs: 1, batchSize: 0, loss: mse, optimizer: sgd(), ...silent })).toThrow(/batchSize/);
  });
});

describe('fit: progress output', () => {
  const capture = (isTTY: boolean) => {
    const chunks: string[] = [];
    return { chunks, stream: { isTTY, write: (s: string) => void chunks.push(s) } };
  };
  const train = (stream: ProgressStream, verbose: 0 | 1 | 2) =>
    fit(new Spy(), { x: ids(6), y: ids(6) }, { epochs: 3, batchSize: 2, loss: mse, optimizer: sgd({ lr: 0.001 }), stream, verbose });

  it('prints one plain line per epoch when the stream is not a TTY', () => {
    const { chunks, stream } = capture(false);
    const h = train(stream, 1);
    expect(chunks).toHaveLength(3);
    chunks.forEach((line, e) => {
      expect(line).toMatch(new RegExp(`^epoch ${e + 1}/3  3/3  loss ${h.loss[e].toFixed(4)}  \\d+ms\\n$`));
    });
  });

  it('redraws a bar with \\r on a TTY', () => {
    const { chunks, stream } = capture(true);
    train(stream, 1);
    expect(chunks.every((c) => c.startsWith('\r'))).toBe(true);
    expect(chunks.filter((c) => c.endsWith('\n'))).toHaveLength(3);
    expect(chunks.join('')).toContain('epoch 3/3  [');
  });

  it('verbose 2 prints plain lines even on a TTY; verbose 0 prints nothing', () => {
    const two = capture(true);
    train(two.stream, 2);
    expect(two.chunks.map((c) => c.includes('\r'))).toEqual([false, false, false]);
    const zero = capture(true);
    train(zero.stream, 0);
    expect(zero.chunks).toEqual([]);
  });
});

describe('evaluate and predict', () => {
  it('run in eval mode without recording, restore the mode, and agree batched and unbatched', () => {
    const model = new Sequential(new Dense(3, 4, { activation: 'tanh', dtype: 'float64', generator: new Generator(5) }), new Dense(4, 2, { activation: 'linear', dtype: 'float64', generator: new Generator(6) }));
    const x = tensor(Array.from({ length: 21 }, (_, i) => Math.sin(i)), { dtype: 'float64', shape: [3, 7] });
    const labels = tensor([0, 1, 1, 0, 1, 0, 0]);
    const full = predict(model, x);
    expect(full.requiresGrad).toBe(false);
    expect(full.shape).toEqual([2, 7]);
    expect(Array.from(predict(model, x, { batchSize: 3 }).data)).toEqual(Array.from(full.data));
    const a = evaluate(model, { x, y: labels }, { loss: softmaxCrossEntropy, metrics: ['accuracy'] });
    const b = evaluate(model, { x, y: labels }, { loss: softmaxCrossEntropy, metrics: ['accuracy'], batchSize: 2 });
    expect(Math.abs(a.loss - b.loss)).toBeLessThan(1e-12);
    expect(b.accuracy).toBe(a.accuracy);
    expect(a.loss).toBe(softmaxCrossEntropy(full, labels).item());
    expect(model.training).toBe(true);

    const spy = new Spy();
    predict(spy, ids(3));
    evaluate(spy, { x: ids(3), y: ids(3) }, { loss: mse });
    expect(spy.modes).toEqual([false, false]);
    expect(spy.training).toBe(true);
  });
});
