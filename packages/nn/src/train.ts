import { Generator, ShapeError, TapegradError, Tensor, concat, expectTensor, fmtShape, isForeignTensor, isTensor, noGrad, slice, take } from '@tapegrad/core';
import type { Module } from './module.js';
import { accuracy, type MetricName } from './metrics.js';
import { clipGradNorm } from './optim/clip.js';
import { Optimizer, type Optim } from './optim/optimizer.js';
import { defaultStream, ProgressBar, type ProgressStream } from './progress.js';
import { checkOptions, describeValue } from './check.js';
import { dataHint, firstNonFinite, firstNonFiniteIn, NonFiniteError } from './non-finite.js';

/**
 * The training loop, Keras-style, in the notes' layout: examples are columns, so x is [features, m],
 * y is [outputs, m] (or class indices [m] / [1, m]), and a mini-batch is a slice of columns.
 */

/** A loss: predictions and targets → a scalar tensor, the mean over the batch (the losses in losses.ts). */
export type LossFn = (yhat: Tensor, y: Tensor) => Tensor;

/** Inputs and targets, one example per column (the last axis of both). */
export interface Examples {
  x: Tensor;
  y: Tensor;
}

/** What `fit` reports after each epoch. Epochs are numbered from 0, as in Keras callbacks. */
export type EpochLogs = {
  loss: number;
  accuracy?: number;
  valLoss?: number;
  valAccuracy?: number;
};

/** What `fit` reports after each batch (numbered from 0 within the epoch). */
export interface BatchLogs {
  loss: number;
  /** The number of examples in the batch. */
  size: number;
  accuracy?: number;
}

/** Passed to callbacks: set `stop = true` (or return false) to end training. */
export interface FitControl {
  stop: boolean;
}

/**
 * Hooks `fit` calls as it trains: after each epoch and after each optimizer step. Either may stop
 * training, by returning `false` or by setting `control.stop` (Keras's callbacks, as two functions).
 *
 * @example
 * const callbacks: FitCallbacks = {
 *   onEpochEnd: (epoch, logs) => logs.loss > 0.01, // stop once the loss is below 0.01
 *   onBatchEnd: (_batch, logs, control) => { if (!Number.isFinite(logs.loss)) control.stop = true; },
 * };
 */
export interface FitCallbacks {
  /** After each epoch, with its logs. Returning `false` stops training. */
  onEpochEnd?(epoch: number, logs: EpochLogs, control: FitControl): boolean | void;
  /** After each optimizer step. Returning `false` ends the epoch there (it is still logged) and stops training. */
  onBatchEnd?(batch: number, logs: BatchLogs, control: FitControl): boolean | void;
  /**
   * After each batch's backward pass, before gradient clipping and the optimizer step (PyTorch
   * Lightning's `on_after_backward`): the parameters' `.grad` hold this batch's gradients and
   * `model.parameters()` the values the step starts from; `loss` is the batch's recorded loss, whose
   * graph reaches every activation. Returning `false` stops training after this batch's step.
   */
  onAfterBackward?(batch: number, loss: Tensor, control: FitControl): boolean | void;
}

/**
 * Options of `fit`: how long and in what batches to train, the loss and optimizer, validation data,
 * metrics, callbacks, gradient clipping and how to report progress. `epochs`, `loss` and `optimizer`
 * are required.
 *
 * @example
 * const x = tensor([[0, 0, 1, 1], [0, 1, 0, 1]]), y = tensor([[0, 1, 1, 0]]); // [n_0, m] and [1, m]
 * const model = new Sequential(new Dense(2, 4, { activation: 'tanh', generator: new Generator(0) }), new Dense(4, 1, { generator: new Generator(1) }));
 * const history = fit(model, { x, y }, {
 *   epochs: 20, batchSize: 4, loss: binaryCrossEntropy, optimizer: adam({ lr: 0.05 }), validation: { x, y },
 *   shuffle: true, seed: 0, metrics: ['accuracy'], clipGradNorm: 1, verbose: 0, onNonFinite: 'stop',
 * });
 * history.loss.length; // 20
 */
