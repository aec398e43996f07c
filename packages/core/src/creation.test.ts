/**
 * Creation functions and the Tensor's own accessors (toArray, item, toString), with known values and
 * the errors for ragged or ill-sized data.
 */
import { describe, expect, it } from 'vitest';
import {
  arange, DTypeError, eye, full, linspace, ones, onesLike, scalar, ShapeError, TapegradError, tensor, Tensor, zeros,
  zerosLike,
} from '@tapegrad/core';

const vals = (t: Tensor): number[] => Array.from(t.data);

describe('tensor()', () => {
  it('from a number: a 0-d float32 tensor, or float64 on request', () => {
    const t = tensor(3);
    expect(t.shape).toEqual([]);
    expect(t.ndim).toBe(0);
    expect(t.size).toBe(1);
    expect(t.dtype).toBe('float32');
    expect(t.item()).toBe(3);
    expect(tensor(0.1, { dtype: 'float64' }).item()).toBe(0.1);
    expect(tensor(0.1).item()).toBe(Math.fround(0.1));
    expect(tensor(5, { shape: [1, 1] }).toArray()).toEqual([[5]]);
  });

  it('from nested arrays, in row-major order', () => {
    const t = tensor([[1, 2, 3], [4, 5, 6]]);
    expect(t.shape).toEqual([2, 3]);
    expect(vals(t)).toEqual([1, 2, 3, 4, 5, 6]);
    const u = tensor([[[1], [2]], [[3], [4]]], { dtype: 'float64' });
    expect(u.shape).toEqual([2, 2, 1]);
    expect(u.data).toBeInstanceOf(Float64Array);
    expect(tensor([]).shape).toEqual([0]);
    expect(tensor([[]]).shape).toEqual([1, 0]);
  });

  it('from typed arrays: Float64Array infers float64, the others float32; `shape` arranges them', () => {
    const a = tensor(new Float64Array([1, 2, 3, 4, 5, 6]), { shape: [2, 3] });
    expect(a.dtype).toBe('float64');
    expect(a.toArray()).toEqual([[1, 2, 3], [4, 5, 6]]);
    const b = tensor(new Float32Array([1, 2, 3, 4]), { shape: [2, 2] });
    expect(b.dtype).toBe('float32');
    expect(b.toArray()).toEqual([[1, 2], [3, 4]]);
    const c = tensor(new Int32Array([7, -8]));
    expect(c.dtype).toBe('float32');
    expect(c.shape).toEqual([2]);
    expect(vals(c)).toEqual([7, -8]);
    // an explicit dtype wins, rounding when it narrows
    const d = tensor(new Float64Array([0.1]), { dtype: 'float32' });
    expect(d.dtype).toBe('float32');
    expect(d.item()).toBe(Math.fround(0.1));
  });

  it('does not alias the caller’s typed array', () => {
    const src = new Float64Array([1, 2]);
    const t = tensor(src);
    src[0] = 99;
    expect(t.data[0]).toBe(1);
  });

  it('from a flat number array with a shape', () => {
    const t = tensor([1, 2, 3, 4, 5, 6], { shape: [3, 2] });
    expect(t.toArray()).toEqual([[1, 2], [3, 4], [5, 6]]);
    expect(tensor([1, 2, 3, 4], { shape: [2, 1, 2] }).shape).toEqual([2, 1, 2]);
  });

  it('requiresGrad makes a leaf that backward() fills', () => {
    const t = tensor([1, 2], { requiresGrad: true });
    expect(t.requiresGrad).toBe(true);
    expect(t.isLeaf).toBe(true);
    expect(t.grad).toBeNull();
    expect(tensor([1]).requiresGrad).toBe(false);
  });

  it('ragged nested arrays are a ShapeError naming the path of the first bad element', () => {
    expect(() => tensor([[1, 2], [3]])).toThrow(ShapeError);
    expect(() => tensor([[1, 2], [3]])).toThrow("tensor: argument 'data': ragged nested arrays: [1] has length 1 where length 2 was expected");
    expect(() => tensor([[[1], [2]], [[3], [4, 5]]])).toThrow('ragged nested arrays: [1][1] has length 2 where length 1 was expected');
    expect(() => tensor([1, [2]])).toThrow('element at [1] is an array, expected a number (ragged nested arrays?)');
    expect(() => tensor([[1], 2])).toThrow('ragged nested arrays: [1] has a number where length 1 was expected');
    expect(() => tensor([[1, 'a']] as unknown as number[][])).toThrow('element at [0][1] is "a", expected a number');
  });

  it('data that does not fill the shape is a ShapeError naming both sizes', () => {
    expect(() => tensor([1, 2, 3], { shape: [2, 2] })).toThrow("tensor: argument 'shape': 3 values cannot fill shape [2, 2] (4 elements)");
    expect(() => tensor(new Float32Array(5), { shape: [2, 3] })).toThrow('5 values cannot fill shape [2, 3] (6 elements)');
    expect(() => tensor([[1, 2]], { shape: [2, 1] })).toThrow('nested data has shape [1, 2] but shape [2, 1] was given');
    expect(() => tensor(1, { shape: [2] })).toThrow('a single number cannot fill shape [2]');
    expect(() => tensor([1, 2], { shape: [-1, 2] })).toThrow(ShapeError);
  });

  it('an unknown dtype is a DTypeError', () => {
    expect(() => tensor([1], { dtype: 'int32' as 'float32' })).toThrow(DTypeError);
    expect(() => tensor([1], { dtype: 'int32' as 'float32' })).toThrow("tensor: argument 'dtype': expected 'float32' or 'float64', got \"int32\"");
  });
});

