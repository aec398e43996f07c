import { alloc } from '../dtype.js';
import { gatherRaw, indexAdd, reshape, scatterAdd, sliceRaw, takeRaw, transpose, unslice } from '../functions.js';
import { kernels } from '../kernels/index.js';
import { filled, sizeOf } from '../shape.js';
import { Tensor } from '../tensor.js';
import type { OpTable } from './table.js';

type Layout = 'reshape' | 'transpose' | 'broadcastTo' | 'slice' | 'unslice' | 'concat' | 'gather' | 'scatterAdd' | 'take' | 'indexAdd';

export const layoutOps: OpTable<Layout> = {
  // d reshape(x) = reshape⁻¹(dx)   (shares data: tensors are dense and row-major)
  reshape: {
    name: 'reshape',
    forward: ([x], { shape }) => new Tensor(x.data, shape),
    vjp: (dy, { inputs: [x] }) => [reshape(dy, x.shape)],
  },
  // d xᵀ = (dx)ᵀ with the inverse permutation
  transpose: {
    name: 'transpose',
    forward: ([x], { perm }) => {
      const out = alloc(x.dtype, x.size);
      kernels.transpose(x.data, x.shape, perm, out);
      return new Tensor(out, perm.map((p) => x.shape[p]));
    },
    vjp: (dy, { attrs: { perm } }) => {
      const inv = filled(perm.length, 0);
      perm.forEach((p, i) => (inv[p] = i));
      return [transpose(dy, inv)];
    },
  },
  // d broadcast(x) = Σ over the broadcast dims — done by the tape's sum-to-shape, the one place for it
  broadcastTo: {
    name: 'broadcastTo',
    forward: ([x], { shape }) => {
      const out = alloc(x.dtype, sizeOf(shape));
      kernels.broadcast(x.data, x.shape, out, shape);
      return new Tensor(out, shape);
    },
    vjp: (dy) => [dy],
  },
  // d x[s] = unslice(dx): the cotangent goes back to the sliced places, zero elsewhere
  slice: {
    name: 'slice',
    forward: ([x], { begin, step, shape }) => {
      const out = alloc(x.dtype, sizeOf(shape));
      kernels.slice(x.data, x.shape, begin, step, out, shape);
      return new Tensor(out, shape);
    },
    vjp: (dy, { inputs: [x], attrs: { begin, step } }) => [unslice(dy, begin, step, x.shape)],
  },
  // unslice is linear, and slice is its adjoint
  unslice: {
    name: 'unslice',
    forward: ([dy], { begin, step, shape }) => {
      const out = alloc(dy.dtype, sizeOf(shape));
      kernels.unslice(dy.data, dy.shape, begin, step, out, shape);
      return new Tensor(out, shape);
    },
    vjp: (g, { inputs: [dy], attrs: { begin, step } }) => [sliceRaw(g, begin, step, dy.shape)],
  },
  // d concat(xs) = the matching slices of dx
  concat: {
    name: 'concat',
    forward: (xs, { axis }) => {
      const shape = [...xs[0].shape];
      shape[axis] = xs.reduce((s, t) => s + t.shape[axis], 0);
      const dtype = xs.some((t) => t.dtype === 'float64') ? 'float64' : 'float32';
      const out = alloc(dtype, sizeOf(shape));
      kernels.concat(xs.map((t) => ({ data: t.data, shape: t.shape })), axis, out, shape);
      return new Tensor(out, shape);
    },
    vjp: (dy, { inputs, attrs: { axis } }, needs) => {
      let offset = 0;
      return inputs.map((t: Tensor, i) => {
        const begin = dy.shape.map((_, d) => (d === axis ? offset : 0));
        offset += t.shape[axis];
        return needs[i] ? sliceRaw(dy, begin, dy.shape.map(() => 1), t.shape) : null;
      });
    },
  },
  // d gather(x, idx) = scatterAdd(dx, idx): repeated indices accumulate
  gather: {
    name: 'gather',
    forward: ([x], { index, indexShape, axis }) => {
      const out = alloc(x.dtype, index.length);
      kernels.gather(x.data, x.shape, index, indexShape, axis, out);
      return new Tensor(out, indexShape);
    },
    vjp: (dy, { inputs: [x], attrs: { index, indexShape, axis } }) => [scatterAdd(dy, index, indexShape, axis, x.shape)],
  },
  // scatterAdd is linear, and gather is its adjoint
  scatterAdd: {
    name: 'scatterAdd',
    forward: ([src], { index, indexShape, axis, shape }) => {
      const out = alloc(src.dtype, sizeOf(shape));
      kernels.scatterAdd(src.data, index, indexShape, axis, out, shape);
      return new Tensor(out, shape);
    },
    vjp: (g, { attrs: { index, indexShape, axis } }) => [gatherRaw(g, index, indexShape, axis)],
  },
  // d take(x, idx) = indexAdd(dx, idx): the slices go back to their places, repeated ones accumulate
  take: {
    name: 'take',
    forward: ([x], { index, axis }) => {
      const shape = x.shape.map((d, i) => (i === axis ? index.length : d));
      const out = alloc(x.dtype, sizeOf(shape));
      kernels.take(x.data, x.shape, index, axis, out);
      return new Tensor(out, shape);
    },
    vjp: (dy, { inputs: [x], attrs: { index, axis } }) => [indexAdd(dy, index, axis, x.shape)],
  },
  // indexAdd is linear, and take is its adjoint
  indexAdd: {
    name: 'indexAdd',
    forward: ([src], { index, axis, shape }) => {
      const out = alloc(src.dtype, sizeOf(shape));
      kernels.indexAdd(src.data, index, axis, out, shape);
      return new Tensor(out, shape);
    },
    vjp: (g, { attrs: { index, axis } }) => [takeRaw(g, index, axis)],
  },
};