export interface FitOptions {
  /** How many passes over the training examples (a positive integer). */
  epochs: number;
  /** Examples per step (default 32; a batch size ≥ m is full-batch gradient descent). The last batch may be smaller. */
  batchSize?: number;
  /** The loss (yhat, y) → scalar Tensor, e.g. `mse`, `binaryCrossEntropy`, `softmaxCrossEntropy`. */
  loss: LossFn;
  /** An optimizer bound to this model (`new Adam(model)`) or a functional one (`adam()`), bound for this fit. */
  optimizer: Optimizer<any> | Optim<any>;
  /** Evaluated after every epoch (in eval mode, without recording). */
  validation?: Examples;
  /** Shuffle the examples at every epoch (default true). */
  shuffle?: boolean;
  /** Seed of the shuffle (default 0: the same run gives the same result). */
  seed?: number;
  /** Metrics to compute and record in the history beside the loss (`['accuracy']`); default none. */
  metrics?: readonly MetricName[];
  /** Called after each epoch and each step; either may stop training. */
  callbacks?: FitCallbacks;
  /** Clip the gradients' global L2 norm to this value before each step. */
  clipGradNorm?: number;
  /** 0: silent; 1 (default): a progress bar per epoch on a terminal, a line per epoch otherwise; 2: a line per epoch. */
  verbose?: 0 | 1 | 2;
  /** Where progress goes (default `process.stdout`). */
  stream?: ProgressStream;
  /**
   * When a batch's loss, a gradient, or the parameters a step gives are NaN or infinite: 'stop'
   * (default) throws a `NonFiniteError` naming the epoch and batch, leaving the model with the
   * parameters it had before that step; 'continue' trains on regardless, as PyTorch's loop would.
   */
  onNonFinite?: 'stop' | 'continue';
}

/**
 * Per-epoch values, as Keras' `History.history`. A type alias rather than an interface, so that a history
 * is assignable to `Series` and can be passed to `lossCurvesSvg` / `terminalPlot` as it is.
 */
export type History = {
  loss: number[];
  accuracy?: number[];
  valLoss?: number[];
  valAccuracy?: number[];
};

const examplesOf = (t: Tensor): number => (t.ndim === 0 ? 1 : t.shape[t.ndim - 1]);

function checkExamples(op: string, data: Examples, arg: string): number {
  for (const t of [data?.x, data?.y]) if (isForeignTensor(t)) expectTensor(op, t, arg); // core's words for two copies
  if (data === null || typeof data !== 'object' || !isTensor(data.x) || !isTensor(data.y)) {
    throw new TapegradError(op, 'expected { x, y } with two tensors', arg);
  }
  const m = examplesOf(data.x);
  if (data.x.ndim === 0 || data.y.ndim === 0 || examplesOf(data.y) !== m) {
    throw new ShapeError(op, `x has shape ${fmtShape(data.x.shape)} and y has shape ${fmtShape(data.y.shape)}: both need the examples on their last axis, the same number of them`, arg);
  }
  return m;
}

/** Columns [start, end) of t (examples on the last axis). */
const columns = (t: Tensor, start: number, end: number): Tensor =>
  slice(t, [...new Array(t.ndim - 1).fill(0), start], [...new Array(t.ndim - 1).fill(null), end]);

/** The examples (columns) of t at positions [start, end) of `order`, or simply in order when there is none. */
const batchOf = (t: Tensor, order: Int32Array | null, start: number, end: number): Tensor =>
  order === null ? columns(t, start, end) : take(t, order.subarray(start, end), t.ndim - 1);

/** Runs `fn` in eval mode, without recording, and puts the model back in the mode it was in. */
function inEvalMode<T>(model: Module, fn: () => T): T {
  const wasTraining = model.training;
  model.eval();
  try {
    return noGrad(fn);
  } finally {
    model.train(wasTraining);
  }
}

function checkModel(op: string, model: unknown): void {
  if (model === null || typeof model !== 'object' || typeof (model as Module).forward !== 'function' || typeof (model as Module).parameters !== 'function') {
    throw new TapegradError(op, `expected a Module, got ${describeValue(model)}`, 'model');
  }
}