describe('scalar, zeros, ones, full, zerosLike, onesLike', () => {
  it('scalar is a 0-d tensor', () => {
    const s = scalar(2.5, { dtype: 'float64' });
    expect(s.shape).toEqual([]);
    expect(s.dtype).toBe('float64');
    expect(s.toArray()).toBe(2.5);
  });

  it('zeros, ones and full have the shape, dtype and value asked for', () => {
    expect(zeros([2, 3]).toArray()).toEqual([[0, 0, 0], [0, 0, 0]]);
    expect(zeros([2]).dtype).toBe('float32');
    expect(ones([3], { dtype: 'float64' }).data).toEqual(new Float64Array([1, 1, 1]));
    expect(full([2, 2], 7).toArray()).toEqual([[7, 7], [7, 7]]);
    expect(vals(full([1], NaN))).toEqual([NaN]);
    expect(Object.is(full([1], -0).data[0], -0)).toBe(true); // np.full(1, -0.0) keeps the sign
    expect(zeros([]).shape).toEqual([]);
    expect(ones([0, 4]).size).toBe(0);
    expect(ones([2], { requiresGrad: true }).requiresGrad).toBe(true);
    expect(() => zeros([2, -1])).toThrow("zeros: argument 'shape': expected an array of non-negative integers, got [2,-1]");
    expect(() => full([1.5], 0)).toThrow(ShapeError);
  });

  it('zerosLike and onesLike take the shape and dtype of their argument, unless overridden', () => {
    const t = tensor([[1, 2, 3]], { dtype: 'float64' });
    const z = zerosLike(t), o = onesLike(t);
    expect(z.shape).toEqual([1, 3]);
    expect(z.dtype).toBe('float64');
    expect(vals(z)).toEqual([0, 0, 0]);
    expect(o.toArray()).toEqual([[1, 1, 1]]);
    expect(onesLike(t, { dtype: 'float32' }).dtype).toBe('float32');
  });
});

describe('eye, arange, linspace', () => {
  it('eye(n) and eye(n, m)', () => {
    expect(eye(3).toArray()).toEqual([[1, 0, 0], [0, 1, 0], [0, 0, 1]]);
    expect(eye(2, 3).toArray()).toEqual([[1, 0, 0], [0, 1, 0]]);
    expect(eye(3, 2, { dtype: 'float64' }).toArray()).toEqual([[1, 0], [0, 1], [0, 0]]);
    expect(eye(0).shape).toEqual([0, 0]);
    expect(() => eye(-1)).toThrow(ShapeError);
  });

  it('arange as NumPy: [start, stop) by step, one argument is stop', () => {
    expect(vals(arange(5))).toEqual([0, 1, 2, 3, 4]);
    expect(vals(arange(2, 5))).toEqual([2, 3, 4]);
    expect(vals(arange(0, 1, 0.25))).toEqual([0, 0.25, 0.5, 0.75]);
    expect(vals(arange(5, 0, -2))).toEqual([5, 3, 1]);
    expect(arange(0).shape).toEqual([0]);
    expect(arange(3, 1).shape).toEqual([0]);
    // ceil((1 − 0)/0.1) = 10 values, as np.arange(0, 1, 0.1); each is start + i·step
    const a = arange(0, 1, 0.1, { dtype: 'float64' });
    expect(a.size).toBe(10);
    expect(a.data[3]).toBe(3 * 0.1);
    expect(arange(3, undefined, 1, { dtype: 'float64' }).dtype).toBe('float64');
    expect(() => arange(0, 1, 0)).toThrow("arange: argument 'step': step must be a finite non-zero number, got 0");
    expect(() => arange(0, Infinity)).toThrow(TapegradError);
  });

  it('linspace includes both ends exactly', () => {
    expect(vals(linspace(0, 1, 5))).toEqual([0, 0.25, 0.5, 0.75, 1]);
    const l = linspace(0.1, 0.7, 7, { dtype: 'float64' });
    expect(l.data[6]).toBe(0.7);
    expect(l.data[3]).toBeCloseTo(0.4, 15);
    expect(vals(linspace(2, -2, 3))).toEqual([2, 0, -2]);
    expect(vals(linspace(3, 9, 1))).toEqual([3]);
    expect(linspace(0, 1, 0).shape).toEqual([0]);
    expect(() => linspace(0, 1, 2.5)).toThrow("linspace: argument 'num': num must be a non-negative integer, got 2.5");
  });
});

