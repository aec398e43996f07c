/**
 * Lookups by integer index: one-hot encodings and embedding tables.
 */
import { alloc, checkDType, type DType } from '../dtype.js';
import { ShapeError, TapegradError, fmtShape, fmtValue } from '../errors.js';
import { normAxis } from '../shape.js';
import { Tensor } from '../tensor.js';
import { expectTensor } from './define.js';
import { takeRaw, toIndex, type IndexLike } from './indexing.js';
import { reshape } from './layout.js';

/** Options of `oneHot`, e.g. `{ axis: 0, dtype: 'float64' }`. */
export interface OneHotOptions {
  /** Where the classes axis goes in the result (default −1, last, as PyTorch; 0 gives the notes' [classes, m]). */
  axis?: number;
  dtype?: DType;
}

/**
 * 1 at each index's class and 0 elsewhere: indices of shape S give S with a classes axis of size
 * `numClasses` inserted at `axis` (PyTorch's `F.one_hot` for the default axis −1, but float, as the
 * losses want it).
 *
 * @example
 * oneHot([2, 0], 3).toArray();              // [[0, 0, 1], [1, 0, 0]]
 * oneHot([2, 0], 3, { axis: 0 }).toArray(); // [[0, 1], [0, 0], [1, 0]]: examples as columns
 */
export function oneHot(indices: IndexLike, numClasses: number, options: OneHotOptions = {}): Tensor {
  if (!Number.isInteger(numClasses) || numClasses < 1) throw new TapegradError('oneHot', `expected a positive integer, got ${fmtValue(numClasses)}`, 'numClasses');
  const { data, shape } = toIndex('oneHot', indices, numClasses);
  const a = normAxis('oneHot', options.axis ?? -1, shape.length + 1);
  const out = alloc(checkDType('oneHot', options.dtype ?? 'float32'), data.length * numClasses);
  // index p = outer·inner + r sits at out[(outer·numClasses + class)·inner + r]
  const inner = shape.slice(a).reduce((q, d) => q * d, 1);
  for (let p = 0; p < data.length; p++) {
    const outer = Math.floor(p / inner), r = p - outer * inner;
    out[(outer * numClasses + data[p]) * inner + r] = 1;
  }
  const outShape = [...shape];
  outShape.splice(a, 0, numClasses);
  return new Tensor(out, outShape);
}

/**
 * Rows of an embedding table: weight [numEmbeddings, dim] and integer indices of shape S give
 * [...S, dim], row `indices[s]` at each s (PyTorch's `F.embedding`, without padding_idx or max_norm).
 * The weight's gradient adds each row's cotangents up (a scatter-add, so repeated indices accumulate).
 *
 * @example
 * const table = tensor([[0, 0], [1, 10], [2, 20]]);
 * embedding(table, [[2, 1], [1, 1]]).shape; // [2, 2, 2]
 */
export function embedding(weight: Tensor, indices: IndexLike): Tensor {
  expectTensor('embedding', weight, 'weight');
  if (weight.ndim !== 2) throw new ShapeError('embedding', `expected a table [numEmbeddings, dim], got shape ${fmtShape(weight.shape)}`, 'weight');
  const { data, shape } = toIndex('embedding', indices, weight.shape[0]);
  return reshape(takeRaw(weight, data, 0), [...shape, weight.shape[1]]);
}