function checkBatchSize(op: string, batchSize: number | undefined, m: number): number {
  if (batchSize === undefined) return Math.max(m, 1);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new TapegradError(op, `batchSize must be a positive integer, got ${describeValue(batchSize)}`, 'batchSize');
  return batchSize;
}

function scalarLoss(op: string, L: unknown): Tensor {
  if (!(L instanceof Tensor) || L.size !== 1) {
    throw new TapegradError(op, `the loss function must return a scalar Tensor (the mean over the batch), got ${L instanceof Tensor ? `shape ${fmtShape(L.shape)}` : typeof L}`, 'loss');
  }
  return L;
}

/**
 * Trains `model` on `data` for `epochs` epochs of mini-batch steps and returns the per-epoch history.
 * Each step: zero the grads, forward, loss, backward, (clip), optimizer step. The epoch's loss and
 * accuracy are averaged over its batches, weighted by their sizes.
 *
 * A NaN or infinite loss (a NaN in the data, a learning rate that diverges), gradient or updated
 * parameter stops training at that batch with a `NonFiniteError` naming the epoch and the batch; the
 * model keeps the parameters it had before that step, and a bound optimizer its state. PyTorch and
 * Keras train on through NaN unless asked (Keras' `TerminateOnNaN` stops after the bad step); here
 * `{ onNonFinite: 'continue' }` does that.
 *
 * @example
 * // XOR, the four examples as columns
 * const x = tensor([[0, 0, 1, 1], [0, 1, 0, 1]]);
 * const y = tensor([[0, 1, 1, 0]]);
 * manualSeed(0);
 * const model = new Sequential(new Dense(2, 4, { activation: 'tanh' }), new Dense(4, 1));
 * const history = fit(model, { x, y }, { epochs: 300, batchSize: 4, loss: binaryCrossEntropy, optimizer: adam({ lr: 0.05 }), metrics: ['accuracy'] });
 * history.loss.at(-1);      // below 0.05
 * history.accuracy!.at(-1); // 1
 */
