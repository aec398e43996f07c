import { describe, expect, it } from 'vitest';
import { Generator, tensor, type Tensor } from '@tapegrad/core';
import { Adam, Dense, NonFiniteError, Sequential, accuracy, binaryCrossEntropy, evaluate, fit, mse, sgd, type Module } from '@tapegrad/nn';

const silent = { verbose: 0 as const };
const net = () => new Sequential(new Dense(2, 3, { activation: 'tanh', generator: new Generator(1) }), new Dense(3, 1, { generator: new Generator(2) }));
const values = (m: Module) => m.parameters().map((p) => Array.from(p.data)).toJS();
/** 8 examples of 2 features with 0/1 labels; `poison` puts a value at one place of x or y. */
const data = (poison?: { in: 'x' | 'y'; column: number; value: number }) => {
  const x = [[0, 1, 0, 1, 0.5, 0.2, 0.9, 0.1], [0, 0, 1, 1, 0.5, 0.8, 0.3, 0.6]];
  const y = [[0, 1, 1, 0, 1, 0, 1, 0]];
  if (poison) (poison.in === 'x' ? x[1] : y[0])[poison.column] = poison.value;
  return { x: tensor(x), y: tensor(y) };
};

/** fit until it throws; the parameters after each successful batch, and the error. */
function fitUntilStopped(model: Module, examples: { x: Tensor; y: Tensor }, options: Partial<Parameters<typeof fit>[2]>) {
  const afterBatch: unknown[] = [values(model)];
  let error: unknown;
  try {
    fit(model, examples, {
      epochs: 3, batchSize: 2, shuffle: false, loss: binaryCrossEntropy, optimizer: sgd({ lr: 0.1 }), ...silent, ...options,
      callbacks: { onBatchEnd: (b, logs, control) => (afterBatch.push(values(model)), options.callbacks?.onBatchEnd?.(b, logs, control)) },
    });
  } catch (e) {
    error = e;
  }
  return { afterBatch, error: error as NonFiniteError };
}

