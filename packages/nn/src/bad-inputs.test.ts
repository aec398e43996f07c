import { afterAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TapegradError, tensor } from '@tapegrad/core';
import {
  Adam, Dense, Optimizer, SerializationError, Sequential, adam, adamw, clipGradNorm, clipGrads, cosineSchedule, evaluate, fit, mse, predict,
  rmsprop, sgd, stepSchedule,
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

describe.each([['files', files], ['layers', layers], ['optimizers', optimizers], ['training', training]])('bad input (%s) is a typed error naming op and argument', (_, rows) => {
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