export function fit(model: Module, data: Examples, options: FitOptions): History {
  const op = 'fit';
  checkModel(op, model);
  options = checkOptions(op, options);
  const m = checkExamples(op, data, 'data');
  const { epochs, loss, shuffle = true, seed = 0, metrics = [], verbose = 1, onNonFinite = 'stop' } = options;
  const callbacks = checkOptions<FitCallbacks>(op, options.callbacks, 'callbacks');
  if (onNonFinite !== 'stop' && onNonFinite !== 'continue') throw new TapegradError(op, `onNonFinite must be 'stop' or 'continue', got ${JSON.stringify(onNonFinite)}`, 'onNonFinite');
  if (!Number.isInteger(epochs) || epochs < 0) throw new TapegradError(op, `epochs must be an integer ≥ 0, got ${describeValue(epochs)}`, 'epochs');
  if (typeof loss !== 'function') throw new TapegradError(op, `loss must be a function (yhat, y) → scalar Tensor, got ${typeof loss}`, 'loss');
  if (m === 0) throw new ShapeError(op, `no examples to train on: x has shape ${fmtShape(data.x.shape)}`, 'data');
  for (const name of metrics) if (name !== 'accuracy') throw new TapegradError(op, `unknown metric ${JSON.stringify(name)} (known: 'accuracy')`, 'metrics');
  if (options.validation !== undefined) checkExamples(op, options.validation, 'validation');
  const batchSize = checkBatchSize(op, options.batchSize ?? 32, m);
  const optimizer = bindOptimizer(model, options.optimizer);
  const withAccuracy = metrics.includes('accuracy');
  const stream = options.stream ?? defaultStream();
  const generator = new Generator(seed);
  const nBatches = Math.ceil(m / batchSize);

  const history: History = { loss: [] };
  if (withAccuracy) history.accuracy = [];
  if (options.validation) {
    history.valLoss = [];
    if (withAccuracy) history.valAccuracy = [];
  }
  const control: FitControl = { stop: false };
  const wasTraining = model.training;
  model.train();
  try {
    for (let epoch = 0; epoch < epochs && !control.stop; epoch++) {
      const bar = verbose === 0 ? null : new ProgressBar({ total: nBatches, label: `epoch ${String(epoch + 1).padStart(String(epochs).length)}/${epochs}`, stream, tty: verbose === 1 ? undefined : false });
      const order = shuffle ? generator.permutation(m) : null;
      let seen = 0, lossSum = 0, correct = 0;
      for (let b = 0; b < nBatches && !control.stop; b++) {
        const start = b * batchSize, end = Math.min(m, start + batchSize);
        const [xb, yb] = noGrad(() => [batchOf(data.x, order, start, end), batchOf(data.y, order, start, end)]);
        optimizer.zeroGrad();
        const yhat = model.forward(xb);
        const L = scalarLoss(op, loss(yhat, yb));
        const stop = (where: 'loss' | 'gradient' | 'parameters', what: string, key?: string): never => {
          bar?.finish(seen > 0 ? running(lossSum, correct, seen, withAccuracy) : {});
          throw new NonFiniteError(
            op,
            `${what} at epoch ${epoch}, batch ${b} (counted from 0, as callbacks count); ${dataHint(xb, yb)}training stopped with the parameters from before this batch's step. ` +
              `Look for NaN or Infinity in the data, or lower the learning rate; pass { onNonFinite: 'continue' } to train on regardless`,
            epoch, b, where, key,
          );
        };
        const guard = onNonFinite === 'stop';
        if (guard && firstNonFinite(L) !== null) stop('loss', `the loss is ${L.item()}`);
        L.backward();
        if (callbacks.onAfterBackward?.(b, L, control) === false) control.stop = true;
        if (options.clipGradNorm !== undefined) clipGradNorm(model.parameters(), options.clipGradNorm);
        const before = guard ? { params: model.parameters(), state: optimizer.state } : null;
        if (before !== null) {
          const bad = firstNonFiniteIn(before.params.filter((p) => p.grad !== null).map((p) => p.grad as Tensor));
          if (bad !== null) stop('gradient', `the gradient of '${bad.key}' holds ${bad.value}`, bad.key);
        }
        optimizer.step();
        if (before !== null) {
          // parameters and optimizer state are values: putting the old ones back undoes the step exactly
          const bad = firstNonFiniteIn(model.parameters());
          if (bad !== null) {
            model.setParameters(before.params);
            optimizer.state = before.state;
            stop('parameters', `the step made '${bad.key}' ${bad.value} (the loss was ${L.item()})`, bad.key);
          }
        }
        const size = end - start;
        const logs: BatchLogs = { loss: L.item(), size };
        if (withAccuracy) logs.accuracy = accuracy(yhat, yb);
        seen += size;
        lossSum += logs.loss * size;
        correct += (logs.accuracy ?? 0) * size;
        bar?.update(b + 1, running(lossSum, correct, seen, withAccuracy));
        if (callbacks.onBatchEnd?.(b, logs, control) === false) control.stop = true;
      }
      const logs: EpochLogs = running(lossSum, correct, seen, withAccuracy);
      history.loss.push(logs.loss);
      if (withAccuracy) history.accuracy!.push(logs.accuracy!);
      if (options.validation) {
        const v = evaluate(model, options.validation, { loss, metrics, batchSize });
        logs.valLoss = v.loss;
        history.valLoss!.push(v.loss);
        if (withAccuracy) {
          logs.valAccuracy = v.accuracy;
          history.valAccuracy!.push(v.accuracy!);
        }
      }
      bar?.finish(logs);
      if (callbacks.onEpochEnd?.(epoch, logs, control) === false) control.stop = true;
    }
  } finally {
    model.train(wasTraining);
  }
  return history;
}

const running = (lossSum: number, correct: number, seen: number, withAccuracy: boolean): EpochLogs =>
  withAccuracy ? { loss: lossSum / seen, accuracy: correct / seen } : { loss: lossSum / seen };

function bindOptimizer(model: Module, optimizer: Optimizer<any> | Optim<any>): Optimizer<any> {
  if (optimizer instanceof Optimizer) {
    if (optimizer.model !== model) throw new TapegradError('fit', 'the optimizer is bound to a different model than the one being trained', 'optimizer');
    return optimizer;
  }
  if (optimizer !== null && typeof optimizer === 'object' && typeof optimizer.init === 'function' && typeof optimizer.update === 'function') {
    return new Optimizer(model, optimizer);
  }
  throw new TapegradError('fit', 'expected an Optimizer (new Adam(model)) or a functional optimizer (adam())', 'optimizer');
}

