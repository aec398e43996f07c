import { ShapeError, TapegradError, Tensor, tensor } from '@tapegrad/core';
import { fmtShape } from './columns.js';

/** The standardized sets and the statistics fitted on the training set. */
export interface Standardized<T extends Tensor | undefined> {
  /** `(train - mean) / std`. */
  train: Tensor;
  /** `(test - mean) / std` with the training statistics, or undefined when no test set was given. */
  test: T;
  /** Per-feature mean of the training set, shape `[features, 1]`. */
  mean: Tensor;
  /** The per-feature divisor, shape `[features, 1]`: the standard deviation, or 1 for a constant feature. */
  std: Tensor;
}

/**
 * Standardizes each feature (each row; examples are columns) to mean 0 and standard deviation 1 over
 * the training set, and applies the same shift and scale to the test set, so no statistic of the test
 * set leaks into training. The standard deviation is the population one (divide by m), as
 * scikit-learn's `StandardScaler`. A feature that is constant on the training set (a blank pixel of
 * the digits) is only centered: its divisor is 1, not 0, so it becomes 0 rather than NaN.
 * Statistics are computed in float64; results keep each input's dtype.
 *
 * @example
 * const r = standardize(tensor([[1, 2, 3], [5, 5, 5]]), tensor([[4], [6]]));
 * r.train.toArray(); // [[-1.2247, 0, 1.2247], [0, 0, 0]]
 * r.test.toArray();  // [[2.4495], [1]]
 * r.std.toArray();   // [[0.8165], [1]]
 */
export function standardize<T extends Tensor | undefined = undefined>(train: Tensor, test?: T): Standardized<T> {
  const op = 'standardize';
  expectMatrix(op, train, 'train');
  const [n, m] = train.shape;
  if (m === 0) throw new ShapeError(op, `needs at least one training example, got shape ${fmtShape(train.shape)}`, 'train');
  if (test !== undefined) {
    expectMatrix(op, test, 'test');
    if (test.shape[0] !== n) {
      throw new ShapeError(op, `test has ${test.shape[0]} features (shape ${fmtShape(test.shape)}) but train has ${n} (shape ${fmtShape(train.shape)})`, 'test');
    }
  }
  const mean = new Float64Array(n), std = new Float64Array(n);
  const d = train.data;
  for (let f = 0; f < n; f++) {
    const row = f * m;
    let sum = 0, lo = d[row], hi = d[row];
    for (let i = 0; i < m; i++) {
      const v = d[row + i];
      sum += v;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    if (lo === hi) {
      // Tested by equality, not by a small variance: a computed mean of equal values can be off in
      // the last bit, and dividing that rounding error by a ~1e-17 std would give ±1 instead of 0.
      mean[f] = lo;
      std[f] = 1;
      continue;
    }
    const mu = sum / m;
    let ss = 0; // two passes: Σ(v - μ)² does not cancel catastrophically as Σv² - mμ² can
    for (let i = 0; i < m; i++) ss += (d[row + i] - mu) ** 2;
    mean[f] = mu;
    std[f] = Math.sqrt(ss / m);
  }
  return {
    train: apply(train, mean, std),
    test: (test === undefined ? undefined : apply(test, mean, std)) as T,
    mean: tensor(mean, { shape: [n, 1], dtype: train.dtype }),
    std: tensor(std, { shape: [n, 1], dtype: train.dtype }),
  };
}

function expectMatrix(op: string, t: unknown, arg: string): asserts t is Tensor {
  if (!(t instanceof Tensor)) throw new TapegradError(op, `expected a Tensor, got ${t === null ? 'null' : typeof t}`, arg);
  if (t.ndim !== 2) throw new ShapeError(op, `expected a 2-D tensor [features, m], got shape ${fmtShape(t.shape)}`, arg);
}

function apply(x: Tensor, mean: Float64Array, std: Float64Array): Tensor {
  const [n, m] = x.shape;
  const out = new Float64Array(n * m);
  for (let f = 0; f < n; f++) {
    for (let i = 0; i < m; i++) out[f * m + i] = (x.data[f * m + i] - mean[f]) / std[f];
  }
  return tensor(out, { shape: [n, m], dtype: x.dtype });
}
