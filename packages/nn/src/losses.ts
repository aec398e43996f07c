import {
  Tensor, ShapeError, TapegradError, tensor, fmtShape, sameShape, abs, exp, log, lt, maximum, mul, neg, sub, sum, mean, where, softmaxCrossEntropyWithLogits, expectTensor, isForeignTensor,
  type NestedArray,
} from '@tapegrad/core';

/**
 * Losses in the notes' layout: predictions are [outputs, m] with one example per column.
 *
 * Reductions, as in PyTorch: mse and binaryCrossEntropy are elementwise, so 'mean' averages over all
 * elements, which for the notes' single output unit is the mean over the m examples,
 * J = (1/m) Σ_j ℓ(a_j, y_j); 'sum' adds them; 'none' returns the elementwise losses. softmaxCrossEntropy
 * has one loss per example (column): 'mean' is (1/m) Σ_j, 'sum' is Σ_j, 'none' gives the [m] losses.
 * Because the 1/m sits in the loss, the tape's dW is the notes' (1/m) dZ·A[l−1]ᵀ.
 */
export type Reduction = 'mean' | 'sum' | 'none';

/**
 * Options every loss takes: how the per-element (or per-example) losses are reduced.
 *
 * @example
 * mse(tensor([[1, 2, 3]]), tensor([[0, 2, 5]]), { reduction: 'none' }); // [[1, 0, 4]]
 */
export interface LossOptions {
  /** 'mean' (default), 'sum' or 'none'. */
  reduction?: Reduction;
}

/** Targets: a tensor, or nested arrays (made a tensor of the prediction's dtype). */
export type Target = Tensor | NestedArray;

function reduce(op: string, losses: Tensor, reduction: Reduction | undefined): Tensor {
  const r = reduction ?? 'mean';
  if (r === 'mean') return mean(losses);
  if (r === 'sum') return sum(losses);
  if (r === 'none') return losses;
  throw new TapegradError(op, `reduction must be 'mean', 'sum' or 'none', got ${JSON.stringify(r)}`, 'reduction');
}

/** y as a tensor of yhat's dtype and exactly yhat's shape (no broadcasting: [m] against [1, m] is a bug). */
function target(op: string, yhat: Tensor, y: Target, predArg = 'yhat'): Tensor {
  const t = y instanceof Tensor || isForeignTensor(y) ? expectTensor(op, y, 'y') : tensor(y, { dtype: yhat.dtype });
  if (!sameShape(t.shape, yhat.shape)) {
    throw new ShapeError(op, `y has shape ${fmtShape(t.shape)} but ${predArg} has shape ${fmtShape(yhat.shape)}; they must be equal ([outputs, m], one example per column)`, 'y');
  }
  return t.dtype === yhat.dtype ? t : t.astype(yhat.dtype);
}

/**
 * Mean squared error, (ŷ − y)² averaged over all elements ('mean', as PyTorch's MSELoss), summed
 * ('sum'), or elementwise ('none').
 *
 * @example
 * mse(tensor([[1, 2, 3]]), tensor([[0, 2, 5]])).item();                      // (1 + 0 + 4) / 3
 * mse(tensor([[1, 2, 3]]), tensor([[0, 2, 5]]), { reduction: 'sum' }).item(); // 5
 */
export function mse(yhat: Tensor, y: Target, options: LossOptions = {}): Tensor {
  const p = expectTensor('mse', yhat, 'yhat');
  const d = sub(p, target('mse', p, y));
  return reduce('mse', mul(d, d), options.reduction);
}

/**
 * Options of `binaryCrossEntropy`: a reduction, and whether the predictions are logits. With
 * `fromLogits` it is PyTorch's `BCEWithLogitsLoss`, otherwise its `BCELoss` (log terms floored at −100).
 *
 * @example
 * const Z = tensor([[0, 0]]); // logits of 2 examples, [1, m]
 * binaryCrossEntropy(Z, tensor([[1, 0]]), { fromLogits: true, reduction: 'sum' }); // 1.3863  (2 log 2)
 */
export interface BinaryCrossEntropyOptions extends LossOptions {
  /** yhat holds logits z (before the sigmoid) rather than probabilities: stable for any z (default false). */
  fromLogits?: boolean;
}

/** e^(−100): with probabilities floored here, each log term is at least −100, as in PyTorch. */
const FLOOR = Math.exp(-100);

/**
 * log(max(a, e^−100)), with no gradient where a is below the floor. Written with `where` on both sides
 * (JAX's "double where") rather than `log(maximum(a, FLOOR))`: there the log's derivative 1/FLOOR =
 * e^100 overflows float32 to ∞, and the zero mask of `maximum` turns ∞·0 into NaN. Here the log only
 * ever sees a at or above the floor (or 1), so a saturated probability gets exactly 0 in both dtypes.
 */
function flooredLog(a: Tensor): Tensor {
  const below = lt(a, FLOOR); // false for NaN, which goes on through the log: a NaN prediction stays NaN
  return where(below, -100, log(where(below, 1, a)));
}

