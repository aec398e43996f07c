import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Generator } from '@tapegrad/core';
import {
  Adam, AdamW, RMSprop, SGD, TrainingDiagnostics, cosineSchedule, evaluate, fit,
  type History, type LearningRate, type Module, type Optimizer, type ProgressStream,
} from '@tapegrad/nn';
import { writeFileAtomic } from '@tapegrad/nn/node';
import { diagnosticsPath, drawDiagnostics, explainFirstLayer, type Explained } from './debugging.js';
import { CNN_SIZES, digitsCnn } from './cnn.js';
import { checkGradients, formatGradientCheck, type GradientCheck, type Rebuild } from './gradients.js';
import { lossFigureSvg, terminalLossPlot } from './figures.js';
import { CNN_LR, DEFAULT_LR, type DemoOptions, type ModelChoice, type OptimizerName, type TaskName } from './options.js';
import { breastCancerTask, digitsTask, network, type Task } from './tasks.js';

/**
 * `pnpm demo`: trains the notes' network on each chosen data set with the progress bar, prints its test
 * accuracy, checks the trained network's gradients in float64, and draws the loss curves in the
 * terminal and in an SVG file. Everything is printed to `out`; the numbers are also returned.
 */

export interface RunResult {
  task: TaskName;
  network: ModelChoice;
  /** The mlp's layer sizes [inputs, ...hidden, outputs]; for the cnn, the features per example after each stage (`CNN_SIZES`). */
  sizes: number[];
  preprocessing: string;
  history: History;
  testAccuracy: number;
  testCorrect: number;
  testSize: number;
  testLoss: number;
  seconds: number;
  model: Module;
  /** What was recorded during training, with --diagnostics. */
  diagnostics: TrainingDiagnostics | null;
}

export interface DemoResult {
  runs: RunResult[];
  gradchecks: GradientCheck[];
  /** The absolute path of the SVG written. */
  svgPath: string;
  seconds: number;
  /** With --explain: the explanation and graph files of each run. */
  explained: Explained[];
  /** With --diagnostics: the SVG files of the diagnostics, one per run. */
  diagnosticsPaths: string[];
}

/** Where the demo prints: `process.stdout`, or anything with `write` (tests collect the text). */
export type DemoStream = ProgressStream;

function makeOptimizer(name: OptimizerName, model: Module, lr: LearningRate): Optimizer<any> {
  switch (name) {
    case 'adam':
      return new Adam(model, { lr });
    case 'adamw':
      return new AdamW(model, { lr });
    case 'rmsprop':
      return new RMSprop(model, { lr });
    case 'sgd':
      return new SGD(model, { lr, momentum: 0.9 });
  }
}

const percent = (v: number) => `${(100 * v).toFixed(2)}%`;

/** The model `options` ask for on `task`: how the header names it, and how to build it. */
interface Architecture {
  sizes: number[];
  /** The header's line about the network. */
  summary: string;
  build: Rebuild;
}

function architecture(task: Task, options: DemoOptions): Architecture {
  const { activation } = options;
  if (options.model === 'cnn') {
    return {
      sizes: [...CNN_SIZES],
      summary: `network cnn (conv → pool → conv → dense): ${activation} hidden layers, linear output, loss ${task.lossName}`,
      build: (o) => digitsCnn(activation, o),
    };
  }
  const sizes = task.sizes(options.hidden);
  return {
    sizes,
    summary: `network [${sizes.join(', ')}]: ${activation} hidden layers, ${task.outputActivation} output, loss ${task.lossName}`,
    build: (o) => network(sizes, activation, task.outputActivation, o),
  };
}

/**
 * The learning rate and how the training line states it. The cnn anneals its rate by a cosine to 0 over
 * the run: with a constant rate its test accuracy keeps jumping by ±0.5% from epoch to epoch.
 */
function learningRate(task: Task, options: DemoOptions): [LearningRate, string] {
  if (options.model === 'mlp') {
    const lr = options.lr ?? DEFAULT_LR[task.name][options.optimizer];
    return [lr, `lr ${lr}`];
  }
  const lr = options.lr ?? CNN_LR[options.optimizer];
  const totalSteps = options.epochs * Math.ceil(task.train.x.shape[1] / options.batchSize);
  return [cosineSchedule(lr, { totalSteps }), `lr ${lr}, cosine to 0 over ${totalSteps} steps`];
}

