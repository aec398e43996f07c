import { alloc } from '../dtype.js';
import { broadcastTo, div, eq, mul, reshape, sum } from '../functions.js';
import { kernels, type ReduceKernelOp } from '../kernels/index.js';
import { Tensor } from '../tensor.js';
import type { OpDef, OpTable } from './table.js';

type ReduceAttrs = { axes: readonly number[]; keepdims: boolean };

/** The input's shape with the reduced axes kept as 1 (where a cotangent broadcasts back from). */
export const keptShape = (shape: readonly number[], axes: readonly number[]): number[] =>
  shape.map((d, i) => (axes.includes(i) ? 1 : d));

function reduction<K extends ReduceKernelOp>(k: K, vjp: OpDef<ReduceAttrs>['vjp']): OpDef<ReduceAttrs, K> {
  return {
    name: k,
    forward: ([x], { axes, keepdims }) => {
      const kept = keptShape(x.shape, axes);
      let n = 1;
      for (const d of kept) n *= d;
      const out = alloc(x.dtype, n);
      kernels.reduce(k, x.data, x.shape, axes, out);
      return new Tensor(out, keepdims ? kept : x.shape.filter((_, i) => !axes.includes(i)));
    },
    vjp,
  };
}

// d max(x) = dy at the maxima, shared evenly among ties (PyTorch's amax); likewise min.
const extremumVjp: OpDef<ReduceAttrs>['vjp'] = (dy, { inputs: [x], output: y, attrs: { axes } }) => {
  const kept = keptShape(x.shape, axes);
  const mask: Tensor = eq(x, reshape(y, kept));
  return [mul(div(mask, sum(mask, axes, true)), reshape(dy, kept))];
};

export const reduceOps: OpTable<'sum' | 'max' | 'min'> = {
  // d Σx = broadcast(dy)
  sum: reduction('sum', (dy, { inputs: [x], attrs: { axes } }) => [broadcastTo(reshape(dy, keptShape(x.shape, axes)), x.shape)]),
  max: reduction('max', extremumVjp),
  min: reduction('min', extremumVjp),
};
