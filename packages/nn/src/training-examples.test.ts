/**
 * The TSDoc examples of the training half (optim/, metrics, progress, plot, safetensors, io, train),
 * run as written (file paths go to a temporary directory), with the values their comments promise.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OrderedMap } from 'immutable';
import { Generator, grad, manualSeed, tensor, type Tensor } from '@tapegrad/core';
import {
  Adam, AdamW, Dense, Optimizer, ProgressBar, RMSprop, SGD, SerializationError, Sequential, accuracy, adam, adamw,
  binaryCrossEntropy, clipGradNorm, clipGrads, constantSchedule, cosineSchedule, decodeSafetensors, encodeSafetensors,
  evaluate, exponentialSchedule, fit, formatValue, globalNorm, loadStateDict, lossCurvesSvg, makeOptim, mse,
  niceTicks, predict, rmsprop, safetensorsMetadata, sgd, softmaxCrossEntropy, stateDict, stepSchedule, terminalPlot,
  type Optim, type TensorMap,
} from '@tapegrad/nn';
import { load, loadInto, save, writeFileAtomic } from '@tapegrad/nn/node';

const dir = mkdtempSync(join(tmpdir(), 'tapegrad-examples-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const f64 = { dtype: 'float64' as const };
const x = tensor([[0, 0, 1, 1], [0, 1, 0, 1]], f64);
const y = tensor([[0, 1, 1, 0]], f64);
const smallNet = () => new Sequential(new Dense(2, 3, { activation: 'tanh', generator: new Generator(1), ...f64 }), new Dense(3, 1, { generator: new Generator(2), ...f64 }));

describe('functional optimizers (Optim, sgd, adam, adamw, rmsprop, makeOptim, clipGrads)', () => {
  it('the grad → update loop lowers the loss, for every optimizer', () => {
    const w0 = tensor([[0.3, -0.2]], f64);
    const lossOf = (p: TensorMap) => mse(p.get('w')!.matmul(x), y);
    const signSgd = makeOptim('signSgd', 0.01, () => null, (theta, g, slot, lr) => [theta.sub(g.sign().mul(lr)), slot]);
    const optims: Optim<any>[] = [adam({ lr: 0.01 }), sgd({ lr: 0.1, momentum: 0.9, nesterov: true }), adamw({ lr: 0.001, weightDecay: 0.05 }), rmsprop({ lr: 0.01, momentum: 0.9, centered: true }), signSgd];
    for (const opt of optims) {
      let params: TensorMap = OrderedMap({ w: w0 });
      let state = opt.init(params);
      for (let t = 0; t < 3; t++) {
        const grads = grad(lossOf)(params) as TensorMap; // an OrderedMap like params
        const [clipped, norm] = clipGrads(grads, 1.0);
        expect(norm).toBeGreaterThan(0);
        [params, state] = opt.update(clipped, state, params);
      }
      expect(lossOf(params).item()).toBeLessThan(lossOf(OrderedMap({ w: w0 })).item());
    }
  });
});

describe('stateful optimizers (Optimizer, SGD, Adam, AdamW, RMSprop, clipGradNorm)', () => {
  it('zeroGrad → backward → (clip) → step lowers the loss', () => {
    const labels = tensor([0, 1, 1, 0]);
    const makers = [
      (m: Sequential) => new Optimizer(m, sgd({ lr: 0.1, momentum: 0.9 })),
      (m: Sequential) => new SGD(m, { lr: 0.5 }),
      (m: Sequential) => new Adam(m, { lr: 0.01 }),
      (m: Sequential) => new AdamW(m, { lr: 0.001, weightDecay: 0.01 }),
      (m: Sequential) => new RMSprop(m, { lr: 0.001 }),
    ];
    for (const make of makers) {
      const model = new Sequential(new Dense(2, 3, { activation: 'tanh', generator: new Generator(1), ...f64 }), new Dense(3, 2, { activation: 'linear', generator: new Generator(2), ...f64 }));
      const optimizer = make(model);
      const before = softmaxCrossEntropy(model.forward(x), labels).item();
      for (let t = 0; t < 3; t++) {
        optimizer.zeroGrad();
        const loss = softmaxCrossEntropy(model.forward(x), labels);
        loss.backward();
        const norm = clipGradNorm(model.parameters(), 1.0);
        expect(norm).toBeGreaterThan(0);
        optimizer.step();
      }
      expect(softmaxCrossEntropy(model.forward(x), labels).item()).toBeLessThan(before);
    }
  });
});

describe('values stated in the examples', () => {
  it('schedules, globalNorm, accuracy, formatValue, niceTicks, safetensors', () => {
    expect(constantSchedule(0.1)(500)).toBe(0.1);
    const s = stepSchedule(0.1, { stepSize: 100, gamma: 0.5 });
    expect([s(99), s(100)]).toEqual([0.1, 0.05]);
    expect(exponentialSchedule(1, 0.9)(2)).toBeCloseTo(0.81, 15);
    const c = cosineSchedule(1, { totalSteps: 100 });
    expect([c(0), c(50), c(100)].map((v) => +v.toFixed(15))).toEqual([1, 0.5, 0]);
    expect(globalNorm([tensor([3]), tensor([4])])).toBe(5);
    expect(accuracy(tensor([[0.9, 0.2], [0.1, 0.8]]), [0, 0])).toBe(0.5);
    expect(accuracy(tensor([[0.7, 0.4, 0.6]]), tensor([[1, 1, 1]]))).toBe(2 / 3);
    expect([formatValue(0.123456), formatValue(2e-6)]).toEqual(['0.1235', '2.000e-6']);
    expect(niceTicks(0.13, 0.92)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    const bytes = encodeSafetensors(OrderedMap({ W: tensor([[1, 2]]) }), { format: 'pt' });
    expect(decodeSafetensors(bytes).get('W')!.toArray()).toEqual([[1, 2]]);
    expect(safetensorsMetadata(encodeSafetensors(OrderedMap(), { format: 'pt' }))).toEqual({ format: 'pt' });
  });

  it('ProgressBar draws its example line', () => {
    const out: string[] = [];
    const bar = new ProgressBar({ total: 23, label: 'epoch 1/10', stream: { isTTY: true, write: (c) => out.push(c) }, now: () => 0 });
    for (let i = 1; i <= 23; i++) bar.update(i, { loss: 0.5 });
    bar.finish({ loss: 0.41, accuracy: 0.93 });
    expect(out.at(-1)).toBe('\repoch 1/10  [========================] 23/23  loss 0.4100  accuracy 0.9300  0ms\x1b[K\n');
  });
});

describe('fit, evaluate, predict, plots', () => {
  it('the XOR example of fit', () => {
    const x = tensor([[0, 0, 1, 1], [0, 1, 0, 1]]);
    const y = tensor([[0, 1, 1, 0]]);
    manualSeed(0);
    const model = new Sequential(new Dense(2, 4, { activation: 'tanh' }), new Dense(4, 1));
    const history = fit(model, { x, y }, { epochs: 300, batchSize: 4, loss: binaryCrossEntropy, optimizer: adam({ lr: 0.05 }), metrics: ['accuracy'], verbose: 0 });
    expect(history.loss.at(-1)).toBeLessThan(0.05);
    expect(history.accuracy!.at(-1)).toBe(1);

    const { loss, accuracy: acc } = evaluate(model, { x, y }, { loss: binaryCrossEntropy, metrics: ['accuracy'] });
    expect(loss).toBeLessThan(0.05);
    expect(acc).toBe(1);
    const probs = predict(model, x);
    expect(probs.shape).toEqual([1, 4]);

    const svg = lossCurvesSvg({ loss: history.loss, valLoss: undefined }, { title: 'xor' });
    writeFileAtomic(join(dir, 'loss.svg'), new TextEncoder().encode(svg));
    expect(readFileSync(join(dir, 'loss.svg'), 'utf8')).toBe(svg);
    const plot = terminalPlot({ loss: history.loss }, { color: false });
    expect(plot.split('\n')).toHaveLength(12 + 3);
  });

  it('predict(...).argmax(0) gives one label per column', () => {
    const model = new Sequential(new Dense(2, 3, { activation: 'softmax', generator: new Generator(3) }));
    const labels: Tensor = predict(model, x).argmax(0);
    expect(labels.shape).toEqual([4]);
  });
});

describe('saving and loading (stateDict, loadStateDict, save, load, loadInto, SerializationError)', () => {
  it('round trip through a file, and the mismatch error', () => {
    const model = new Sequential(new Dense(64, 32, { activation: 'sigmoid' }), new Dense(32, 10));
    const dict = stateDict(model);
    expect([...dict.keys()]).toEqual(['layers.0.W', 'layers.0.b', 'layers.1.W', 'layers.1.b']);
    const snapshot = stateDict(model);
    model.setParameters(model.parameters().map((t) => t.mul(2)));
    loadStateDict(model, snapshot); // back to the snapshot
    expect(Array.from(model.parameters().get('layers.1.W')!.data)).toEqual(Array.from(snapshot.get('layers.1.W')!.data));

    const path = join(dir, 'digits.safetensors');
    save(model, path, { metadata: { epochs: '100' } });
    const weights = load(path);
    expect(weights.get('layers.0.W')!.shape).toEqual([32, 64]);
    expect(decodeSafetensors(readFileSync(path)).get('layers.0.W')!.shape).toEqual([32, 64]);
    const fresh = new Sequential(new Dense(64, 32, { activation: 'sigmoid' }), new Dense(32, 10));
    loadInto(fresh, path);
    expect(Array.from(fresh.parameters().get('layers.0.W')!.data)).toEqual(Array.from(model.parameters().get('layers.0.W')!.data));

    const other = join(dir, 'other.safetensors');
    save(new Sequential(new Dense(3, 5), new Dense(5, 1)), other);
    const small = new Sequential(new Dense(3, 4), new Dense(4, 1));
    let caught: unknown;
    try {
      loadInto(small, other);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(SerializationError);
    expect((caught as SerializationError).key).toBe('layers.0.W');
    expect((caught as SerializationError).message).toContain('has [5, 3] but the model has [4, 3]');
  });
});