function train(task: Task, options: DemoOptions, out: DemoStream): RunResult {
  const arch = architecture(task, options);
  const [lr, lrText] = learningRate(task, options);
  const model = arch.build({ generator: new Generator(options.seed) });
  const line = (s = '') => out.write(`${s}\n`);
  line(`── ${task.title} ${'─'.repeat(Math.max(0, 72 - task.title.length))}`);
  line(task.description);
  line(`preprocessing: ${task.preprocessing}`);
  line(arch.summary);
  line(model.toString().replace(/^/gm, '  '));
  line(`training: ${options.optimizer} (${lrText}${options.optimizer === 'sgd' ? ', momentum 0.9' : ''}), batch ${options.batchSize}, ${options.epochs} epochs, seed ${options.seed}`);
  const diagnostics = options.diagnostics ? new TrainingDiagnostics(model) : null;
  const start = performance.now();
  const history = fit(model, task.train, {
    epochs: options.epochs,
    batchSize: options.batchSize,
    loss: task.loss,
    optimizer: makeOptimizer(options.optimizer, model, lr),
    validation: task.test,
    seed: options.seed,
    metrics: ['accuracy'],
    stream: out,
    callbacks: diagnostics ?? undefined,
  });
  const seconds = (performance.now() - start) / 1000;
  const { loss, accuracy } = evaluate(model, task.test, { loss: task.loss, metrics: ['accuracy'] });
  const testSize = task.test.x.shape[1];
  const testCorrect = Math.round(accuracy! * testSize);
  line(`${task.title}: test accuracy ${percent(accuracy!)} (${testCorrect}/${testSize} correct), test loss ${loss.toFixed(4)}, trained in ${seconds.toFixed(1)} s`);
  line();
  return {
    task: task.name, network: options.model, sizes: arch.sizes, preprocessing: task.preprocessing, history,
    testAccuracy: accuracy!, testCorrect, testSize, testLoss: loss, seconds, model, diagnostics,
  };
}

/**
 * Runs the demo with `options` (see options.ts), printing to `out`, and returns what it measured.
 *
 * @example
 * const result = runDemo({ ...DEFAULTS, epochs: 3, out: '/tmp/loss.svg' }, process.stdout);
 * result.runs[0].testAccuracy; // digits, after 3 epochs
 */
export function runDemo(options: DemoOptions, out: DemoStream): DemoResult {
  const start = performance.now();
  const svgPath = resolve(options.out);
  try {
    mkdirSync(dirname(svgPath), { recursive: true }); // before training, so a bad --out fails at once, not after it
  } catch (e) {
    throw new Error(`cannot write the loss curves to '${svgPath}': ${(e as Error).message}`);
  }
  const line = (s = '') => out.write(`${s}\n`);
  line(`tapegrad demo: ${options.model === 'cnn' ? 'a small convolutional network' : "the notes' network"}, trained by reverse-mode autodiff on a tape`);
  line();
  const tasks: Task[] = [];
  if (options.dataset !== 'breast-cancer') tasks.push(digitsTask(options.digitsPreprocessing));
  if (options.dataset !== 'digits') tasks.push(breastCancerTask());
  const runs = tasks.map((task) => train(task, options, out));

  const gradchecks: GradientCheck[] = [];
  if (options.gradcheck) {
    tasks.forEach((task, i) => {
      // the cnn's 9930 parameters would take 20k evaluations of the loss (minutes): it is checked in fast mode
      const cnn = options.model === 'cnn';
      const check = checkGradients(task, runs[i].model, architecture(task, options).build, { network: cnn ? 'cnn' : 'network', fast: cnn });
      gradchecks.push(check);
      line(formatGradientCheck(check));
      line();
    });
  }

  const curves = tasks.map((task, i) => ({ title: task.title, lossName: 'cross-entropy', history: runs[i].history }));
  for (const c of curves) {
    line(`${c.title}: train and test loss per epoch (log scale)`);
    line(terminalLossPlot(c, { color: out.isTTY === true, columns: out.columns }));
    line();
  }
  writeFileAtomic(svgPath, new TextEncoder().encode(lossFigureSvg(curves)));
  line(`loss curves (SVG): ${svgPath}`);
  line();
  const explained: Explained[] = [];
  if (options.explain) {
    tasks.forEach((task, i) => {
      const e = explainFirstLayer(task, runs[i].model, dirname(svgPath));
      explained.push(e);
      line(`${task.title}: the chain rule for the first layer's weights, on the training loss (explain)`);
      line(e.text);
      line(`graph (DOT): ${e.dotPath}`);
      line(e.svgPath !== null ? `graph (SVG): ${e.svgPath}` : `graph (SVG): not drawn, ${e.note}`);
      line();
    });
  }
  const diagnosticsPaths: string[] = [];
  runs.forEach((r, i) => {
    if (r.diagnostics === null) return;
    const path = diagnosticsPath(dirname(svgPath), tasks[i]);
    line(`${tasks[i].title}: training diagnostics`);
    line(drawDiagnostics(r.diagnostics, path, { color: out.isTTY === true, columns: out.columns }));
    line(`diagnostics (SVG): ${path}`);
    line();
    diagnosticsPaths.push(path);
  });
  runs.forEach((r, i) => line(`${tasks[i].title.padEnd(14)} test accuracy ${percent(r.testAccuracy)}  (${r.testCorrect}/${r.testSize})`));
  for (const c of gradchecks) line(`${`gradcheck (${c.task.title})`.padEnd(28)} ${c.report.ok ? 'ok' : 'FAILED'}, max abs error ${c.report.maxAbsError.toExponential(2)}`);
  const seconds = (performance.now() - start) / 1000;
  line(`done in ${seconds.toFixed(1)} s`);
  return { runs, gradchecks, svgPath, seconds, explained, diagnosticsPaths };
}
