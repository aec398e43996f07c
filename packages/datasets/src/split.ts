import { Generator, TapegradError, type Tensor } from '@tapegrad/core';
import { checkSeed, exampleCount, expectExamples, takeColumns } from './columns.js';

/**
 * Options of `trainTestSplit`: a shuffled split (`testFraction`, `seed`) or a deterministic one (`every`).
 *
 * @example
 * const x = arange(10).reshape([1, 10]), y = arange(10);
 * trainTestSplit(x, y, { testFraction: 0.3, seed: 1 }).xTest.shape; // [1, 3]
 * trainTestSplit(x, y, { every: 5 }).yTest; // [0, 5]
 */
export interface SplitOptions {
  /** The share of examples held out for testing, in (0, 1); default 0.2. The test set has ⌈fraction·m⌉ examples. */
  testFraction?: number;
  /** Seed of the shuffle; default 0, so a split is reproducible unless asked otherwise. */
  seed?: number;
  /**
   * Deterministic split instead of a shuffle: example `i` goes to the test set when `i % every === 0`
   * (NumPy's `x[::every]`, so examples 0, every, 2·every, …). `every: 5` is the "every fifth row as the
   * test set" setup of the reference PyTorch run. Cannot be combined with `testFraction` or `seed`.
   */
  every?: number;
}

/** Both halves of a split, with the original column indices each one took. */
export interface Split {
  xTrain: Tensor;
  yTrain: Tensor;
  xTest: Tensor;
  yTest: Tensor;
  trainIndices: Int32Array;
  testIndices: Int32Array;
}

/**
 * Splits examples (columns of x, the last axis of y) into a training and a test set.
 *
 * With a seed (the default, 0), examples are shuffled by `new Generator(seed).permutation(m)` and the
 * first ⌈testFraction·m⌉ of that order form the test set, as scikit-learn's `ShuffleSplit` does; both
 * halves keep the shuffled order. With `every`, nothing is random and both halves keep the file order.
 *
 * @example
 * const { x, y } = digits();
 * const { xTrain, xTest } = trainTestSplit(x, y, { every: 5 });
 * xTest.shape;   // [64, 360]  (examples 0, 5, 10, …, 1795)
 * xTrain.shape;  // [64, 1437]
 *
 * @example
 * const s = trainTestSplit(x, y, { testFraction: 0.25, seed: 1 }); // 450 test examples
 */
export function trainTestSplit(x: Tensor, y: Tensor, options: SplitOptions = {}): Split {
  const op = 'trainTestSplit';
  expectExamples(op, x, 'x');
  expectExamples(op, y, 'y');
  const m = exampleCount(op, x, y);
  if (m < 2) throw new TapegradError(op, `need at least 2 examples to split, got ${m}`, 'x');
  let test: Int32Array, train: Int32Array;
  if (options.every !== undefined) {
    const every = options.every;
    if (options.testFraction !== undefined || options.seed !== undefined) {
      throw new TapegradError(op, '`every` picks the test set deterministically; do not combine it with testFraction or seed', 'every');
    }
    if (!Number.isInteger(every) || every < 2) throw new TapegradError(op, `every must be an integer ≥ 2, got ${every}`, 'every');
    const nTest = Math.ceil(m / every); // the i in 0..m-1 with i % every === 0
    test = new Int32Array(nTest);
    train = new Int32Array(m - nTest);
    for (let i = 0, t = 0, r = 0; i < m; i++) {
      if (i % every === 0) test[t++] = i;
      else train[r++] = i;
    }
  } else {
    const fraction = options.testFraction ?? 0.2;
    if (typeof fraction !== 'number' || !(fraction > 0 && fraction < 1)) {
      throw new TapegradError(op, `testFraction must be in (0, 1), got ${fraction}`, 'testFraction');
    }
    const nTest = Math.ceil(fraction * m);
    if (nTest >= m) throw new TapegradError(op, `testFraction ${fraction} of ${m} examples leaves no training examples`, 'testFraction');
    const order = new Generator(checkSeed(op, options.seed ?? 0)).permutation(m);
    test = order.slice(0, nTest);
    train = order.slice(nTest);
  }
  return {
    xTrain: takeColumns(x, train),
    yTrain: takeColumns(y, train),
    xTest: takeColumns(x, test),
    yTest: takeColumns(y, test),
    trainIndices: train,
    testIndices: test,
  };
}