describe('toArray, item, toString', () => {
  it('toArray gives nested arrays, a number for 0-d, and empty arrays for empty dims', () => {
    expect(tensor([[1, 2], [3, 4]]).toArray()).toEqual([[1, 2], [3, 4]]);
    expect(tensor(7).toArray()).toBe(7);
    expect(zeros([2, 0]).toArray()).toEqual([[], []]);
    expect(zeros([0, 2]).toArray()).toEqual([]);
    expect(tensor([1, 2, 3, 4, 5, 6], { shape: [3, 1, 2] }).toArray()).toEqual([[[1, 2]], [[3, 4]], [[5, 6]]]);
  });

  it('item reads a one-element tensor of any rank and rejects a larger one', () => {
    expect(tensor([[2.5]]).item()).toBe(2.5);
    expect(tensor(-1).item()).toBe(-1);
    expect(() => tensor([1, 2]).item()).toThrow(TapegradError);
    expect(() => tensor([1, 2]).item()).toThrow('item: tensor has 2 elements (shape [2]), expected 1');
    expect(() => zeros([0]).item()).toThrow('tensor has 0 elements');
  });

  it('toString shows shape, dtype, name, op or requiresGrad, then the values', () => {
    expect(String(tensor([[1, 2], [3, 4]]))).toBe('Tensor(shape=[2, 2], dtype=float32) [[1,2],[3,4]]');
    expect(String(tensor(0.5, { dtype: 'float64' }))).toBe('Tensor(shape=[], dtype=float64) 0.5');
    const w = tensor([1.5], { requiresGrad: true });
    expect(String(w)).toBe('Tensor(shape=[1], dtype=float32, requiresGrad) [1.5]');
    expect(String(w.mul(2).named('Z[1]'))).toBe('Tensor(shape=[1], dtype=float32, name=Z[1], op=mul) [3]');
  });

  it('toString prints NaN and ±Infinity as such, and only the header past 64 elements', () => {
    expect(String(tensor([NaN, Infinity, -Infinity, 0]))).toBe('Tensor(shape=[4], dtype=float32) [NaN,Infinity,-Infinity,0]');
    expect(String(zeros([65]))).toBe('Tensor(shape=[65], dtype=float32)');
  });
});

describe('sizes and element types (issue 8; the error rows are in bad-input.test.ts)', () => {
  it('a shape with a zero dimension holds no elements, however large the others', () => {
    const t = zeros([0, 2 ** 40]);
    expect(t.shape).toEqual([0, 2 ** 40]);
    expect(t.size).toBe(0);
  });

  it('refuses more than 2^32 − 1 elements before allocating, naming the count', () => {
    expect(() => zeros([2 ** 16, 2 ** 16])).toThrow(
      "zeros: argument 'shape': shape [65536, 65536] has 4294967296 elements, more than the 4294967295 (2^32 − 1) a tensor may hold",
    );
    expect(() => arange(0, 2 ** 32 + 0.5)).toThrow('the range from 0 to 4294967296.5 by 1 has 4294967297 elements');
  });

  it('any number fills, ±Infinity and NaN included; other typed arrays convert', () => {
    expect(vals(full([2], -Infinity))).toEqual([-Infinity, -Infinity]);
    expect(vals(tensor(new Int32Array([255, 0, -7])))).toEqual([255, 0, -7]);
    expect(vals(tensor([1, NaN, 3], { shape: [3] }))).toEqual([1, NaN, 3]);
  });

  it('names the hole in a sparse array, nested or flat, instead of reading it as NaN', () => {
    // eslint-disable-next-line no-sparse-arrays
    const nested = [[1, 2], [3, , ]] as unknown as number[][];
    expect(() => tensor(nested)).toThrow("tensor: argument 'data': element at [1][1] is a hole");
    // eslint-disable-next-line no-sparse-arrays
    expect(() => tensor([1, , 3] as number[], { shape: [3] })).toThrow(DTypeError);
  });
});
