import { describe, it, expect } from 'vitest';
import type { FloatArray } from '../dtype.js';
import { jsKernels as K } from './js.js';
import type { BinaryKernelOp } from './types.js';

type Ctor = Float32ArrayConstructor | Float64ArrayConstructor;
const CTORS: [string, Ctor][] = [['Float32Array', Float32Array], ['Float64Array', Float64Array]];

const size = (shape: readonly number[]): number => shape.reduce((p, d) => p * d, 1);
/** A new array of `n` elements f(0), f(1), …, rounded to T's precision. */
function make(T: Ctor, n: number, f: (i: number) => number): FloatArray {
  const out = new T(n);
  for (let i = 0; i < n; i++) out[i] = f(i);
  return out;
}
const iota = (T: Ctor, n: number, from = 0): FloatArray => make(T, n, (i) => from + i);

/** Deterministic small integers in [-4, 4], so every sum and product below is exact even in float32. */
function ints(T: Ctor, n: number, seed = 1): FloatArray {
  let s = seed >>> 0;
  return make(T, n, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s >>> 24) % 9 - 4;
  });
}

/** Element-by-element comparison; NaN matches NaN, -0 matches 0; tol is relative (0 = exact). */
function expectVals(actual: ArrayLike<number>, expected: readonly number[], tol = 0): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (Number.isNaN(e)) expect(a, `index ${i}`).toBeNaN();
    else if (tol === 0 || !Number.isFinite(e)) { if (a !== e) expect(a, `index ${i}`).toBe(e); }
    else expect(Math.abs(a - e), `index ${i}: ${a} vs ${e}`).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(e)));
  }
}

const dot = (x: ArrayLike<number>, y: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * y[i];
  return s;
};

/** Multi-index of flat index `f` in `shape` (row-major). */
function unravel(f: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = f % shape[d];
    f = Math.floor(f / shape[d]);
  }
  return idx;
}
const ravel = (idx: readonly number[], shape: readonly number[]): number =>
  idx.reduce((acc, i, d) => acc * shape[d] + i, 0);
/** Flat index into an array of `shape` read at output multi-index `idx` under NumPy broadcasting. */
const bcastIndex = (idx: readonly number[], shape: readonly number[]): number =>
  ravel(shape.map((d, i) => (d === 1 ? 0 : idx[idx.length - shape.length + i])), shape);

const SCALAR: Record<BinaryKernelOp, (a: number, b: number) => number> = {
  add: (a, b) => a + b, sub: (a, b) => a - b, mul: (a, b) => a * b, div: (a, b) => a / b,
  // IEEE 754 pow (as NumPy/PyTorch): 1^y = 1 and (−1)^±∞ = 1 even where Math.pow gives NaN.
  pow: (a, b) => (a === 1 || (a === -1 && Math.abs(b) === Infinity) ? 1 : a ** b),
  maximum: (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : a > b ? a : b),
  minimum: (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : a < b ? a : b),
  eq: (a, b) => +(a === b), ne: (a, b) => +(a !== b), lt: (a, b) => +(a < b), le: (a, b) => +(a <= b),
  gt: (a, b) => +(a > b), ge: (a, b) => +(a >= b),
};
const BINARY_OPS = Object.keys(SCALAR) as BinaryKernelOp[];

