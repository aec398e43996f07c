import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Generator, div, reshape, type DType, type Tensor } from '@tapegrad/core';
import { breastCancer, digits, standardize, trainTestSplit } from '@tapegrad/datasets';
import { Dense, Sequential, binaryCrossEntropy, softmaxCrossEntropy, type ActivationName, type Examples, type LossFn } from '@tapegrad/nn';
import type { DigitsPreprocessing, TaskName } from './options.js';

/**
 * The two classification tasks of the demo: the data (examples are columns, every fifth one held out
 * for testing, as in the reference PyTorch run), how it is preprocessed, the network's output layer and
 * its loss.
 */

/**
 * The data folder of @tapegrad/datasets, found through Node's resolution of the package: the demo's
 * build bundles the package's code into dist/cli.js, away from the folder it would find by itself.
 */
const dataDir = join(dirname(createRequire(import.meta.url).resolve('@tapegrad/datasets/package.json')), 'data');

export interface Task {
  name: TaskName;
  title: string;
  /** One line about the data: sizes and the split. */
  description: string;
  /** One line about how the inputs are preprocessed. */
  preprocessing: string;
  train: Examples;
  test: Examples;
  /** Layer sizes with the given hidden ones: [inputs, ...hidden, outputs]. */
  sizes(hidden: readonly number[] | undefined): number[];
  outputActivation: ActivationName;
  lossName: string;
  loss: LossFn;
}

/** The 8×8 digits: a [64, 32, 10] network with linear outputs (the logits) and softmax cross-entropy over the rows. */
export function digitsTask(preprocessing: DigitsPreprocessing): Task {
  const { x, y, classNames } = digits({ dataDir });
  const split = trainTestSplit(x, y, { every: 5 });
  let train: Tensor, test: Tensor, how: string;
  if (preprocessing === 'scale') {
    // Pixels are counts 0..16; dividing by 16 puts them in [0, 1] and keeps the blank border at 0.
    train = div(split.xTrain, 16);
    test = div(split.xTest, 16);
    how = 'pixels divided by 16 (integers 0..16 → [0, 1])';
  } else {
    ({ train, test } = standardize(split.xTrain, split.xTest));
    how = 'pixels standardized per pixel (training mean and standard deviation)';
  }
  return {
    name: 'digits',
    title: 'digits',
    description: `8×8 handwritten digits (UCI), ${split.xTrain.shape[1]} training and ${split.xTest.shape[1]} test images (every fifth image is a test image)`,
    preprocessing: how,
    train: { x: train, y: split.yTrain },
    test: { x: test, y: split.yTest },
    sizes: (hidden) => [x.shape[0], ...(hidden ?? [32]), classNames.length],
    outputActivation: 'linear',
    lossName: 'softmax cross-entropy (classes in rows)',
    loss: softmaxCrossEntropy,
  };
}

/** Breast cancer (Wisconsin diagnostic): a [30, 16, 1] network with the notes' sigmoid output and binary cross-entropy. */
export function breastCancerTask(): Task {
  const { x, y } = breastCancer({ dataDir });
  const split = trainTestSplit(x, y, { every: 5 });
  const { train, test } = standardize(split.xTrain, split.xTest);
  // binary targets have the output's shape [1, m]
  const row = (t: Tensor) => reshape(t, [1, t.shape[0]]);
  return {
    name: 'breast-cancer',
    title: 'breast cancer',
    description: `breast cancer (Wisconsin diagnostic, UCI), ${split.xTrain.shape[1]} training and ${split.xTest.shape[1]} test patients (every fifth is a test patient), 30 features`,
    preprocessing: 'features standardized (training mean and standard deviation)',
    train: { x: train, y: row(split.yTrain) },
    test: { x: test, y: row(split.yTest) },
    sizes: (hidden) => [x.shape[0], ...(hidden ?? [16]), 1],
    outputActivation: 'sigmoid',
    lossName: 'binary cross-entropy of the sigmoid output',
    loss: binaryCrossEntropy,
  };
}

/**
 * The notes' fully connected network: Dense layers with `hidden` activations and the task's output
 * activation, weights drawn from `generator`.
 */
export function network(sizes: readonly number[], hidden: ActivationName, output: ActivationName, options: { dtype?: DType; generator?: Generator } = {}): Sequential {
  const last = sizes.length - 2;
  return new Sequential(
    ...sizes.slice(1).map((n, l) => new Dense(sizes[l], n, { activation: l === last ? output : hidden, dtype: options.dtype, generator: options.generator })),
  );
}
