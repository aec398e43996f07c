import { Generator, TapegradError, type Tensor } from '@tapegrad/core';
import { checkSeed, exampleCount, expectExamples, takeColumns } from './columns.js';

/** One mini-batch: columns `indices` of x and of y. */
export interface Batch {
  x: Tensor;
  y: Tensor;
  /** The batch's example (column) indices in the full x and y. */
  indices: Int32Array;
}

/**
 * Options of `batches`: the batch size and how (whether) to shuffle.
 *
 * @example
 * const x = tensor([[0, 1, 2, 3, 4]]), y = tensor([0, 1, 0, 1, 0]);
 * const b = batches(x, y, { batchSize: 2, shuffle: true, seed: 0 }); // or { generator: new Generator(0) }
 * b.length; // 3
 */
export interface BatchOptions {
  /** Examples per batch, a positive integer; the last batch holds the remainder. */
  batchSize: number;
  /** Visit examples in a random order; default true when a seed or generator is given, else false. */
  shuffle?: boolean;
  /** Seed of the shuffle (a new `Generator(seed)`, made once per `batches` call). */
  seed?: number;
  /** The stream to shuffle with, instead of a seed. */
  generator?: Generator;
}

/** Mini-batches that can be iterated once per epoch; `length` is the number of batches per pass. */
export interface Batches extends Iterable<Batch> {
  readonly length: number;
}

/**
 * Splits the examples (columns of x, the last axis of y) into mini-batches of `batchSize`; the last
 * batch is smaller when `batchSize` does not divide m. y may be class indices `[m]` or one-hot `[K, m]`.
 *
 * When shuffling, each pass over the result (each epoch) draws a new order from the generator, so
 * epochs differ from one another while a whole run is reproducible from its seed.
 *
 * @example
 * const x = tensor([[0, 1, 2, 3, 4]]), y = tensor([0, 1, 0, 1, 0]);
 * const b = batches(x, y, { batchSize: 2 });
 * b.length;                                        // 3
 * [...b].map((batch) => batch.x.toArray());       // [[[0, 1]], [[2, 3]], [[4]]]
 *
 * @example
 * const train = batches(xTrain, yTrain, { batchSize: 64, seed: 0 });
 * for (let epoch = 0; epoch < 100; epoch++) {
 *   for (const { x, y } of train) { ... } // a fresh shuffle each epoch
 * }
 */
export function batches(x: Tensor, y: Tensor, options: BatchOptions): Batches {
  const op = 'batches';
  expectExamples(op, x, 'x');
  expectExamples(op, y, 'y');
  const m = exampleCount(op, x, y);
  const { batchSize, seed, generator } = options ?? ({} as BatchOptions);
  if (typeof batchSize !== 'number' || !Number.isInteger(batchSize) || batchSize < 1) {
    throw new TapegradError(op, `batchSize must be a positive integer, got ${String(batchSize)}`, 'batchSize');
  }
  if (seed !== undefined && generator !== undefined) {
    throw new TapegradError(op, 'give either seed or generator, not both', 'seed');
  }
  if (generator !== undefined && !(generator instanceof Generator)) {
    throw new TapegradError(op, 'expected a Generator from @tapegrad/core', 'generator');
  }
  const shuffle = options.shuffle ?? (seed !== undefined || generator !== undefined);
  const g = shuffle ? (generator ?? new Generator(checkSeed(op, seed ?? 0))) : undefined;
  return {
    length: Math.ceil(m / batchSize),
    *[Symbol.iterator]() {
      const order = g ? g.permutation(m) : Int32Array.from({ length: m }, (_, i) => i);
      for (let start = 0; start < m; start += batchSize) {
        const indices = order.slice(start, start + batchSize);
        yield { x: takeColumns(x, indices), y: takeColumns(y, indices), indices };
      }
    },
  };
}
