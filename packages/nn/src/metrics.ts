import { ShapeError, TapegradError, Tensor, expectTensor, fmtShape, isForeignTensor } from '@tapegrad/core';

/**
 * Metrics in the notes' layout (one example per column). They are plain numbers computed from the
 * values, never recorded on a tape.
 */

/** Targets a metric accepts: a tensor, or class indices as a plain array / Int32Array. */
export type MetricTarget = Tensor | ArrayLike<number>;

/** The names `fit` and `evaluate` accept in `metrics`. */
export type MetricName = 'accuracy';

/**
 * Options of `accuracy` (used only for a single output row, binary classification).
 *
 * @example
 * const Z = tensor([[2.1, -0.3, 0.4]]); // logits, [1, m]
 * accuracy(Z, tensor([[1, 0, 0]]), { threshold: 0 }); // 0.6667  (the third example is wrong)
 */
export interface AccuracyOptions {
  /** For a single output row: the cut between class 0 and class 1 (0.5 for probabilities; use 0 for logits). */
  threshold?: number;
}

/**
 * The index of the largest value in column j of a row-major [K, m] array (the first one on ties), or
 * -1 when the column holds a NaN: such a column predicts no class (rather than class 0 by accident).
 */
function argmaxColumn(data: ArrayLike<number>, K: number, m: number, j: number): number {
  let best = 0;
  for (let k = 0; k < K; k++) {
    const v = data[k * m + j];
    if (v !== v) return -1; // NaN
    if (v > data[best * m + j]) best = k;
  }
  return best;
}

/** Class 1 at or above the threshold, class 0 below it, none (-1) for a NaN. */
const binaryClass = (v: number, threshold: number): number => (v >= threshold ? 1 : v < threshold ? 0 : -1);

/**
 * The fraction of examples (columns) classified correctly. A prediction holding NaN classifies its
 * example as no class, so it counts as wrong (a NaN model scores 0, not the share of class 0). The layout of `y` decides the task:
 *
 * - `yhat` [K, m] with K > 1 and `y` of class indices ([m], [1, m] or an array): argmax over each column;
 * - `yhat` [K, m] and one-hot `y` [K, m]: argmax of both columns;
 * - `yhat` [1, m] (or [m]) and `y` of 0/1 labels with m entries: binary, predicted 1 when yhat ≥ threshold.
 *
 * @example
 * accuracy(tensor([[0.9, 0.2], [0.1, 0.8]]), [0, 0]);         // 0.5 (class indices)
 * accuracy(tensor([[0.7, 0.4, 0.6]]), tensor([[1, 1, 1]]));    // 2/3 (binary, threshold 0.5)
 */
export function accuracy(yhat: Tensor, y: MetricTarget, options: AccuracyOptions = {}): number {
  expectTensor('accuracy', yhat, 'yhat');
  if (isForeignTensor(y)) expectTensor('accuracy', y, 'y');
  if (yhat.ndim !== 1 && yhat.ndim !== 2) throw new ShapeError('accuracy', `predictions must be [outputs, m] or [m], got shape ${fmtShape(yhat.shape)}`, 'yhat');
  const [K, m] = yhat.ndim === 1 ? [1, yhat.shape[0]] : yhat.shape;
  const labels = y instanceof Tensor ? y.data : y;
  const yShape = y instanceof Tensor ? y.shape : [labels.length];
  if (m === 0) return NaN;
  let correct = 0;
  if (K > 1 && y instanceof Tensor && y.ndim === 2 && y.shape[0] === K && y.shape[1] === m) {
    for (let j = 0; j < m; j++) {
      const predicted = argmaxColumn(yhat.data, K, m, j);
      if (predicted >= 0 && predicted === argmaxColumn(labels, K, m, j)) correct++;
    }
    return correct / m;
  }
  if (labels.length !== m || (y instanceof Tensor && y.ndim === 2 && y.shape[0] !== 1) || (y instanceof Tensor && y.ndim > 2)) {
    throw new ShapeError('accuracy', `labels of shape ${fmtShape(yShape)} do not fit predictions of shape ${fmtShape(yhat.shape)}: expected ${m} class indices ([${m}] or [1, ${m}])${K > 1 ? ` or one-hot [${K}, ${m}]` : ''}`, 'y');
  }
  for (let j = 0; j < m; j++) {
    const label = labels[j];
    if (!Number.isInteger(label) || label < 0 || label >= Math.max(K, 2)) {
      throw new TapegradError('accuracy', `label ${label} of example ${j} is not a class index in [0, ${Math.max(K, 2)})`, 'y');
    }
    const predicted = K === 1 ? binaryClass(yhat.data[j], options.threshold ?? 0.5) : argmaxColumn(yhat.data, K, m, j);
    if (predicted === label) correct++;
  }
  return correct / m;
}
