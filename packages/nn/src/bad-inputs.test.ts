import { afterAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ShapeError, TapegradError, ones, randn, tensor, zeros } from '@tapegrad/core';
import {
  AdaptiveAvgPool2d, Adam, AvgPool2d, BatchNorm1d, BatchNorm2d, Conv1d, Conv2d, ConvTranspose2d, Dense, GRU, LSTM, MaxPool1d, MultiHeadAttention, Optimizer,
  SerializationError, Sequential, adam, adamw, clipGradNorm, clipGrads, cosineSchedule, evaluate, fit, mse, predict, rmsprop, sgd, stepSchedule,
} from '@tapegrad/nn';
import { load, loadInto, save } from '@tapegrad/nn/node';

/**
 * Bad input to the public API of nn, one row each: the call, the error class it must raise and words its
 * message must contain. The next bad input found is one more row.
 */
type Row = [name: string, call: () => unknown, error: typeof TapegradError, words: (string | RegExp)[]];

const dir = fs.mkdtempSync(join(tmpdir(), 'tapegrad-bad-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const fifo = join(dir, 'pipe');
execFileSync('mkfifo', [fifo]);

const files: Row[] = [
  ['load(0): a file descriptor (stdin), not a path', () => load(0 as never), SerializationError, ['load', 'expected the path of a file', 'got 0']],
  ['load(null)', () => load(null as never), SerializationError, ['load', 'path of a file', 'null']],
  ["load('')", () => load(''), SerializationError, ['load', "got ''"]],
  ['load of a FIFO does not block', () => load(fifo), SerializationError, ['load', 'is not a regular file', 'FIFO']],
  ['load of /dev/zero does not read without end', () => load('/dev/zero'), SerializationError, ['load', "'/dev/zero'", 'character device']],
  ['load of a directory', () => load(dir), SerializationError, ['load', 'a directory']],
  ['load of a missing file', () => load(join(dir, 'nope')), SerializationError, ['load', 'could not read', 'ENOENT']],
  ['loadInto(model, 3)', () => loadInto(new Dense(2, 1), 3 as never), SerializationError, ['load', 'got 3']],
  ['save(model, 1)', () => save(new Dense(2, 1), 1 as never), SerializationError, ['save', 'expected the path of a file', 'got 1']],
  ['save into a missing directory', () => save(new Dense(2, 1), join(dir, 'no', 'such', 'dir', 'm.safetensors')), SerializationError, ['save', 'could not write', 'ENOENT']],
];

const cyclic = () => {
  const inner = new Sequential(new Dense(2, 2));
  const outer = new Sequential(inner, new Dense(2, 1));
  inner.layers.push(outer); // outer → inner → outer
  return outer;
};
const xs = tensor([[1, 2], [3, 4]]), ys = tensor([[1, 0]]);

const layers: Row[] = [
  ['Dense(1e9, 1e9): refused before allocating', () => new Dense(1e9, 1e9), TapegradError, ['Dense', "'nIn'", '[1000000000, 1000000000]', '1000000000000000000 values', 'more than one tensor holds']],
  ['Dense(65536, 65537)', () => new Dense(65536, 65537), TapegradError, ['Dense', '4295032832 values']],
  ["Dense('3', 2)", () => new Dense('3' as never, 2), TapegradError, ['Dense', "'nIn'", 'positive integer', 'the string "3"']],
  ['Dense options null', () => new Dense(2, 2, null as never), TapegradError, ['Dense', "'options'", 'got null']],
  ["Dense bias: 'no'", () => new Dense(2, 2, { bias: 'no' as never }), TapegradError, ['Dense', "'bias'", 'true or false', 'the string "no"']],
  ['a Sequential that contains itself, directly', () => { const s = new Sequential(new Dense(2, 2)); s.layers.push(s); return s.forward(xs); }, TapegradError, ['Sequential', "'layers'", 'contains itself']],
  ['a Sequential that contains itself, through another', () => cyclic().forward(xs), TapegradError, ['Sequential', 'contains itself']],
];

/** Issue 10's list: shapes that cannot convolve, strides ≤ 0, masks that do not broadcast, BatchNorm on one example. */
const mha = new MultiHeadAttention(4, 2), q = randn([2, 3, 4]);
const shapes: Row[] = [
  ['Conv2d: kernel larger than the padded input', () => new Conv2d(1, 1, 5, { padding: 1 }).forward(randn([1, 1, 2, 8])), ShapeError, ['Conv2d', "'x'", '[1, 1, 2, 8]', 'height 2 (+ 2 padding) is smaller than the kernel (5)']],
  ['Conv1d: kernel larger than the input', () => new Conv1d(1, 1, 5).forward(randn([1, 1, 3])), ShapeError, ['Conv1d', "'x'", '[1, 1, 3]', 'smaller than the kernel (5)']],
  ['AvgPool2d: kernel larger than the padded input', () => new AvgPool2d(3).forward(randn([1, 1, 2, 4])), ShapeError, ['AvgPool2d', "'kernel'", 'the kernel (3) is larger than the padded input', '[1, 1, 2, 4]']],
  ['MaxPool1d: kernel larger than the padded input', () => new MaxPool1d(4, { padding: 1 }).forward(randn([1, 2, 1])), ShapeError, ['MaxPool1d', "'kernel'", '(1 + 2 padding)', '[1, 2, 1]']],
  ['AdaptiveAvgPool2d of an empty image', () => new AdaptiveAvgPool2d(1).forward(zeros([1, 2, 0, 3])), ShapeError, ['AdaptiveAvgPool2d', "'x'", '[1, 2, 0, 3]']],
  ['Conv2d: channels not divisible by groups', () => new Conv2d(3, 4, 3, { groups: 2 }), TapegradError, ['Conv2d', "'groups'", 'inChannels (3)', 'divisible by groups = 2']],
  ['Conv1d: channels not divisible by groups', () => new Conv1d(4, 3, 2, { groups: 2 }), TapegradError, ['Conv1d', "'groups'", 'outChannels (3)']],
  ['ConvTranspose2d: channels not divisible by groups', () => new ConvTranspose2d(3, 4, 2, { groups: 2 }), TapegradError, ['ConvTranspose2d', "'groups'", 'inChannels (3)']],
  ['Conv2d: input channels ≠ inChannels', () => new Conv2d(3, 4, 2).forward(randn([1, 2, 4, 4])), ShapeError, ['Conv2d', "'x'", '[1, 2, 4, 4]', '[N, 3, H, W]']],
  ['Conv2d: stride 0', () => new Conv2d(1, 1, 2, { stride: 0 }), TapegradError, ['Conv2d', "'stride'", 'positive integer', 'got 0']],
  ['Conv2d: a negative stride in a pair', () => new Conv2d(1, 1, 2, { stride: [1, -1] }), TapegradError, ['Conv2d', "'stride'", 'got [1,-1]']],
  ['Conv1d: stride 0', () => new Conv1d(1, 1, 2, { stride: 0 }), TapegradError, ['Conv1d', "'stride'", 'got 0']],
  ['ConvTranspose2d: stride -2', () => new ConvTranspose2d(1, 1, 2, { stride: -2 }), TapegradError, ['ConvTranspose2d', "'stride'", 'got -2']],
  ['MaxPool1d: stride 0', () => new MaxPool1d(2, { stride: 0 }), TapegradError, ['MaxPool1d', "'stride'", 'got 0']],
  ['AvgPool2d: stride -1', () => new AvgPool2d(2, { stride: -1 }), TapegradError, ['AvgPool2d', "'stride'", 'got -1']],
  ['MultiHeadAttention: a mask that does not broadcast', () => mha.forward(q, q, q, ones([2, 5])), ShapeError, ['MultiHeadAttention', "'mask'", '[L, S] = [3, 3]', 'got [2, 5]']],
  ['MultiHeadAttention: a mask for another batch', () => mha.forward(q, q, q, ones([3, 3, 3])), ShapeError, ['MultiHeadAttention', "'mask'", '[N, L, S] = [2, 3, 3]', 'got [3, 3, 3]']],
  ['BatchNorm2d in training mode on one example of 1×1', () => new BatchNorm2d(3).forward(randn([1, 3, 1, 1])), ShapeError, ['BatchNorm2d', "'x'", 'more than one value per channel', '[1, 3, 1, 1]', 'eval()']],
  ['BatchNorm1d in training mode on one column', () => new BatchNorm1d(3).forward(randn([3, 1])), ShapeError, ['BatchNorm1d', "'x'", '[3, 1]']],
  ['GRU: h0 for one layer given to two bidirectional ones', () => new GRU(4, 3, { numLayers: 2, bidirectional: true }).forward(randn([2, 5, 4]), randn([1, 2, 3])), ShapeError, ['GRU', "'h0'", 'expected shape [4, 2, 3]', 'got [1, 2, 3]']],
  ['LSTM: an empty sequence', () => new LSTM(4, 3).forward(zeros([2, 0, 4])), ShapeError, ['LSTM', "'x'", '[2, 0, 4]', 'at least one step']],
  ['GRU: dropout 2', () => new GRU(4, 3, { dropout: 2 }), TapegradError, ['GRU', "'dropout'", 'probability', 'got 2']],
];

const optimizers: Row[] = [
  ['adam({ betas: null })', () => adam({ betas: null as never }), TapegradError, ['adam', "'betas'", 'pair [β₁, β₂]', 'got null']],
  ["adamw({ betas: 'ab' })", () => adamw({ betas: 'ab' as never }), TapegradError, ['adamw', "'betas'", 'the string "ab"']],
  ['adam({ betas: [0.9] })', () => adam({ betas: [0.9] as never }), TapegradError, ['adam', "'betas'", 'an array of length 1']],
  ["adam({ betas: [0.9, '0.99'] })", () => adam({ betas: [0.9, '0.99'] as never }), TapegradError, ['adam', "'betas[1]'", 'the string "0.99"']],
  ['adam(null)', () => adam(null as never), TapegradError, ['adam', "'options'", 'got null']],
  ["adam({ amsgrad: 'yes' })", () => adam({ amsgrad: 'yes' as never }), TapegradError, ['adam', "'amsgrad'", 'true or false']],
  ["adam({ lr: '0.1' })", () => adam({ lr: '0.1' as never }), TapegradError, ['adam', "'lr'", 'the string "0.1"']],
  ["adam({ eps: '1e-8' })", () => adam({ eps: '1e-8' as never }), TapegradError, ['adam', "'eps'", 'the string "1e-8"']],
  ['sgd({ momentum: null })', () => sgd({ momentum: null as never }), TapegradError, ['sgd', "'momentum'", 'got null']],
  ['sgd({ nesterov: 1 })', () => sgd({ nesterov: 1 as never }), TapegradError, ['sgd', "'nesterov'", 'true or false', 'got 1']],
  ["rmsprop({ centered: 'true' })", () => rmsprop({ centered: 'true' as never }), TapegradError, ['rmsprop', "'centered'", 'the string "true"']],
  ['rmsprop([])', () => rmsprop([] as never), TapegradError, ['rmsprop', "'options'", 'an array of length 0']],
  ['a schedule returning a string', () => sgd({ lr: () => '0.1' as never }), TapegradError, ['sgd', "'lr'", 'the string "0.1" from the schedule at step 0']],
  ['stepSchedule(0.1) without options', () => stepSchedule(0.1, undefined as never), TapegradError, ['stepSchedule', "'stepSize'", 'got undefined']],
  ['cosineSchedule(0.1, null)', () => cosineSchedule(0.1, null as never), TapegradError, ['cosineSchedule', "'options'", 'got null']],
  ['new Adam(null)', () => new Adam(null as never), TapegradError, ['Optimizer', "'model'", 'got null']],
  ['new Optimizer(model, {})', () => new Optimizer(new Dense(1, 1), {} as never), TapegradError, ['Optimizer', "'optim'", 'an object (Object)']],
  ["clipGradNorm(params, '1')", () => clipGradNorm(new Dense(1, 1).parameters(), '1' as never), TapegradError, ['clipGradNorm', "'maxNorm'", 'the string "1"']],
  ['clipGrads([], 1)', () => clipGrads([] as never, 1), TapegradError, ['clipGrads', "'grads'", 'an array of length 0']],
  ["clipGrads with errorIfNonfinite: 'yes'", () => clipGrads(new Dense(1, 1).parameters(), 1, { errorIfNonfinite: 'yes' as never }), TapegradError, ['clipGrads', "'errorIfNonfinite'", 'true or false']],
  ['clipGradNorm(null, 1)', () => clipGradNorm(null as never, 1), TapegradError, ['clipGradNorm', "'params'", 'got null']],
];

const training: Row[] = [
  ['fit(model, data, null)', () => fit(new Dense(2, 1), { x: xs, y: ys }, null as never), TapegradError, ['fit', "'options'", 'got null']],
  ['fit(null, data, options)', () => fit(null as never, { x: xs, y: ys }, { epochs: 1, loss: mse, optimizer: sgd() }), TapegradError, ['fit', "'model'", 'expected a Module', 'got null']],
  ["fit with epochs: '3'", () => fit(new Dense(2, 1), { x: xs, y: ys }, { epochs: '3' as never, loss: mse, optimizer: sgd() }), TapegradError, ['fit', "'epochs'", 'the string "3"']],
  ['fit with callbacks: null', () => fit(new Dense(2, 1), { x: xs, y: ys }, { epochs: 1, loss: mse, optimizer: sgd(), callbacks: null as never }), TapegradError, ['fit', "'callbacks'", 'got null']],
  ["evaluate with loss: 'mse'", () => evaluate(new Dense(2, 1), { x: xs, y: ys }, { loss: 'mse' as never }), TapegradError, ['evaluate', "'loss'", 'the string "mse"']],
  ['evaluate(model, data)', () => evaluate(new Dense(2, 1), { x: xs, y: ys }, undefined as never), TapegradError, ['evaluate', "'loss'", 'got undefined']],
  ['predict({}, x)', () => predict({} as never, xs), TapegradError, ['predict', "'model'", 'an object (Object)']],
  ['predict(model, x, null)', () => predict(new Dense(2, 1), xs, null as never), TapegradError, ['predict', "'options'", 'got null']],
];

describe.each([['files', files], ['layers', layers], ['shapes (issue 10)', shapes], ['optimizers', optimizers], ['training', training]])('bad input (%s) is a typed error naming op and argument', (_, rows) => {
  it.each(rows)('%s', (_name, call, error, words) => {
    let thrown: unknown;
    try {
      call();
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(error);
    for (const w of words) expect((thrown as Error).message).toMatch(typeof w === 'string' ? new RegExp(w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) : w);
  });
});