describe.each(CTORS)('jsKernels with %s', (_name, T) => {
  const tol = T === Float32Array ? 2e-7 : 1e-15;

  describe('unary', () => {
    const x = [-2, -0.5, 0, 0.5, 2];
    const run = (op: Parameters<typeof K.unary>[0], vals: number[]): FloatArray => {
      const out = new T(vals.length);
      K.unary(op, T.from(vals), out);
      return out;
    };
    it('computes each op', () => {
      expectVals(run('neg', x), [2, 0.5, 0, -0.5, -2]);
      expectVals(run('abs', x), [2, 0.5, 0, 0.5, 2]);
      expectVals(run('square', x), [4, 0.25, 0, 0.25, 4]);
      expectVals(run('reciprocal', x), [-0.5, -2, Infinity, 2, 0.5]);
      expectVals(run('exp', [0, 1, -1]), [1, 2.718281828459045, 0.36787944117144233], tol);
      expectVals(run('log', [1, 2, 0, -1]), [0, 0.6931471805599453, -Infinity, NaN], tol);
      expectVals(run('sqrt', [4, 2, 0, -1]), [2, 1.4142135623730951, 0, NaN], tol);
      expectVals(run('tanh', [0, 0.5, -0.5, 100]), [0, 0.46211715726000974, -0.46211715726000974, 1], tol);
    });
    it('sigmoid is exact at 0, symmetric, and stable for large |x|', () => {
      expectVals(run('sigmoid', [0, 2, -2, 1000, -1000, NaN]), [0.5, 0.8807970779778823, 0.11920292202211755, 1, 0, NaN], tol);
      // The two branches must agree at the far ends: no Infinity/Infinity = NaN.
      const tiny = run('sigmoid', [-50])[0];
      expect(tiny).toBeGreaterThan(0);
      expect(Math.abs(tiny - 1.9287498479639178e-22) / 1.9287498479639178e-22).toBeLessThan(1e-6);
    });
    it('relu zeroes non-positives and propagates NaN; sign has sign(0) = 0, sign(NaN) = NaN', () => {
      expectVals(run('relu', [-3, 0, 2.5, NaN, -Infinity]), [0, 0, 2.5, NaN, 0]);
      expectVals(run('sign', [-3, 0, 2.5, NaN, Infinity]), [-1, 0, 1, NaN, 1]);
    });
    it('works in place and on empty arrays', () => {
      const y = T.from([1, -2, 3]);
      K.unary('square', y, y);
      expectVals(y, [1, 4, 9]);
      const e = new T(0);
      K.unary('exp', e, e);
      expect(e.length).toBe(0);
    });
  });

  describe('binary', () => {
    const bin = (
      op: BinaryKernelOp, a: number[], aShape: number[], b: number[], bShape: number[], outShape: number[],
    ): FloatArray => {
      const out = new T(size(outShape));
      K.binary(op, T.from(a), aShape, T.from(b), bShape, out, outShape);
      return out;
    };

    it('same shapes, hand-computed', () => {
      const a = [1, -2, 3, 0, 2];
      const b = [2, 2, -1, 0, 0.5];
      expectVals(bin('add', a, [5], b, [5], [5]), [3, 0, 2, 0, 2.5]);
      expectVals(bin('sub', a, [5], b, [5], [5]), [-1, -4, 4, 0, 1.5]);
      expectVals(bin('mul', a, [5], b, [5], [5]), [2, -4, -3, 0, 1]);
      expectVals(bin('div', a, [5], b, [5], [5]), [0.5, -1, -3, NaN, 4]);
      expectVals(bin('pow', a, [5], b, [5], [5]), [1, 4, 1 / 3, 1, Math.SQRT2], tol);
      expectVals(bin('maximum', a, [5], b, [5], [5]), [2, 2, 3, 0, 2]);
      expectVals(bin('minimum', a, [5], b, [5], [5]), [1, -2, -1, 0, 0.5]);
      expectVals(bin('eq', a, [5], b, [5], [5]), [0, 0, 0, 1, 0]);
      expectVals(bin('ne', a, [5], b, [5], [5]), [1, 1, 1, 0, 1]);
      expectVals(bin('lt', a, [5], b, [5], [5]), [1, 1, 0, 0, 0]);
      expectVals(bin('le', a, [5], b, [5], [5]), [1, 1, 0, 1, 0]);
      expectVals(bin('gt', a, [5], b, [5], [5]), [0, 0, 1, 0, 1]);
      expectVals(bin('ge', a, [5], b, [5], [5]), [0, 0, 1, 1, 1]);
    });

    it('pow follows IEEE 754: 1^NaN = 1, (−1)^±∞ = 1, NaN^0 = 1', () => {
      const a = [1, -1, -1, 1, NaN, NaN, -8];
      const b = [NaN, Infinity, -Infinity, -Infinity, 0, 1, 1 / 3];
      expectVals(bin('pow', a, [7], b, [7], [7]), [1, 1, 1, 1, 1, NaN, NaN]);
      expectVals(bin('pow', [1], [], [NaN, 2], [2], [2]), [1, 1]);
      expectVals(bin('pow', [-1, 2], [2], [Infinity], [], [2]), [1, Infinity]);
      expectVals(bin('pow', [1, -1], [2, 1], [NaN, Infinity], [1, 2], [2, 2]), [1, 1, NaN, 1]);
    });

    it('NaN: maximum/minimum propagate it from either side; comparisons are false except ne', () => {
      const a = [NaN, 1, NaN];
      const b = [1, NaN, NaN];
      expectVals(bin('maximum', a, [3], b, [3], [3]), [NaN, NaN, NaN]);
      expectVals(bin('minimum', a, [3], b, [3], [3]), [NaN, NaN, NaN]);
      for (const op of ['eq', 'lt', 'le', 'gt', 'ge'] as const) expectVals(bin(op, a, [3], b, [3], [3]), [0, 0, 0]);
      expectVals(bin('ne', a, [3], b, [3], [3]), [1, 1, 1]);
      // The scalar fast paths too.
      expectVals(bin('maximum', [NaN], [], [1, 2], [2], [2]), [NaN, NaN]);
      expectVals(bin('minimum', [1, 2], [2], [NaN], [1], [2]), [NaN, NaN]);
    });

    it('scalar operand on either side, 0-d and [1, 1]', () => {
      expectVals(bin('sub', [10], [], [1, 2, 3, 4], [2, 2], [2, 2]), [9, 8, 7, 6]);
      expectVals(bin('div', [1, 2, 3, 4], [2, 2], [2], [1, 1], [2, 2]), [0.5, 1, 1.5, 2]);
      expectVals(bin('pow', [2], [1], [0, 1, 3], [3], [3]), [1, 2, 8]);
      expectVals(bin('lt', [0, 1, 2], [3], [1], [], [3]), [1, 0, 0]);
      expectVals(bin('mul', [3], [], [-2], [], []), [-6]);
    });

    it('broadcasts size-1 dims and rank differences', () => {
      // [2,3] + [3]
      expectVals(bin('add', [1, 2, 3, 4, 5, 6], [2, 3], [10, 20, 30], [3], [2, 3]), [11, 22, 33, 14, 25, 36]);
      // column [2,1] − row [1,3]
      expectVals(bin('sub', [1, 2], [2, 1], [10, 20, 30], [1, 3], [2, 3]), [-9, -19, -29, -8, -18, -28]);
      // [2,1,2] + [3,1] → [2,3,2]: out[i,j,k] = a[i,0,k] + b[j,0]
      expectVals(
        bin('add', [1, 2, 3, 4], [2, 1, 2], [10, 20, 30], [3, 1], [2, 3, 2]),
        [11, 12, 21, 22, 31, 32, 13, 14, 23, 24, 33, 34],
      );
      // Both operands broadcast on different dims, non-commutative op.
      expectVals(bin('div', [8, 4], [2, 1, 1], [1, 2, 4], [1, 3], [2, 1, 3]), [8, 4, 2, 4, 2, 1]);
    });

    it('every op matches a scalar reference on every path', () => {
      const cases: [number[], number[], number[]][] = [
        [[2, 3], [2, 3], [2, 3]], // same shape
        [[], [2, 3], [2, 3]], // scalar left
        [[2, 3], [1, 1], [2, 3]], // scalar right
        [[4, 1, 3], [2, 1], [4, 2, 3]], // general
        [[1, 5], [3, 1], [3, 5]],
      ];
      // Small integers, and values from {-1, 0, 1, NaN} so that ties and NaNs occur on every path.
      const fewValues = (n: number, seed: number): FloatArray => make(T, n, (i) => [-1, 0, 1, NaN][(i * 7 + seed) % 4]);
      for (const [aShape, bShape, outShape] of cases) {
        const inputs = [
          [ints(T, size(aShape), 3), ints(T, size(bShape), 7)],
          [fewValues(size(aShape), 1), fewValues(size(bShape), 2)],
        ];
        for (const [a, b] of inputs) for (const op of BINARY_OPS) {
          const out = new T(size(outShape));
          K.binary(op, a, aShape, b, bShape, out, outShape);
          const expected = Array.from({ length: out.length }, (_, f) => {
            const idx = unravel(f, outShape);
            const v = SCALAR[op](a[bcastIndex(idx, aShape)], b[bcastIndex(idx, bShape)]);
            return T === Float32Array ? Math.fround(v) : v;
          });
          expectVals(out, expected, T === Float32Array ? 0 : 1e-15);
        }
      }
    });

    it('handles empty arrays', () => {
      expect(bin('add', [], [0, 3], [1, 2, 3], [3], [0, 3]).length).toBe(0);
      expect(bin('mul', [1, 2], [2, 1], [], [0], [2, 0]).length).toBe(0);
      expect(bin('sub', [], [0], [5], [], [0]).length).toBe(0);
    });
  });

  describe('where and clamp', () => {
    it('where picks a where cond ≠ 0 (NaN counts as true, -0 as false)', () => {
      const out = new T(4);
      K.where(T.from([1, 0, NaN, -0]), [4], T.from([1, 2, 3, 4]), [4], T.from([5, 6, 7, 8]), [4], out, [4]);
      expectVals(out, [1, 6, 3, 8]);
    });
    it('where broadcasts all three operands', () => {
      const out = new T(6);
      K.where(T.from([NaN, 0]), [2, 1], T.from([1, 2, 3]), [3], T.from([9]), [], out, [2, 3]);
      expectVals(out, [1, 2, 3, 9, 9, 9]);
      const out2 = new T(6);
      K.where(T.from([0, 2, 0]), [3], T.from([1, 2]), [2, 1], T.from([7, 8, 9]), [1, 3], out2, [2, 3]);
      expectVals(out2, [7, 1, 9, 7, 2, 9]);
      const e = new T(0);
      K.where(T.from([1]), [1], new T(0), [0, 2], T.from([1, 2]), [2], e, [0, 2]);
      expect(e.length).toBe(0);
    });
    it('clamp keeps NaN and clamps ±Infinity', () => {
      const out = new T(6);
      K.clamp(T.from([-5, 0.5, 5, NaN, -Infinity, Infinity]), -1, 1, out);
      expectVals(out, [-1, 0.5, 1, NaN, -1, 1]);
    });
  });

  describe('reduce', () => {
    // x[i,j,k] = 12i + 4j + k
    const shape = [2, 3, 4];
    const x = iota(T, 24);
    const red = (op: 'sum' | 'max' | 'min', axes: number[], xs = x, sh = shape): FloatArray => {
      const out = new T(size(sh.filter((_, d) => !axes.includes(d))));
      K.reduce(op, xs, sh, axes, out);
      return out;
    };

    it('sums over one axis (trailing and not)', () => {
      expectVals(red('sum', [2]), [6, 22, 38, 54, 70, 86]);
      expectVals(red('sum', [0]), Array.from({ length: 12 }, (_, i) => 2 * i + 12));
      // Σ_j (12i + 4j + k) = 36i + 12 + 3k
      expectVals(red('sum', [1]), [12, 15, 18, 21, 48, 51, 54, 57]);
    });
    it('sums over several axes, adjacent or not, and over all', () => {
      expectVals(red('sum', [0, 2]), [60, 92, 124]); // 48 + 32j + 12
      expectVals(red('sum', [0, 1]), [60, 66, 72, 78]); // 60 + 6k
      expectVals(red('sum', [1, 2]), [66, 210]);
      expectVals(red('sum', [0, 1, 2]), [276]);
    });
    it('max and min', () => {
      expectVals(red('max', [1]), [8, 9, 10, 11, 20, 21, 22, 23]);
      expectVals(red('min', [0, 2]), [0, 4, 8]);
      expectVals(red('max', [0, 1, 2]), [23]);
      expectVals(red('min', [2]), [0, 4, 8, 12, 16, 20]);
      expectVals(red('max', [0], T.from([-1, 5, -3, 2]), [2, 2]), [-1, 5]);
    });
    it('over no axes is a copy, including 0-d', () => {
      expectVals(red('sum', []), Array.from(x));
      expectVals(red('max', [], T.from([7]), []), [7]);
    });
    it('reduces size-1 axes', () => {
      expectVals(red('sum', [1], iota(T, 6), [2, 1, 3]), [0, 1, 2, 3, 4, 5]);
      expectVals(red('max', [0, 2], iota(T, 3), [1, 3, 1]), [0, 1, 2]);
    });
    it('over an empty axis gives the identity', () => {
      expectVals(red('sum', [1], new T(0), [2, 0]), [0, 0]);
      expectVals(red('max', [1], new T(0), [2, 0]), [-Infinity, -Infinity]);
      expectVals(red('min', [1], new T(0), [2, 0]), [Infinity, Infinity]);
      expectVals(red('sum', [0], new T(0), [0, 3]), [0, 0, 0]);
      expectVals(red('max', [0, 2], new T(0), [0, 2, 3]), [-Infinity, -Infinity]);
      expect(red('sum', [1], new T(0), [0, 3]).length).toBe(0);
    });
    it('max/min propagate NaN on both paths', () => {
      const nan = T.from([1, NaN, 3, 4, NaN, 0]);
      expectVals(red('max', [1], nan, [2, 3]), [NaN, NaN]);
      expectVals(red('min', [1], nan, [3, 2]), [NaN, 3, NaN]);
      expectVals(red('max', [0], nan, [3, 2]), [NaN, NaN]);
      expectVals(red('min', [0], nan, [2, 3]), [1, NaN, 0]);
      expectVals(red('max', [0], T.from([NaN, 5, 6]), [3]), [NaN]);
      // General path with a wholly reduced inner run, NaN mid-run: [2,2,3] over axes [0, 2].
      const mid = iota(T, 12);
      mid[1] = NaN;
      expectVals(red('max', [0, 2], mid, [2, 2, 3]), [NaN, 11]);
      expectVals(red('min', [0, 2], mid, [2, 2, 3]), [NaN, 3]);
      expectVals(red('sum', [0, 2], mid, [2, 2, 3]), [NaN, 3 + 4 + 5 + 9 + 10 + 11]);
    });
    it('sums in double precision before the float32 store', () => {
      // In float32, 2^24 + 1 rounds back to 2^24; the double sum 2^24 + 2 is representable.
      expectVals(red('sum', [0], T.from([2 ** 24, 1, 1]), [3]), [2 ** 24 + 2]);
      expectVals(red('sum', [0], T.from([2 ** 24, 0, 1, 0, 1, 0]), [3, 2]), [2 ** 24 + 2, 0]);
      expectVals(red('sum', [0, 2], T.from([2 ** 24, 1, 0, 0, 1, 0]), [3, 1, 2]), [2 ** 24 + 2]);
    });
  });

  describe('layout', () => {
    it('broadcast', () => {
      const b = (vals: number[], shape: number[], outShape: number[]): FloatArray => {
        const out = new T(size(outShape));
        K.broadcast(T.from(vals), shape, out, outShape);
        return out;
      };
      expectVals(b([1, 2, 3], [3], [2, 3]), [1, 2, 3, 1, 2, 3]);
      expectVals(b([1, 2], [2, 1], [2, 3]), [1, 1, 1, 2, 2, 2]);
      expectVals(b([5], [], [2, 2]), [5, 5, 5, 5]);
      expectVals(b([1, 2, 3], [1, 3, 1], [2, 3, 2]), [1, 1, 2, 2, 3, 3, 1, 1, 2, 2, 3, 3]);
      expectVals(b([1, 2], [2], [2]), [1, 2]);
      expectVals(b([4], [], []), [4]);
      expect(b([1, 2, 3], [3], [0, 3]).length).toBe(0);
    });

    describe('transpose', () => {
      const tr = (x: FloatArray, shape: number[], perm: number[]): FloatArray => {
        const out = new T(x.length);
        K.transpose(x, shape, perm, out);
        return out;
      };
      /** out[idx] = x[idx permuted back]: x's index on axis perm[i] is out's index on axis i. */
      const reference = (x: FloatArray, shape: number[], perm: number[]): number[] => {
        const outShape = perm.map((p) => shape[p]);
        return Array.from({ length: x.length }, (_, f) => {
          const o = unravel(f, outShape);
          const xi = new Array<number>(shape.length);
          perm.forEach((p, i) => (xi[p] = o[i]));
          return x[ravel(xi, shape)];
        });
      };
      it('2-D, hand-computed', () => {
        expectVals(tr(iota(T, 6), [2, 3], [1, 0]), [0, 3, 1, 4, 2, 5]);
      });
      it('3-D, hand-computed', () => {
        // x[i,j,k] = 4i + 2j + k; perm [2,0,1] gives out[k,i,j]
        expectVals(tr(iota(T, 8), [2, 2, 2], [2, 0, 1]), [0, 2, 4, 6, 1, 3, 5, 7]);
        // perm [1,0,2] on [2,3,2] swaps whole rows of 2
        expectVals(tr(iota(T, 12), [2, 3, 2], [1, 0, 2]), [0, 1, 6, 7, 2, 3, 8, 9, 4, 5, 10, 11]);
      });
      it('every 3-D perm and a large tiled 2-D case match the index definition', () => {
        const shape = [3, 4, 5];
        const x = iota(T, 60);
        for (const perm of [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]]) {
          expectVals(tr(x, shape, perm), reference(x, shape, perm));
        }
        const big = iota(T, 70 * 45);
        expectVals(tr(big, [70, 45], [1, 0]), reference(big, [70, 45], [1, 0]));
        expectVals(tr(iota(T, 12), [3, 1, 4], [2, 1, 0]), reference(iota(T, 12), [3, 1, 4], [2, 1, 0]));
      });
      it('0-d and empty', () => {
        expectVals(tr(T.from([3]), [], []), [3]);
        expect(tr(new T(0), [2, 0, 3], [2, 0, 1]).length).toBe(0);
      });
    });

    describe('slice and unslice', () => {
      const sl = (x: FloatArray, shape: number[], begin: number[], step: number[], outShape: number[]): FloatArray => {
        const out = new T(size(outShape));
        K.slice(x, shape, begin, step, out, outShape);
        return out;
      };
      const unsl = (dy: FloatArray, dyShape: number[], begin: number[], step: number[], outShape: number[]): FloatArray => {
        const out = new T(size(outShape)).fill(99); // must be zero-filled by the kernel
        K.unslice(dy, dyShape, begin, step, out, outShape);
        return out;
      };
      it('slices with step 1 and 2, hand-computed', () => {
        expectVals(sl(iota(T, 10), [10], [1], [2], [5]), [1, 3, 5, 7, 9]);
        expectVals(sl(iota(T, 10), [10], [2], [1], [3]), [2, 3, 4]);
        // rows 1 and 3, columns 0, 2, 4 of a 4×5 iota
        expectVals(sl(iota(T, 20), [4, 5], [1, 0], [2, 2], [2, 3]), [5, 7, 9, 15, 17, 19]);
        // x[i,j,k] = 12i + 4j + k on [2,3,4]; take i = 1, j in {0, 2}, k in {1, 2}
        expectVals(sl(iota(T, 24), [2, 3, 4], [1, 0, 1], [1, 2, 1], [1, 2, 2]), [13, 14, 21, 22]);
        expectVals(sl(T.from([7]), [], [], [], []), [7]);
        expect(sl(iota(T, 20), [4, 5], [1, 0], [2, 2], [0, 3]).length).toBe(0);
      });
      it('unslice zero-fills and scatters, hand-computed', () => {
        expectVals(unsl(T.from([1, 2]), [2], [1], [2], [5]), [0, 1, 0, 2, 0]);
        expectVals(unsl(T.from([1, 2, 3, 4]), [2, 2], [0, 1], [2, 1], [3, 3]), [0, 1, 2, 0, 0, 0, 0, 3, 4]);
        expectVals(unsl(new T(0), [0, 2], [0, 0], [1, 1], [2, 2]), [0, 0, 0, 0]);
      });
      it('unslice is the adjoint of slice: <unslice(dy), x> = <dy, slice(x)>', () => {
        const cases: [number[], number[], number[], number[]][] = [
          [[9], [1], [2], [4]],
          [[5, 6], [1, 0], [2, 2], [2, 3]],
          [[4, 5, 6], [1, 2, 0], [2, 1, 3], [2, 3, 2]],
          [[3, 4], [0, 0], [1, 1], [3, 4]],
        ];
        for (const [shape, begin, step, outShape] of cases) {
          const x = ints(T, size(shape), 11);
          const dy = ints(T, size(outShape), 13);
          expect(dot(unsl(dy, outShape, begin, step, shape), x)).toBe(dot(dy, sl(x, shape, begin, step, outShape)));
        }
      });
    });

    it('concat along each axis, with an empty part', () => {
      const cat = (parts: [number[], number[]][], axis: number, outShape: number[]): FloatArray => {
        const out = new T(size(outShape));
        K.concat(parts.map(([v, shape]) => ({ data: T.from(v), shape })), axis, out, outShape);
        return out;
      };
      expectVals(cat([[[1, 2, 3, 4], [2, 2]], [[5, 6], [1, 2]]], 0, [3, 2]), [1, 2, 3, 4, 5, 6]);
      expectVals(cat([[[1, 2], [2, 1]], [[3, 4, 5, 6], [2, 2]]], 1, [2, 3]), [1, 3, 4, 2, 5, 6]);
      expectVals(cat([[[1, 2], [2, 1]], [[], [2, 0]], [[3, 4], [2, 1]]], 1, [2, 2]), [1, 3, 2, 4]);
      // [2,2,1] ++ [2,2,2] on axis 2
      expectVals(
        cat([[[1, 2, 3, 4], [2, 2, 1]], [[5, 6, 7, 8, 9, 10, 11, 12], [2, 2, 2]]], 2, [2, 2, 3]),
        [1, 5, 6, 2, 7, 8, 3, 9, 10, 4, 11, 12],
      );
      expectVals(cat([[[1], [1]], [[2, 3], [2]]], 0, [3]), [1, 2, 3]);
      expect(cat([[[], [0, 2]], [[], [0, 2]]], 1, [0, 4]).length).toBe(0);
    });

    describe('gather and scatterAdd', () => {
      const ga = (x: FloatArray, shape: number[], index: number[], indexShape: number[], axis: number): FloatArray => {
        const out = new T(size(indexShape));
        K.gather(x, shape, Int32Array.from(index), indexShape, axis, out);
        return out;
      };
      const sa = (src: FloatArray, index: number[], indexShape: number[], axis: number, outShape: number[]): FloatArray => {
        const out = new T(size(outShape)).fill(99); // must be zero-filled by the kernel
        K.scatterAdd(src, Int32Array.from(index), indexShape, axis, out, outShape);
        return out;
      };
      it('gather, hand-computed', () => {
        const x = T.from([1, 2, 3, 4]);
        expectVals(ga(x, [2, 2], [0, 0, 1, 0], [2, 2], 1), [1, 1, 4, 3]);
        expectVals(ga(x, [2, 2], [1, 0, 0, 0], [2, 2], 0), [3, 2, 1, 2]);
        // index smaller than x off the axis: x is 3×4 iota, index 2×2 on axis 1
        expectVals(ga(iota(T, 12), [3, 4], [3, 0, 2, 2], [2, 2], 1), [3, 0, 6, 6]);
      });
      it('gather on 1-D, on the middle axis, and with an empty index', () => {
        expectVals(ga(T.from([10, 20, 30]), [3], [2, 2, 0, 1], [4], 0), [30, 30, 10, 20]);
        // out[i,j,k] = x[i, index[i,j,k], k] with x[i,j,k] = 6i + 2j + k on [2,3,2]; index shape [2,1,2]
        expectVals(ga(iota(T, 12), [2, 3, 2], [2, 0, 1, 1], [2, 1, 2], 1), [4, 1, 8, 9]);
        expect(ga(iota(T, 6), [2, 3], [], [2, 0], 1).length).toBe(0);
      });
      it('scatterAdd accumulates repeated indices, hand-computed', () => {
        expectVals(sa(T.from([1, 2, 3, 4, 5]), [0, 2, 2, 0, 1], [5], 0, [4]), [5, 5, 5, 0]);
        // rows scatter along axis 1 into a 2×3 out
        expectVals(sa(T.from([1, 2, 3, 4]), [2, 2, 0, 1], [2, 2], 1, [2, 3]), [0, 0, 3, 3, 4, 0]);
        // along axis 0, index 1×2 into a 3×2 out
        expectVals(sa(T.from([5, 6]), [2, 0], [1, 2], 0, [3, 2]), [0, 6, 0, 0, 5, 0]);
        expectVals(sa(new T(0), [], [0, 2], 0, [2, 2]), [0, 0, 0, 0]);
      });
      it('scatterAdd is the adjoint of gather: <gather(x), y> = <x, scatterAdd(y)>', () => {
        const cases: [number[], number[], number][] = [
          [[5], [8], 0],
          [[3, 4], [3, 6], 1],
          [[3, 4], [5, 2], 0],
          [[2, 3, 4], [2, 5, 3], 1],
          [[2, 3, 4], [1, 2, 7], 2],
          [[2, 3, 4], [4, 3, 2], 0],
        ];
        let seed = 1;
        for (const [shape, indexShape, axis] of cases) {
          const n = size(indexShape);
          const index = Array.from({ length: n }, () => (seed = (seed * 48271) % 2147483647) % shape[axis]);
          const x = ints(T, size(shape), 17);
          const y = ints(T, n, 19);
          expect(dot(ga(x, shape, index, indexShape, axis), y)).toBe(dot(x, sa(y, index, indexShape, axis, shape)));
        }
      });
    });

    describe('take and indexAdd', () => {
      const tk = (x: FloatArray, shape: number[], index: number[], axis: number): FloatArray => {
        const out = new T(size(shape.map((d, i) => (i === axis ? index.length : d))));
        K.take(x, shape, Int32Array.from(index), axis, out);
        return out;
      };
      const ia = (src: FloatArray, index: number[], axis: number, outShape: number[]): FloatArray => {
        const out = new T(size(outShape)).fill(99); // must be zero-filled by the kernel
        K.indexAdd(src, Int32Array.from(index), axis, out, outShape);
        return out;
      };
      it('take, hand-computed: columns, rows, the middle axis, repeats, nothing', () => {
        const x = iota(T, 6); // [[0, 1, 2], [3, 4, 5]]
        expectVals(tk(x, [2, 3], [2, 0, 2], 1), [2, 0, 2, 5, 3, 5]);
        expectVals(tk(x, [2, 3], [1, 1], 0), [3, 4, 5, 3, 4, 5]);
        // x[i,j,k] = 6i + 2j + k on [2,3,2], slices j = 2, 0
        expectVals(tk(iota(T, 12), [2, 3, 2], [2, 0], 1), [4, 5, 0, 1, 10, 11, 6, 7]);
        expect(tk(x, [2, 3], [], 1).length).toBe(0);
      });
      it('indexAdd accumulates repeated slices, hand-computed', () => {
        // src [2, 3] into [2, 2] along axis 1 at [1, 0, 1]
        expectVals(ia(T.from([1, 2, 3, 4, 5, 6]), [1, 0, 1], 1, [2, 2]), [2, 4, 5, 10]);
        // rows along axis 0: src [2, 2] into [3, 2] at [2, 2]
        expectVals(ia(T.from([1, 2, 3, 4]), [2, 2], 0, [3, 2]), [0, 0, 0, 0, 4, 6]);
        expectVals(ia(new T(0), [], 1, [2, 2]), [0, 0, 0, 0]);
      });
      it('indexAdd is the adjoint of take: <take(x), y> = <x, indexAdd(y)>', () => {
        const cases: [number[], number, number][] = [[[5], 8, 0], [[3, 4], 6, 1], [[3, 4], 2, 0], [[2, 3, 4], 5, 1], [[2, 3, 4], 7, 2]];
        let seed = 3;
        for (const [shape, k, axis] of cases) {
          const index = Array.from({ length: k }, () => (seed = (seed * 48271) % 2147483647) % shape[axis]);
          const outShape = shape.map((d, i) => (i === axis ? k : d));
          const x = ints(T, size(shape), 17);
          const y = ints(T, size(outShape), 19);
          expect(dot(tk(x, shape, index, axis), y)).toBe(dot(x, ia(y, index, axis, shape)));
        }
      });
    });
  });

  describe('gemm', () => {
    /** C = op(A)·op(B) by the definition, in doubles. */
    function naive(
      tA: boolean, tB: boolean, m: number, n: number, k: number, a: FloatArray, aOff: number, b: FloatArray, bOff: number,
    ): number[] {
      const c: number[] = [];
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < n; j++) {
          let s = 0;
          for (let p = 0; p < k; p++) {
            s += a[aOff + (tA ? p * m + i : i * k + p)] * b[bOff + (tB ? j * k + p : p * n + j)];
          }
          c.push(s);
        }
      }
      return c;
    }
    const combos: [boolean, boolean][] = [[false, false], [true, false], [false, true], [true, true]];

    it('2×2 by hand', () => {
      const c = new T(4);
      K.gemm(false, false, 2, 2, 2, T.from([1, 2, 3, 4]), 0, T.from([5, 6, 7, 8]), 0, c, 0);
      expectVals(c, [19, 22, 43, 50]);
      // Aᵀ·B with A stored [[1,3],[2,4]] is the same product.
      K.gemm(true, false, 2, 2, 2, T.from([1, 3, 2, 4]), 0, T.from([5, 6, 7, 8]), 0, c, 0);
      expectVals(c, [19, 22, 43, 50]);
      K.gemm(false, true, 2, 2, 2, T.from([1, 2, 3, 4]), 0, T.from([5, 7, 6, 8]), 0, c, 0);
      expectVals(c, [19, 22, 43, 50]);
      K.gemm(true, true, 2, 2, 2, T.from([1, 3, 2, 4]), 0, T.from([5, 7, 6, 8]), 0, c, 0);
      expectVals(c, [19, 22, 43, 50]);
    });

    it.each(combos)('transA=%s transB=%s matches a naive triple loop, with offsets', (tA, tB) => {
      for (const [m, n, k] of [[1, 1, 1], [3, 4, 5], [7, 2, 9], [1, 6, 3], [5, 1, 1], [33, 17, 40]]) {
        const aOff = 3;
        const bOff = 5;
        const cOff = 2;
        const a = ints(T, aOff + m * k + 2, m + 7 * k);
        const b = ints(T, bOff + k * n + 1, n + 13 * k);
        const c = new T(cOff + m * n + 3).fill(NaN); // overwritten, not accumulated into
        K.gemm(tA, tB, m, n, k, a, aOff, b, bOff, c, cOff);
        expectVals(c.subarray(cOff, cOff + m * n), naive(tA, tB, m, n, k, a, aOff, b, bOff));
        // nothing outside C's window is touched
        expectVals(c.subarray(0, cOff), [NaN, NaN]);
        expectVals(c.subarray(cOff + m * n), [NaN, NaN, NaN]);
      }
    });

    it.each(combos)('transA=%s transB=%s: k = 0 zeroes C, m = 0 or n = 0 touches nothing', (tA, tB) => {
      const c = new T(7).fill(5);
      K.gemm(tA, tB, 2, 3, 0, new T(0), 0, new T(0), 0, c, 1);
      expectVals(c, [5, 0, 0, 0, 0, 0, 0]);
      const d = new T(3).fill(5);
      K.gemm(tA, tB, 0, 3, 2, new T(0), 0, T.from([1, 2, 3, 4, 5, 6]), 0, d, 0);
      K.gemm(tA, tB, 3, 0, 2, T.from([1, 2, 3, 4, 5, 6]), 0, new T(0), 0, d, 0);
      expectVals(d, [5, 5, 5]);
    });

    it.each(combos)('transA=%s transB=%s accumulates in double precision', (tA, tB) => {
      // 1×3 · 3×1 (the same memory in either layout): 2^24 + 1 + 1 = 2^24 + 2, exact only if not rounded to float32 midway.
      const c = new T(1);
      K.gemm(tA, tB, 1, 1, 3, T.from([2 ** 24, 1, 1]), 0, T.from([1, 1, 1]), 0, c, 0);
      expectVals(c, [2 ** 24 + 2]);
    });
  });
});
