/**
 * Sorting along an axis. The order itself (argsort) is piecewise constant and carries no gradient;
 * sorted values are x gathered at that order, so their gradient is gather's (a scatter-add back to the
 * places the values came from) and sort and topk need no rule of their own.
 */
import { TapegradError, fmtValue } from '../errors.js';
import { kernels } from '../kernels/index.js';
import { normAxis } from '../shape.js';
import { Tensor } from '../tensor.js';
import { expectTensor } from './define.js';
import { gatherRaw } from './indexing.js';

/** Options of `sort` and `argsort`, e.g. `{ descending: true }`. */
export interface SortOptions {
  /** Largest first (default false: smallest first). */
  descending?: boolean;
}

/** A sort's values (differentiable) and the positions they came from (a tensor of x's dtype holding integers). */
export interface Sorted {
  values: Tensor;
  indices: Tensor;
}

function order(op: string, x: Tensor, axis: number, descending: unknown, k: number | null): { index: Int32Array; shape: number[]; axis: number } {
  expectTensor(op, x);
  if (typeof descending !== 'boolean') throw new TapegradError(op, `expected a boolean, got ${fmtValue(descending)}`, 'descending');
  const a = normAxis(op, axis, x.ndim);
  const n = x.shape[a];
  const kk = k ?? n;
  if (!Number.isInteger(kk) || kk < 0 || kk > n) throw new TapegradError(op, `expected an integer in [0, ${n}] (the size of axis ${a}), got ${fmtValue(k)}`, 'k');
  const shape = x.shape.map((d, i) => (i === a ? kk : d));
  const index = new Int32Array(shape.reduce((p, d) => p * d, 1));
  kernels.argsort(x.data, x.shape, a, descending, kk, index);
  return { index, shape, axis: a };
}

const indicesOf = (x: Tensor, index: Int32Array, shape: readonly number[]): Tensor =>
  new Tensor(x.dtype === 'float64' ? Float64Array.from(index) : Float32Array.from(index), shape);

/**
 * The positions that sort x along `axis` (default −1): x gathered at them is sorted. Stable — equal
 * elements keep their order — and NaN sorts above every number, as in PyTorch (whose default sort is
 * not guaranteed stable). Returns a tensor of x's dtype holding integers; no gradient flows.
 *
 * @example
 * argsort(tensor([3, 1, 2])).toArray(); // [1, 2, 0]
 */
export function argsort(x: Tensor, axis = -1, options: SortOptions = {}): Tensor {
  const { index, shape } = order('argsort', x, axis, options.descending ?? false, null);
  return indicesOf(x, index, shape);
}

/**
 * x sorted along `axis` (default −1), and where each value came from (PyTorch's `torch.sort`, stable).
 * The values carry gradients: each goes back to its original place.
 *
 * @example
 * const { values, indices } = sort(tensor([[3, 1, 2]]), -1, { descending: true });
 * values.toArray();  // [[3, 2, 1]]
 * indices.toArray(); // [[0, 2, 1]]
 */
export function sort(x: Tensor, axis = -1, options: SortOptions = {}): Sorted {
  const { index, shape, axis: a } = order('sort', x, axis, options.descending ?? false, null);
  return { values: gatherRaw(x, index, shape, a), indices: indicesOf(x, index, shape) };
}

/** Options of `topk`, e.g. `{ largest: false }` for the k smallest. */
export interface TopkOptions {
  /** The k largest (default true) or the k smallest. */
  largest?: boolean;
}

/**
 * The k largest (or smallest) elements along `axis` (default −1), in order, and their positions
 * (PyTorch's `torch.topk`, sorted; ties keep their order). The values carry gradients.
 *
 * @example
 * topk(tensor([1, 5, 3, 4]), 2).values.toArray(); // [5, 4]
 */
export function topk(x: Tensor, k: number, axis = -1, options: TopkOptions = {}): Sorted {
  const largest = options.largest ?? true;
  if (typeof largest !== 'boolean') throw new TapegradError('topk', `expected a boolean, got ${fmtValue(largest)}`, 'largest');
  const { index, shape, axis: a } = order('topk', x, axis, largest, k);
  return { values: gatherRaw(x, index, shape, a), indices: indicesOf(x, index, shape) };
}
