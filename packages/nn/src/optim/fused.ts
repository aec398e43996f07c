import { Tensor, type FloatArray } from '@tapegrad/core';

/**
 * Optimizer updates run as one loop over a parameter's numbers: written with tensor ops, one Adam step
 * is a dozen ops per parameter, each allocating an array and walking it. The loops write into fresh
 * arrays, which become new tensors: tensors stay values, and nothing that exists is changed.
 * Arithmetic is in double, rounded once when stored (so float32 buffers hold the float64 result,
 * rounded), in the order of the formulas, so float64 results are those of the tensor-op formulas.
 */

/**
 * `count` fresh zeroed arrays with the dtype and size of `t`, carved from one allocation: a new
 * parameter and its new buffers are made and dropped together, and one allocation costs about as
 * much as one small op.
 */
export function freshLike(t: Tensor, count: number): FloatArray[] {
  const n = t.size;
  const all = t.dtype === 'float64' ? new Float64Array(n * count) : new Float32Array(n * count);
  const out: FloatArray[] = new Array(count);
  for (let i = 0; i < count; i++) out[i] = all.subarray(i * n, (i + 1) * n);
  return out;
}

/** `data` (a fresh array nothing else holds) as a tensor with the shape of `t`. */
export const wrapLike = (data: FloatArray, t: Tensor): Tensor => new Tensor(data, t.shape);
