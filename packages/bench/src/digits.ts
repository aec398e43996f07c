/**
 * W4's data and its float64 reference: the demo's digits training, [64, 32, 10] with a sigmoid hidden
 * layer and softmax cross-entropy, Adam (lr 0.01), batch 64, every fifth example as the test set.
 * Every library gets the same pixels (scaled to [0, 1]), the same initial weights (PyTorch's default
 * for a linear layer, U(±1/√n_in) for W and b, from the bench's seeded generator) and the same batches:
 * the order `fit` in @tapegrad/nn uses, one `Generator(seed).permutation(m)` of the training set per epoch.
 */
import { Generator } from '@tapegrad/core';
import { digits } from '@tapegrad/datasets';
import { stream } from './data.js';

export const DIGITS_SIZES = [64, 32, 10] as const;
export const DIGITS_LR = 0.01;
export const DIGITS_BATCH = 64;
/** The seed of the batch order (fit's `seed` option). */
export const DIGITS_SHUFFLE_SEED = 1;

export interface DigitsData {
  sizes: readonly number[];
  lr: number;
  batch: number;
  /** [64, mTrain] and [64, mTest] row-major, pixels / 16. */
  xTrain: Float32Array;
  xTest: Float32Array;
  yTrain: Int32Array;
  yTest: Int32Array;
  mTrain: number;
  mTest: number;
  /** Initial W[l] ([n_l, n_{l-1}]) and b[l] ([n_l, 1]). */
  W: Float32Array[];
  b: Float32Array[];
}

/** Columns `idx` of a row-major [rows, m] matrix. */
function takeColumns(x: ArrayLike<number>, rows: number, m: number, idx: ArrayLike<number>): Float32Array {
  const out = new Float32Array(rows * idx.length);
  for (let r = 0; r < rows; r++) for (let j = 0; j < idx.length; j++) out[r * idx.length + j] = x[r * m + idx[j]];
  return out;
}

export function digitsData(): DigitsData {
  const { x, y } = digits();
  const [n0, m] = x.shape;
  const test: number[] = [], train: number[] = [];
  for (let i = 0; i < m; i++) (i % 5 === 0 ? test : train).push(i);
  const pixels = Float32Array.from(x.data, (v) => v / 16);
  const labels = Int32Array.from(y.data);
  const g = stream('W4 digits init');
  const W: Float32Array[] = [], b: Float32Array[] = [];
  for (let l = 1; l < DIGITS_SIZES.length; l++) {
    const r = 1 / Math.sqrt(DIGITS_SIZES[l - 1]);
    W.push(g.floats(DIGITS_SIZES[l] * DIGITS_SIZES[l - 1], -r, r));
    b.push(g.floats(DIGITS_SIZES[l], -r, r));
  }
  return {
    sizes: DIGITS_SIZES, lr: DIGITS_LR, batch: DIGITS_BATCH,
    xTrain: takeColumns(pixels, n0, m, train), xTest: takeColumns(pixels, n0, m, test),
    yTrain: Int32Array.from(train, (i) => labels[i]), yTest: Int32Array.from(test, (i) => labels[i]),
    mTrain: train.length, mTest: test.length, W, b,
  };
}

export interface Batch {
  /** [64, size] pixels and [10, size] one-hot labels, row-major. */
  x: Float32Array;
  y: Float32Array;
  labels: Int32Array;
  size: number;
}

/** The batches of every epoch, in fit's order; `epochBatches(e)` must be called for e = 0, 1, 2, … in turn. */
export function batchOrder(d: DigitsData): (epoch: number) => Batch[] {
  const g = new Generator(DIGITS_SHUFFLE_SEED);
  const n0 = d.sizes[0], K = d.sizes[d.sizes.length - 1];
  let next = 0;
  return (epoch: number) => {
    if (epoch !== next++) throw new Error(`batchOrder: epoch ${epoch} asked out of turn`);
    const perm = g.permutation(d.mTrain);
    const out: Batch[] = [];
    for (let start = 0; start < d.mTrain; start += d.batch) {
      const idx = perm.subarray(start, Math.min(d.mTrain, start + d.batch));
      const labels = Int32Array.from(idx, (i) => d.yTrain[i]);
      const y = new Float32Array(K * idx.length);
      labels.forEach((c, j) => (y[c * idx.length + j] = 1));
      out.push({ x: takeColumns(d.xTrain, n0, d.mTrain, idx), y, labels, size: idx.length });
    }
    return out;
  };
}

/** The training set's order in each of `epochs` epochs, as batchOrder draws it: [epochs, mTrain]. */
export function epochPermutations(d: DigitsData, epochs: number): Int32Array {
  const g = new Generator(DIGITS_SHUFFLE_SEED);
  const out = new Int32Array(epochs * d.mTrain);
  for (let e = 0; e < epochs; e++) out.set(g.permutation(d.mTrain), e * d.mTrain);
  return out;
}

