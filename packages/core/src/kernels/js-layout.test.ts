// The fast paths of the layout kernels (whole runs copied by TypedArray.set) against an element-by-element
// reference over the multi-index, on random shapes whose rows are both shorter and longer than a run.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { FloatArray } from '../dtype.js';
import { broadcastStrides, sizeOf, stridesOf } from '../shape.js';
import { broadcast, copyRun, slice, take } from './js-layout.js';

type Ctor = Float32ArrayConstructor | Float64ArrayConstructor;

/** Random values that float32 cannot all hold exactly, so a rounding difference would show. */
const values = (T: Ctor, n: number, seed: number): FloatArray => {
  const out = new T(n);
  for (let i = 0; i < n; i++) out[i] = Math.sin(seed + i * 1.618) * 1e3;
  return out;
};

/** Calls f(flat index, multi-index) for every index of `shape`, in row-major order. */
function eachIndex(shape: readonly number[], f: (flat: number, idx: number[]) => void): void {
  const n = sizeOf(shape);
  const idx = new Array<number>(shape.length).fill(0);
  for (let flat = 0; flat < n; flat++) {
    f(flat, idx);
    for (let d = shape.length - 1; d >= 0 && ++idx[d] === shape[d]; d--) idx[d] = 0;
  }
}
const dotIdx = (idx: readonly number[], strides: readonly number[]): number => idx.reduce((s, i, d) => s + i * strides[d], 0);

// rank 1–3, dims up to 70 on the last axis (runs from 1 to past 64 elements), small elsewhere
const shapeArb = fc.tuple(fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 0, maxLength: 2 }), fc.integer({ min: 1, max: 70 }))
  .map(([outer, last]) => [...outer, last]);
const dtypeArb = fc.constantFrom<Ctor>(Float32Array, Float64Array);

describe('layout fast paths against the element-by-element reference', () => {
  it('copyRun copies any run, converting float64 to float32 as an assignment does', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 5 }), dtypeArb, dtypeArb,
      (len, i, o, S, D) => {
        const src = values(S, len + i, 1);
        const dst = values(D, len + o + 3, 2);
        const expected = D.from(dst);
        for (let j = 0; j < len; j++) expected[o + j] = src[i + j];
        copyRun(src, i, dst, o, len);
        expect(Array.from(dst)).toEqual(Array.from(expected));
      }));
  });

  it('slice: every stepped view', () => {
    const caseArb = shapeArb.chain((shape) => fc.tuple(
      fc.constant(shape),
      fc.tuple(...shape.map((d) => fc.integer({ min: 0, max: d - 1 }))),
      fc.tuple(...shape.map(() => fc.integer({ min: 1, max: 3 }))),
    ));
    fc.assert(fc.property(caseArb, dtypeArb, ([shape, begin, step], T) => {
      const outShape = shape.map((d, k) => Math.ceil((d - begin[k]) / step[k]));
      const x = values(T, sizeOf(shape), 3);
      const out = new T(sizeOf(outShape));
      slice(x, shape, begin, step, out, outShape);
      const xs = stridesOf(shape);
      const expected = new T(out.length);
      eachIndex(outShape, (flat, idx) => (expected[flat] = x[dotIdx(idx.map((i, k) => begin[k] + i * step[k]), xs)]));
      expect(Array.from(out)).toEqual(Array.from(expected));
    }));
  });

  it('take: any indices along any axis, repeats included', () => {
    const caseArb = shapeArb.chain((shape) => fc.tuple(
      fc.constant(shape),
      fc.integer({ min: 0, max: shape.length - 1 }),
    )).chain(([shape, axis]) => fc.tuple(
      fc.constant(shape), fc.constant(axis),
      fc.array(fc.integer({ min: 0, max: shape[axis] - 1 }), { maxLength: 8 }),
    ));
    fc.assert(fc.property(caseArb, dtypeArb, ([shape, axis, index], T) => {
      const outShape = shape.map((d, k) => (k === axis ? index.length : d));
      const x = values(T, sizeOf(shape), 4);
      const out = new T(sizeOf(outShape));
      take(x, shape, Int32Array.from(index), axis, out);
      const xs = stridesOf(shape);
      const expected = new T(out.length);
      eachIndex(outShape, (flat, idx) => (expected[flat] = x[dotIdx(idx.map((i, k) => (k === axis ? index[i] : i)), xs)]));
      expect(Array.from(out)).toEqual(Array.from(expected));
    }));
  });

  it('broadcast: a same-size copy and a stretched one', () => {
    const caseArb = shapeArb.chain((shape) => fc.tuple(fc.constant(shape), fc.tuple(...shape.map(() => fc.boolean()))));
    fc.assert(fc.property(caseArb, dtypeArb, ([outShape, ones], T) => {
      const shape = outShape.map((d, k) => (ones[k] ? 1 : d));
      const x = values(T, sizeOf(shape), 5);
      const out = new T(sizeOf(outShape));
      broadcast(x, shape, out, outShape);
      const bs = broadcastStrides(shape, outShape);
      const expected = new T(out.length);
      eachIndex(outShape, (flat, idx) => (expected[flat] = x[dotIdx(idx, bs)]));
      expect(Array.from(out)).toEqual(Array.from(expected));
    }));
  });
});