/**
 * Binary cross-entropy, ℓ = −[y log a + (1 − y) log(1 − a)] elementwise, for the notes' sigmoid output
 * a = σ(z); its derivative is the notes' dA = −y/a + (1 − y)/(1 − a). y may be any value in [0, 1].
 *
 * Probabilities are floored at e^(−100) inside the logs (so each log term is ≥ −100, as PyTorch's
 * BCELoss); a saturated probability (one that rounds to 0 or 1) then gets no gradient, 0, in float32
 * as in float64 (grad of the loss of σ(20) against 0 is 0 in float32, as in PyTorch). PyTorch differs at
 * the boundary itself: its BCELoss backward is (a − y) / max(a(1 − a), 1e-12), so a = 0 with y = 1
 * gets −1e12 there (0 here: the term is floored), and a = 0 with y = 0 gets 0 there (1 here, the slope
 * of the unfloored term −log(1 − a)). In float32 the derivative −y/a of a probability just above the
 * floor (a < 3e-39) is beyond float32's range, so it is −Infinity here (−1e12 in PyTorch). Prefer
 * `fromLogits: true`, which has none of these edges. With `fromLogits: true`, yhat holds z and the
 * loss is computed as softplus(z) − y·z with softplus(z) = max(z, 0) + log(1 + e^(−|z|)), which is finite
 * for any z, and whose gradient is exactly σ(z) − y (at z = 0 too: max splits its tie evenly, giving ½).
 *
 * @example
 * binaryCrossEntropy(tensor([[0.8]]), tensor([[1]])).item();                      // −log 0.8
 * binaryCrossEntropy(tensor([[1000]]), tensor([[0]]), { fromLogits: true }).item(); // 1000
 */
export function binaryCrossEntropy(yhat: Tensor, y: Target, options: BinaryCrossEntropyOptions = {}): Tensor {
  const op = 'binaryCrossEntropy';
  const p = expectTensor(op, yhat, 'yhat');
  const t = target(op, p, y);
  let losses: Tensor;
  if (options.fromLogits) {
    // −[y log σ(z) + (1−y) log σ(−z)] = softplus(z) − y z, using softplus(−z) = softplus(z) − z
    const softplus = maximum(p, 0).add(log(exp(neg(abs(p))).add(1)));
    losses = sub(softplus, mul(t, p));
  } else {
    const logA = flooredLog(p);
    const log1mA = flooredLog(sub(1, p));
    losses = neg(mul(t, logA).add(mul(sub(1, t), log1mA)));
  }
  return reduce(op, losses, options.reduction);
}

/** Labels for softmaxCrossEntropy: one-hot (or soft) [K, m], or class indices as [m] / [1, m]. */
export type Labels = Tensor | NestedArray | Int32Array;

/**
 * Softmax cross-entropy with classes in ROWS: logits are [K, m] (one example per column), and the loss of
 * example j is ℓ_j = −Σ_k y_kj log softmax(z_j)_k = logsumexp(z_j) − z_{y_j, j}, computed with a stable
 * log-softmax. Labels are one-hot (or any distributions) of shape [K, m], or class indices as a [m] or
 * [1, m] tensor or array (made one-hot). One fused op of core (softmaxCrossEntropyWithLogits) computes the
 * losses, and one more their gradient with respect to the logits, (softmax(Z) − Y)/m for 'mean'.
 *
 * @example
 * const Z = tensor([[1, 0], [2, 0], [3, 0]]);            // 3 classes, 2 examples
 * softmaxCrossEntropy(Z, [2, 0]).item();                 // mean of log(e¹+e²+e³) − 3 and log 3
 * softmaxCrossEntropy(Z, tensor([[0, 1], [0, 0], [1, 0]])).item(); // the same, one-hot
 */
export function softmaxCrossEntropy(logits: Tensor, y: Labels, options: LossOptions = {}): Tensor {
  const op = 'softmaxCrossEntropy';
  const z = expectTensor(op, logits, 'logits');
  if (z.ndim !== 2) throw new ShapeError(op, `logits must be [K, m] (classes in rows, one example per column), got shape ${fmtShape(z.shape)}`, 'logits');
  const [K, m] = z.shape;
  const labels = y instanceof Tensor || isForeignTensor(y) ? expectTensor(op, y, 'y') : y instanceof Int32Array ? y : tensor(y, { dtype: 'float64' });
  const shape = labels instanceof Int32Array ? [labels.length] : labels.shape;
  let Y: Tensor;
  if (shape.length === 2 && shape[0] === K && shape[1] === m) {
    Y = target(op, z, labels as Tensor, 'logits');
  } else if ((shape.length === 1 && shape[0] === m) || (shape.length === 2 && shape[0] === 1 && shape[1] === m)) {
    // class indices → one-hot columns (a fresh array, wrapped as it is)
    const idx = labels instanceof Int32Array ? labels : labels.data;
    const oneHot = z.dtype === 'float64' ? new Float64Array(K * m) : new Float32Array(K * m);
    for (let j = 0; j < m; j++) {
      const c = idx[j];
      if (!Number.isInteger(c) || c < 0 || c >= K) {
        throw new TapegradError(op, `label of example ${j} is ${c}, expected a class index in 0..${K - 1} (logits have ${K} classes)`, 'y');
      }
      oneHot[c * m + j] = 1;
    }
    Y = new Tensor(oneHot, [K, m]);
  } else {
    throw new ShapeError(
      op,
      `y has shape ${fmtShape(shape)} but logits have shape ${fmtShape(z.shape)}; expected one-hot labels ${fmtShape(z.shape)} or class indices [${m}] or [1, ${m}]`,
      'y',
    );
  }
  const losses = softmaxCrossEntropyWithLogits(z, Y, 0);
  return reduce(op, losses, options.reduction);
}