describe('fit stops at the first non-finite value', () => {
  it('a NaN feature: stops at its batch, with the parameters from before that step', () => {
    const model = net();
    const { afterBatch, error } = fitUntilStopped(model, data({ in: 'x', column: 5, value: NaN }), {});
    expect(error).toBeInstanceOf(NonFiniteError);
    expect([error.epoch, error.batch, error.where]).toEqual([0, 2, 'loss']); // column 5 is in batch 2 (columns 4, 5)
    expect(error.message).toMatch(/^fit: the loss is NaN at epoch 0, batch 2 .*the batch's x holds NaN; .*onNonFinite: 'continue'/);
    expect(afterBatch).toHaveLength(3); // the start, and after batches 0 and 1
    expect(values(model)).toEqual(afterBatch.at(-1));
    expect(Object.values(values(model) as Record<string, number[]>).flat().every(Number.isFinite)).toBe(true);
  });

  it('a NaN label: the same, at the batch that holds it', () => {
    const model = net();
    const { afterBatch, error } = fitUntilStopped(model, data({ in: 'y', column: 7, value: NaN }), { batchSize: 4 });
    expect([error.epoch, error.batch, error.where]).toEqual([0, 1, 'loss']);
    expect(error.message).toContain("the batch's y holds NaN");
    expect(values(model)).toEqual(afterBatch.at(-1));
  });

  it('a diverging learning rate: stops when the loss or the parameters overflow, the optimizer state from before that step', () => {
    const model = new Sequential(new Dense(2, 1, { activation: 'linear', generator: new Generator(3) }));
    const optimizer = new Adam(model, { lr: 1e38 });
    const x = tensor([[1, 2, 3, 4], [4, 3, 2, 1]]), y = tensor([[1, 2, 3, 4]]);
    const steps: number[] = [];
    const { afterBatch, error } = fitUntilStopped(model, { x, y }, {
      loss: mse, optimizer, epochs: 50, batchSize: 4,
      callbacks: { onBatchEnd: () => void steps.push(optimizer.state.step) },
    });
    expect(error).toBeInstanceOf(NonFiniteError);
    expect(['loss', 'parameters']).toContain(error.where);
    expect(values(model)).toEqual(afterBatch.at(-1));
    expect(steps.length).toBeGreaterThan(0); // some steps were taken before it diverged
    expect(optimizer.state.step).toBe(steps.length);
    for (const slot of optimizer.state.slots.values()) for (const t of [slot.m, slot.v]) expect(Array.from(t.data).every(Number.isFinite)).toBe(true);
    expect(error.message).not.toContain("the batch's"); // the data is fine
  });

  it('a step that overflows the float32 parameters is undone, and the error names the parameter', () => {
    const model = net();
    const initial = values(model);
    const { afterBatch, error } = fitUntilStopped(model, data(), { optimizer: sgd({ lr: 1e300 }) }); // θ − 1e300·g is beyond float32
    expect([error.where, error.epoch, error.batch, error.key]).toEqual(['parameters', 0, 0, 'layers.0.W']);
    expect(error.message).toMatch(/^fit: the step made 'layers.0.W' -?Infinity \(the loss was 0\.\d+\) at epoch 0, batch 0/);
    expect(afterBatch).toHaveLength(1);
    expect(values(model)).toEqual(initial);
  });

  it("onNonFinite: 'continue' trains on, as before", () => {
    const model = net();
    const h = fit(model, data({ in: 'x', column: 0, value: NaN }), { epochs: 2, batchSize: 8, loss: binaryCrossEntropy, optimizer: sgd({ lr: 0.1 }), onNonFinite: 'continue', ...silent });
    expect(h.loss.map(Number.isNaN)).toEqual([true, true]);
    expect(Array.from(model.parameters().get('layers.0.W')!.data).every(Number.isNaN)).toBe(true);
    expect(() => fit(model, data(), { epochs: 1, loss: mse, optimizer: sgd(), onNonFinite: 'ignore' as never, ...silent })).toThrow(/onNonFinite must be 'stop' or 'continue', got "ignore"/);
  });

  it('a non-finite gradient with a finite loss stops before the step (√ at 0)', () => {
    const model = new Sequential(new Dense(1, 1, { activation: 'linear', bias: false, dtype: 'float64' }));
    model.setParameters([['layers.0.W', tensor([[0]], { dtype: 'float64' })]]);
    const sqrtLoss = (yhat: Tensor) => yhat.square().sqrt().mean();
    const { error } = fitUntilStopped(model, { x: tensor([[1]], { dtype: 'float64' }), y: tensor([[0]], { dtype: 'float64' }) }, { loss: sqrtLoss });
    expect([error.where, error.key]).toEqual(['gradient', 'layers.0.W']);
    expect(error.message).toMatch(/the gradient of 'layers.0.W' holds NaN at epoch 0, batch 0/);
    expect(model.parameters().get('layers.0.W')!.item()).toBe(0);
  });
});

describe('evaluate reports non-finite results as they are', () => {
  it('a NaN loss is NaN, and NaN predictions count as wrong, not as class 0', () => {
    const model = net();
    const poisoned = data({ in: 'x', column: 0, value: NaN });
    const r = evaluate(model, poisoned, { loss: binaryCrossEntropy, metrics: ['accuracy'], batchSize: 4 });
    expect(Number.isNaN(r.loss)).toBe(true);
    const clean = evaluate(model, data(), { loss: binaryCrossEntropy, metrics: ['accuracy'] });
    expect(Number.isFinite(clean.loss)).toBe(true);
    model.setParameters(model.parameters().map((p) => p.mul(NaN)));
    expect(evaluate(model, data(), { loss: binaryCrossEntropy, metrics: ['accuracy'] }).accuracy).toBe(0);
    expect(accuracy(tensor([[NaN, 0.9], [NaN, 0.1]]), [0, 0])).toBe(0.5);
    expect(accuracy(tensor([[NaN, 0.9], [0, 0.1]]), tensor([[1, 1], [0, 0]]))).toBe(0.5);
  });
});