/** The share of columns of logits [K, m] whose largest entry is the label's row. */
export function accuracyOf(logits: ArrayLike<number>, labels: Int32Array, K: number): number {
  const m = labels.length;
  let correct = 0;
  for (let j = 0; j < m; j++) {
    let best = 0;
    for (let k = 1; k < K; k++) if (logits[k * m + j] > logits[best * m + j]) best = k;
    if (best === labels[j]) correct++;
  }
  return correct / m;
}

/** What a W4 run reports: the test accuracy, and the losses of the first two batches (before and after
 * the first Adam step), which show every library starts alike and takes the same first step. */
export interface DigitsOutcome {
  accuracy: number;
  losses: [number, number];
}

/**
 * The same training in float64 by hand: forward, (softmax − Y)/m backward through the sigmoid layer,
 * and Adam (β₁ 0.9, β₂ 0.999, ε 1e-8 outside the root, bias-corrected). Returns the test accuracy.
 */
export function digitsReference(d: DigitsData, epochs: number): DigitsOutcome {
  const [n0, n1, n2] = d.sizes;
  const W = d.W.map((w) => Float64Array.from(w)), b = d.b.map((v) => Float64Array.from(v));
  const params = [W[0], b[0], W[1], b[1]];
  const mom = params.map((p) => new Float64Array(p.length)), vel = params.map((p) => new Float64Array(p.length));
  const forward = (x: ArrayLike<number>, m: number): { A1: Float64Array; Z2: Float64Array } => {
    const A1 = new Float64Array(n1 * m), Z2 = new Float64Array(n2 * m);
    for (let i = 0; i < n1; i++) {
      for (let j = 0; j < m; j++) {
        let z = b[0][i];
        for (let k = 0; k < n0; k++) z += W[0][i * n0 + k] * x[k * m + j];
        A1[i * m + j] = 1 / (1 + Math.exp(-z));
      }
    }
    for (let i = 0; i < n2; i++) {
      for (let j = 0; j < m; j++) {
        let z = b[1][i];
        for (let k = 0; k < n1; k++) z += W[1][i * n1 + k] * A1[k * m + j];
        Z2[i * m + j] = z;
      }
    }
    return { A1, Z2 };
  };
  const order = batchOrder(d);
  const losses: number[] = [];
  let t = 0;
  for (let e = 0; e < epochs; e++) {
    for (const batch of order(e)) {
      const m = batch.size, x = batch.x;
      const { A1, Z2 } = forward(x, m);
      const dZ2 = new Float64Array(n2 * m);
      let loss = 0;
      for (let j = 0; j < m; j++) {
        let mx = -Infinity, s = 0;
        for (let i = 0; i < n2; i++) mx = Math.max(mx, Z2[i * m + j]);
        for (let i = 0; i < n2; i++) s += Math.exp(Z2[i * m + j] - mx);
        loss += mx + Math.log(s) - Z2[batch.labels[j] * m + j];
        for (let i = 0; i < n2; i++) dZ2[i * m + j] = (Math.exp(Z2[i * m + j] - mx) / s - batch.y[i * m + j]) / m;
      }
      if (losses.length < 2) losses.push(loss / m);
      const grads = params.map((p) => new Float64Array(p.length));
      const dZ1 = new Float64Array(n1 * m);
      for (let i = 0; i < n2; i++) {
        for (let j = 0; j < m; j++) {
          const g = dZ2[i * m + j];
          grads[3][i] += g;
          for (let k = 0; k < n1; k++) {
            grads[2][i * n1 + k] += g * A1[k * m + j];
            dZ1[k * m + j] += W[1][i * n1 + k] * g;
          }
        }
      }
      for (let k = 0; k < n1 * m; k++) dZ1[k] *= A1[k] * (1 - A1[k]);
      for (let i = 0; i < n1; i++) {
        for (let j = 0; j < m; j++) {
          const g = dZ1[i * m + j];
          grads[1][i] += g;
          for (let k = 0; k < n0; k++) grads[0][i * n0 + k] += g * x[k * m + j];
        }
      }
      t++;
      const c1 = 1 - 0.9 ** t, c2 = 1 - 0.999 ** t;
      params.forEach((p, q) => {
        for (let i = 0; i < p.length; i++) {
          const g = grads[q][i];
          mom[q][i] = 0.9 * mom[q][i] + 0.1 * g;
          vel[q][i] = 0.999 * vel[q][i] + 0.001 * g * g;
          p[i] -= (d.lr * (mom[q][i] / c1)) / (Math.sqrt(vel[q][i] / c2) + 1e-8);
        }
      });
    }
  }
  return { accuracy: accuracyOf(forward(d.xTest, d.mTest).Z2, d.yTest, n2), losses: [losses[0], losses[1]] };
}
