import { ShapeError, TapegradError, Tensor, tensor, type DType } from '@tapegrad/core';
import { fmtShape } from './columns.js';

/**
 * One-hot encodes class indices as columns: `Y[k, i] = 1` when example `i` has class `k`, the target
 * layout of a softmax output `A[L]` of shape `[K, m]`.
 *
 * @param y class indices, shape `[m]`, integers in `[0, numClasses)`
 * @param numClasses K, the number of rows of the result
 * @param options.dtype default: y's dtype
 *
 * @example
 * oneHot(tensor([2, 0, 1]), 3).toArray();
 * // [[0, 1, 0],
 * //  [0, 0, 1],
 * //  [1, 0, 0]]
 */
export function oneHot(y: Tensor, numClasses: number, options: { dtype?: DType } = {}): Tensor {
  const op = 'oneHot';
  if (!(y instanceof Tensor)) throw new TapegradError(op, `expected a Tensor, got ${y === null ? 'null' : typeof y}`, 'y');
  if (y.ndim !== 1) throw new ShapeError(op, `expected class indices of shape [m], got shape ${fmtShape(y.shape)}`, 'y');
  if (!Number.isInteger(numClasses) || numClasses < 1) {
    throw new TapegradError(op, `numClasses must be a positive integer, got ${numClasses}`, 'numClasses');
  }
  const m = y.shape[0];
  const out = new Float64Array(numClasses * m);
  for (let i = 0; i < m; i++) {
    const k = y.data[i];
    if (!Number.isInteger(k) || k < 0 || k >= numClasses) {
      throw new TapegradError(op, `label at index ${i} is ${k}, expected an integer in [0, ${numClasses})`, 'y');
    }
    out[k * m + i] = 1;
  }
  return tensor(out, { shape: [numClasses, m], dtype: options.dtype ?? y.dtype });
}
