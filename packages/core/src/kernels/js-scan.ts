/**
 * Along one axis: running sums and products (scans), and the order of the elements (argsort).
 */
import type { FloatArray } from '../dtype.js';
import { aroundAxis } from './js-walk.js';

/** out[.., i, ..] = Σ (or Π) of x[.., j, ..] for j ≤ i along `axis` (j ≥ i when `reverse`). */
export function cumulative(op: 'sum' | 'prod', x: FloatArray, shape: readonly number[], axis: number, reverse: boolean, out: FloatArray): void {
  const [outer, n, inner] = aroundAxis(shape, axis);
  const step = reverse ? -inner : inner;
  for (let o = 0; o < outer; o++) {
    for (let r = 0; r < inner; r++) {
      let p = o * n * inner + r + (reverse ? (n - 1) * inner : 0);
      // carried in a double, so a float32 running sum is rounded once per element, not accumulated in float32
      let acc = op === 'sum' ? 0 : 1;
      for (let i = 0; i < n; i++, p += step) {
        acc = op === 'sum' ? acc + x[p] : acc * x[p];
        out[p] = acc;
      }
    }
  }
}

/**
 * The positions along `axis` of the k smallest (or, with `descending`, largest) elements, in order:
 * out has `shape` with k on the axis. Stable (ties keep their order); NaN sorts above every number, as
 * in PyTorch.
 */
export function argsort(x: FloatArray, shape: readonly number[], axis: number, descending: boolean, k: number, out: Int32Array): void {
  const [outer, n, inner] = aroundAxis(shape, axis);
  const idx = new Int32Array(n), vals = new Float64Array(n);
  const cmp = descending
    ? (a: number, b: number) => rank(vals[b], vals[a]) || a - b
    : (a: number, b: number) => rank(vals[a], vals[b]) || a - b;
  for (let o = 0; o < outer; o++) {
    for (let r = 0; r < inner; r++) {
      const base = o * n * inner + r;
      for (let i = 0; i < n; i++) {
        idx[i] = i;
        vals[i] = x[base + i * inner];
      }
      idx.sort(cmp);
      const ob = o * k * inner + r;
      for (let i = 0; i < k; i++) out[ob + i * inner] = idx[i];
    }
  }
}

/** Sign of u − v with NaN above +∞ (and equal to another NaN). */
function rank(u: number, v: number): number {
  const nu = u !== u, nv = v !== v;
  if (nu || nv) return nu === nv ? 0 : nu ? 1 : -1;
  return u < v ? -1 : u > v ? 1 : 0;
}
