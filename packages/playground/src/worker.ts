/**
 * The training worker: fetches the digits, trains the notes' network on them (posting each epoch's
 * losses and test accuracy), then gradchecks it, records the tape of one forward pass, and answers
 * predictions for drawn digits. Off the page's thread, so the page stays responsive while it trains.
 */
import { Generator, astype, backend, div, gradcheck, slice, softmax, tapeOf, tensor, type Tensor } from '@tapegrad/core';
import { parseDigits, trainTestSplit } from '@tapegrad/datasets';
import { Adam, Dense, Sequential, fit, functionalCall, predict, softmaxCrossEntropy, type Module } from '@tapegrad/nn';
import type { FromWorker, GradcheckSummary, TapeRow, ToWorker } from './protocol.js';

const post = (message: FromWorker) => (self as unknown as Worker).postMessage(message);
const fmt = (t: Tensor) => `${t.dtype} [${t.shape.join(', ')}]`;

/** The package's digits file, served next to this script, decompressed by the browser. */
async function loadDigits() {
  const response = await fetch(new URL('data/digits.csv.gz', self.location.href));
  if (!response.ok || response.body === null) throw new Error(`fetching the digits failed: HTTP ${response.status}`);
  return parseDigits(await new Response(response.body.pipeThrough(new DecompressionStream('gzip'))).text());
}

/** The notes' network [64, 32, 10]: a sigmoid hidden layer, linear outputs (the logits). */
const network = (dtype: 'float32' | 'float64', generator: Generator) =>
  new Sequential(new Dense(64, 32, { activation: 'sigmoid', generator, dtype }), new Dense(32, 10, { activation: 'linear', generator, dtype }));

/** The first k examples (columns). */
const firstColumns = (t: Tensor, k: number) => slice(t, new Array(t.ndim).fill(0), [...new Array(t.ndim - 1).fill(null), k]);

/** The loss on 16 test images as a function of every parameter, in float64: tape vs central differences. */
function check(model: Module, x: Tensor, y: Tensor): GradcheckSummary {
  const model64 = network('float64', new Generator(0));
  model64.setParameters(model.parameters());
  const names = model64.parameters().keySeq().toArray();
  const x16 = astype(firstColumns(x, 16), 'float64');
  const y16 = firstColumns(y, 16);
  const loss = (...ps: Tensor[]) => softmaxCrossEntropy(functionalCall(model64, names.map((n, i) => [n, ps[i]] as const), x16), y16);
  const start = performance.now();
  const report = gradcheck(loss, model64.parameters().valueSeq().toArray());
  return {
    ok: report.ok, maxAbsError: report.maxAbsError, maxRelError: report.maxRelError, mode: report.mode,
    parameters: model64.numParameters(), examples: 16, seconds: (performance.now() - start) / 1000,
  };
}

/** The tape of one forward pass and its loss, on one test image. */
function tapeRows(model: Module, x: Tensor, y: Tensor): TapeRow[] {
  const [x1, y1] = [firstColumns(x, 1), firstColumns(y, 1)];
  const names = new Map<Tensor, string>([[x1, 'x'], [y1, 'y']]);
  for (const [name, p] of model.parameters()) names.set(p, name);
  const loss = softmaxCrossEntropy(model.forward(x1), y1);
  const entries = tapeOf(loss).toArray();
  const ids = new Map(entries.map((e) => [e.output, `#${e.id}`]));
  const label = (t: Tensor) => names.get(t) ?? ids.get(t) ?? fmt(t);
  return entries.map((e) => ({ id: e.id, op: e.op, inputs: e.inputs.map(label), output: fmt(e.output) }));
}

let model: Module | null = null;

async function train(epochs: number) {
  const { x, y } = await loadDigits();
  const { xTrain, yTrain, xTest, yTest } = trainTestSplit(x, y, { every: 5 });
  // pixels are counts 0..16: dividing by 16 puts them in [0, 1], as a drawing on the grid is too
  const [train, test] = [div(xTrain, 16), div(xTest, 16)];
  post({ type: 'loaded', train: xTrain.shape[1], test: xTest.shape[1], backend: backend() });
  const net = network('float32', new Generator(0));
  let last = performance.now();
  const history = fit(net, { x: train, y: yTrain }, {
    epochs, batchSize: 64, loss: softmaxCrossEntropy, optimizer: new Adam(net, { lr: 0.01 }),
    metrics: ['accuracy'], validation: { x: test, y: yTest }, verbose: 0,
    callbacks: {
      onEpochEnd(epoch, logs) {
        const now = performance.now();
        post({ type: 'epoch', epoch: epoch + 1, epochs, loss: logs.loss, valLoss: logs.valLoss!, valAccuracy: logs.valAccuracy!, ms: now - last });
        last = now;
      },
    },
  });
  model = net;
  const labels = Array.from(yTest.data);
  const samples = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((d) => labels.indexOf(d)).map((i) => ({
    pixels: Array.from({ length: 64 }, (_, p) => xTest.data[p * xTest.shape[1] + i]),
    label: labels[i],
  }));
  post({ type: 'trained', accuracy: history.valAccuracy!.at(-1)!, gradcheck: check(net, test, yTest), tape: tapeRows(net, test, yTest), samples });
}

self.onmessage = (e: MessageEvent<ToWorker>) => {
  const msg = e.data;
  try {
    if (msg.type === 'train') {
      train(msg.epochs).catch((err: Error) => post({ type: 'error', message: err.message }));
    } else if (msg.type === 'predict' && model !== null) {
      const x = div(tensor(msg.pixels.map((v) => [v])), 16); // [64, 1]
      post({ type: 'prediction', id: msg.id, probabilities: Array.from(softmax(predict(model, x), 0).data) });
    }
  } catch (err) {
    post({ type: 'error', message: (err as Error).message });
  }
};
