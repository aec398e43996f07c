/**
 * Softmax cross-entropy along one axis, fused. Each slice along the axis is K values `inner` apart
 * (aroundAxis); per slice, with m = max z and s = Σ_k e^(z_k − m):
 *
 *     lse = m + log s,   ℓ = Σ_k y_k (lse − z_k) = −Σ_k y_k log softmax(z)_k,
 *     ∂ℓ/∂z_k = softmax(z)_k · Σ_j y_j − y_k   (softmax(z) − y for one-hot y).
 *
 * Sums run in doubles whatever the dtype, rounded once on store. A NaN or infinite logit makes its
 * slice NaN, as the composite −Σ y ⊙ logSoftmax(z) does.
 */
import type { FloatArray } from '../dtype.js';
import { aroundAxis } from './js-walk.js';

/** The max of a slice, subtracted before exponentiating so that no e^z overflows. */
function shiftOf(z: FloatArray, at: number, K: number, inner: number): number {
  let m = -Infinity;
  for (let k = 0, i = at; k < K; k++, i += inner) m = Math.max(m, z[i]);
  return m;
}

/** Σ_k e^(z_k − shift) over a slice. */
function expSum(z: FloatArray, at: number, K: number, inner: number, shift: number): number {
  let s = 0;
  for (let k = 0, i = at; k < K; k++, i += inner) s += Math.exp(z[i] - shift);
  return s;
}

export function softmaxCrossEntropy(
  z: FloatArray, y: FloatArray, shape: readonly number[], axis: number, out: FloatArray,
): void {
  const [outer, K, inner] = aroundAxis(shape, axis);
  for (let o = 0, r = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++, r++) {
      const at = o * K * inner + j;
      const shift = shiftOf(z, at, K, inner);
      const lse = Math.log(expSum(z, at, K, inner, shift)) + shift;
      let loss = 0;
      for (let k = 0, i = at; k < K; k++, i += inner) loss += y[i] * (lse - z[i]);
      out[r] = loss;
    }
  }
}

/** e^(z_k − shift) of the slice being differentiated, kept in doubles between the sum and the scaling. */
let scratch = new Float64Array(64);

export function softmaxCrossEntropyGrad(
  z: FloatArray, y: FloatArray, g: FloatArray, shape: readonly number[], axis: number, out: FloatArray,
): void {
  const [outer, K, inner] = aroundAxis(shape, axis);
  if (scratch.length < K) scratch = new Float64Array(K);
  const e = scratch;
  for (let o = 0, r = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++, r++) {
      const at = o * K * inner + j;
      const shift = shiftOf(z, at, K, inner);
      let s = 0, mass = 0; // Σ_k e^(z_k − shift), Σ_k y_k
      for (let k = 0, i = at; k < K; k++, i += inner) {
        e[k] = Math.exp(z[i] - shift);
        s += e[k];
        mass += y[i];
      }
      const scale = mass / s;
      const gr = g[r];
      for (let k = 0, i = at; k < K; k++, i += inner) out[i] = gr * (e[k] * scale - y[i]);
    }
  }
}