/**
 * Options of `evaluate`: the loss, the metrics and the batch size of the forward passes.
 *
 * @example
 * const model = new Sequential(new Dense(2, 1, { generator: new Generator(0) }));
 * const x = tensor([[0, 1], [1, 0]]), y = tensor([[1, 0]]);
 * const { loss, accuracy } = evaluate(model, { x, y }, { loss: binaryCrossEntropy, metrics: ['accuracy'], batchSize: 1 });
 */
export interface EvaluateOptions {
  /** The loss (yhat, y) → scalar Tensor, averaged over the batches weighted by their sizes. */
  loss: LossFn;
  /** Metrics to compute beside the loss (`['accuracy']`); default none. */
  metrics?: readonly MetricName[];
  /** Examples per forward pass (default: all at once). */
  batchSize?: number;
}

/**
 * The loss (and metrics) of `model` on `data`, in eval mode and without recording. With a batch size,
 * the batches' values are averaged weighted by their sizes, which equals the full-batch value for a
 * mean-reduced loss. Non-finite results are reported as they are, not hidden: one batch with a NaN loss
 * makes `loss` NaN (an overflow makes it Infinity), and an example whose prediction holds NaN counts as
 * misclassified in `accuracy`. Unlike `fit`, evaluating never throws for them: it changes nothing.
 *
 * @example
 * const { loss, accuracy } = evaluate(model, { x: xTest, y: yTest }, { loss: softmaxCrossEntropy, metrics: ['accuracy'] });
 */
export function evaluate(model: Module, data: Examples, options: EvaluateOptions): { loss: number; accuracy?: number } {
  const op = 'evaluate';
  checkModel(op, model);
  options = checkOptions(op, options);
  if (typeof options.loss !== 'function') throw new TapegradError(op, `loss must be a function (yhat, y) → scalar Tensor, got ${describeValue(options.loss)}`, 'loss');
  const m = checkExamples(op, data, 'data');
  if (m === 0) throw new ShapeError(op, `no examples to evaluate: x has shape ${fmtShape(data.x.shape)}`, 'data');
  const batchSize = checkBatchSize(op, options.batchSize, m);
  const withAccuracy = (options.metrics ?? []).includes('accuracy');
  return inEvalMode(model, () => {
    let lossSum = 0, correct = 0;
    for (let start = 0; start < m; start += batchSize) {
      const end = Math.min(m, start + batchSize);
      const xb = columns(data.x, start, end), yb = columns(data.y, start, end);
      const yhat = model.forward(xb);
      lossSum += scalarLoss(op, options.loss(yhat, yb)).item() * (end - start);
      if (withAccuracy) correct += accuracy(yhat, yb) * (end - start);
    }
    return withAccuracy ? { loss: lossSum / m, accuracy: correct / m } : { loss: lossSum / m };
  });
}

/**
 * The model's outputs for `x` ([features, m] → [outputs, m]), in eval mode and without recording,
 * computed `batchSize` columns at a time (default: all at once).
 *
 * @example
 * const probs = predict(model, xTest);      // [10, m]
 * const labels = probs.argmax(0);           // [m]
 */
export function predict(model: Module, x: Tensor, options: { batchSize?: number } = {}): Tensor {
  checkModel('predict', model);
  options = checkOptions('predict', options);
  expectTensor('predict', x, 'x', 'a tensor with the examples on its last axis');
  if (x.ndim === 0) throw new TapegradError('predict', 'expected a tensor with the examples on its last axis, got a 0-d tensor', 'x');
  const m = examplesOf(x);
  const batchSize = checkBatchSize('predict', options.batchSize, m);
  return inEvalMode(model, () => {
    if (batchSize >= m) return model.forward(x);
    const outs: Tensor[] = [];
    for (let start = 0; start < m; start += batchSize) outs.push(model.forward(columns(x, start, Math.min(m, start + batchSize))));
    return concat(outs, outs[0].ndim - 1);
  });
}
