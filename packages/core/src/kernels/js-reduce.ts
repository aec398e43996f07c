/**
 * sum / max / min over a set of axes.
 *
 * Sums accumulate in a JS number (an IEEE double) whatever the dtype, so a float32 result is rounded
 * once, on store, rather than after every addition: the error is that of a double-precision sum,
 * far below float32's epsilon for any realistic length. max/min use Math.max/min, which propagate NaN.
 */
import type { FloatArray } from '../dtype.js';
import { filled, stridesOf } from '../shape.js';
import type { ReduceKernelOp } from './types.js';
import { RowWalk, unknownOp } from './js-walk.js';

export function reduce(
  op: ReduceKernelOp, x: FloatArray, shape: readonly number[], axes: readonly number[], out: FloatArray,
): void {
  const nd = shape.length;
  let n = 1;
  for (const d of shape) n *= d;
  if (axes.length === 0) {
    for (let i = 0; i < n; i++) out[i] = x[i];
    return;
  }
  // The identity of each op is also the result over an empty axis.
  const init = op === 'sum' ? 0 : op === 'max' ? -Infinity : op === 'min' ? Infinity : unknownOp('reduce', op);
  if (n === 0) {
    out.fill(init);
    return;
  }

  let trailing = true;
  for (let i = 0; i < axes.length; i++) trailing &&= axes[i] === nd - axes.length + i;
  if (trailing) {
    // Output element o owns the contiguous run x[o·run, (o+1)·run).
    let run = 1;
    for (let d = nd - axes.length; d < nd; d++) run *= shape[d];
    reduceRuns(op, x, run, out, n / run);
    return;
  }

  // General case: walk x once in memory order; the output offset follows via strides that are 0 on
  // reduced dims. A row is either wholly reduced (step 0) or maps elementwise onto output elements.
  const reduced = filled(nd, false);
  for (const ax of axes) reduced[ax] = true;
  const kept = shape.filter((_, d) => !reduced[d]);
  const keptStrides = stridesOf(kept);
  const accStrides: number[] = [];
  for (let d = 0, k = 0; d < nd; d++) accStrides.push(reduced[d] ? 0 : keptStrides[k++]);

  // Float32 sums go through a double scratch so partial sums from different rows are not rounded.
  const acc = op === 'sum' && !(out instanceof Float64Array) ? new Float64Array(out.length) : out;
  acc.fill(init);
  const w = new RowWalk(shape, [accStrides]);
  const len = w.len;
  const step = w.step[0];
  for (let r = 0, i = 0; r < w.rows; r++, i += len) {
    const o = w.off[0];
    const end = i + len;
    if (step === 0) {
      let s = acc[o];
      switch (op) {
        case 'sum': for (let j = i; j < end; j++) s += x[j]; break;
        case 'max': for (let j = i; j < end; j++) s = Math.max(s, x[j]); break;
        case 'min': for (let j = i; j < end; j++) s = Math.min(s, x[j]); break;
      }
      acc[o] = s;
    } else {
      switch (op) {
        case 'sum': for (let j = i, p = o; j < end; j++, p += step) acc[p] += x[j]; break;
        case 'max': for (let j = i, p = o; j < end; j++, p += step) acc[p] = Math.max(acc[p], x[j]); break;
        case 'min': for (let j = i, p = o; j < end; j++, p += step) acc[p] = Math.min(acc[p], x[j]); break;
      }
    }
    w.next();
  }
  if (acc !== out) out.set(acc);
}

/** out[o] = reduction of x[o·run, (o+1)·run) for o < m. */
function reduceRuns(op: ReduceKernelOp, x: FloatArray, run: number, out: FloatArray, m: number): void {
  switch (op) {
    case 'sum':
      for (let o = 0, i = 0; o < m; o++) {
        let s = 0;
        for (const end = i + run; i < end; i++) s += x[i];
        out[o] = s;
      }
      return;
    case 'max':
      for (let o = 0, i = 0; o < m; o++) {
        let s = -Infinity;
        for (const end = i + run; i < end; i++) s = Math.max(s, x[i]);
        out[o] = s;
      }
      return;
    case 'min':
      for (let o = 0, i = 0; o < m; o++) {
        let s = Infinity;
        for (const end = i + run; i < end; i++) s = Math.min(s, x[i]);
        out[o] = s;
      }
      return;
    default: unknownOp('reduce', op);
  }
}
