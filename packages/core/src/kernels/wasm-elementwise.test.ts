import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsKernels } from '@tapegrad/core';
import type { FloatArray } from '../dtype.js';
import { setWasmLimits, wasmKernels } from './wasm.js';

// The elementwise WASM kernels against the JS ones; every size goes to WASM here (elementwise: 0).

/** A deterministic pseudo-random fill in [-1, 1) (an LCG), so failures reproduce. */
function fill<T extends FloatArray>(x: T, seed: number): T {
  let s = seed >>> 0;
  for (let i = 0; i < x.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    x[i] = s / 2 ** 31 - 1;
  }
  return x;
}

/** |a − b| in units in the last place of the larger, for doubles (2⁻¹⁰⁷⁴ below the normal range) or floats. */
function ulps(a: number, b: number, bits: 'float64' | 'float32'): number {
  if (Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b))) return 0;
  if (!Number.isFinite(a) || !Number.isFinite(b)) return Infinity;
  const [mant, emin] = bits === 'float64' ? [52, -1022] : [23, -126];
  const e = Math.max(Math.floor(Math.log2(Math.max(Math.abs(a), Math.abs(b)))), emin);
  return Math.abs(a - b) / 2 ** (e - mant);
}

describe('WASM exp and sigmoid', () => {
  let restore: ReturnType<typeof setWasmLimits>;
  beforeAll(() => {
    restore = setWasmLimits({ elementwise: 0 });
  });
  afterAll(() => {
    setWasmLimits(restore);
  });

  const special = [
    0, -0, 1, -1, 0.5, 1e-300, -1e-20, 20, -20, 36.7, -36.7, 88.7, 88.8, -103.9, -104, 709.7, 709.8, 710, 1000,
    -708.4, -740, -745, -745.2, -746, -1000, Infinity, -Infinity, NaN,
  ];
  function inputs(Arr: typeof Float32Array | typeof Float64Array, n: number): FloatArray {
    const x = fill(new Arr(n), 7);
    for (let i = 0; i < n; i++) x[i] *= i % 3 === 0 ? 750 : i % 3 === 1 ? 30 : 1;
    x.set(special.slice(0, n));
    return x;
  }

  // Mine: exp within ~1 ulp (the Taylor remainder is below 2⁻⁵³; the final 1 + u rounds once), sigmoid within
  // about 2 more for 1 + e and the division; Math.exp is within 1 ulp. float32 rounds both from doubles
  // that close, so they can differ by a double rounding at most: 1 ulp of float32.
  const bound = { float64: { exp: 2, sigmoid: 4 }, float32: { exp: 1, sigmoid: 1 } } as const;

  for (const dtype of ['float64', 'float32'] as const) {
    for (const op of ['exp', 'sigmoid'] as const) {
      it(`${dtype} ${op}: within ${bound[dtype][op]} ulp of the JS kernel; 0, ∞ and NaN exactly`, () => {
        const Arr = dtype === 'float64' ? Float64Array : Float32Array;
        for (const n of [0, 1, 2, 3, 28, 1001, 40_000]) {
          const x = inputs(Arr, n);
          const got = new Arr(n), want = new Arr(n);
          wasmKernels.unary!(op, x, got);
          jsKernels.unary(op, x, want);
          for (let i = 0; i < n; i++) {
            const d = ulps(got[i], want[i], dtype);
            // Overflow to ∞, underflow to 0, NaN, and f(±0) must come out exactly.
            const exact = x[i] === 0 || want[i] === 0 || !Number.isFinite(want[i]);
            if (!(d <= (exact ? 0 : bound[dtype][op]))) {
              expect.fail(`${dtype} ${op}(${x[i]}) = ${got[i]}, JS gives ${want[i]} (${d} ulp apart)`);
            }
          }
        }
      });
    }

    it(`${dtype}: works in place (out = x) and leaves other ops to JS`, () => {
      const Arr = dtype === 'float64' ? Float64Array : Float32Array;
      const x = inputs(Arr, 999);
      const want = new Arr(999);
      jsKernels.unary('sigmoid', x, want);
      wasmKernels.unary!('sigmoid', x, x);
      for (let i = 0; i < 999; i++) expect(ulps(x[i], want[i], dtype)).toBeLessThanOrEqual(bound[dtype].sigmoid);
      const y = inputs(Arr, 999), viaWasm = new Arr(999), viaJs = new Arr(999);
      wasmKernels.unary!('tanh', y, viaWasm);
      jsKernels.unary('tanh', y, viaJs);
      expect(viaWasm).toEqual(viaJs);
    });
  }
});

describe('WASM binary ops, cheap maps and sigmoidGrad (bit-exact with JS)', () => {
  let restore: ReturnType<typeof setWasmLimits>;
  beforeAll(() => {
    restore = setWasmLimits({ elementwise: 0 });
  });
  afterAll(() => {
    setWasmLimits(restore);
  });

  const specials = [NaN, 0, -0, Infinity, -Infinity, 1e-40, -3e38, 2.5, -1, 1];
  function values(Arr: typeof Float32Array | typeof Float64Array, n: number, seed: number): FloatArray {
    const x = fill(new Arr(n), seed);
    for (let i = 0; i < n; i++) x[i] *= 10;
    for (let i = 0; i < n && i < specials.length; i++) x[(i * 7 + seed) % n] = specials[i];
    return x;
  }
  function expectSameBits(got: FloatArray, want: FloatArray, what: string): void {
    for (let i = 0; i < want.length; i++) {
      if (!Object.is(got[i], want[i]) && !(Number.isNaN(got[i]) && Number.isNaN(want[i]))) {
        expect.fail(`${what}: element ${i} is ${got[i]}, JS gives ${want[i]}`);
      }
    }
  }
  const size = (shape: readonly number[]) => shape.reduce((p, d) => p * d, 1);
  // [a shape, b shape, out shape]: same, scalars, per-row and repeated-row operands, both broadcast,
  // and a rank-3 broadcast that stays on JS.
  const layouts: [number[], number[], number[]][] = [
    [[7, 13], [7, 13], [7, 13]], [[1001], [1001], [1001]], [[], [5, 9], [5, 9]], [[5, 9], [1], [5, 9]],
    [[37, 11], [37, 1], [37, 11]], [[37, 1], [37, 11], [37, 11]], [[9, 33], [33], [9, 33]], [[1, 33], [9, 33], [9, 33]],
    [[4, 1], [1, 6], [4, 6]], [[3, 4, 5], [3, 1, 5], [3, 4, 5]],
  ];

  for (const dtype of ['float64', 'float32'] as const) {
    const Arr = dtype === 'float64' ? Float64Array : Float32Array;
    it(`${dtype}: add, sub, mul, div, maximum, minimum under every broadcast layout`, () => {
      for (const op of ['add', 'sub', 'mul', 'div', 'maximum', 'minimum'] as const) {
        for (const [as, bs, os] of layouts) {
          const a = values(Arr, size(as), 1), b = values(Arr, size(bs), 2);
          const got = new Arr(size(os)), want = new Arr(size(os));
          wasmKernels.binary!(op, a, as, b, bs, got, os);
          jsKernels.binary(op, a, as, b, bs, want, os);
          expectSameBits(got, want, `${dtype} ${op} ${JSON.stringify([as, bs])}`);
        }
      }
    });

    it(`${dtype}: neg, abs, sqrt, relu, square, reciprocal, in place too`, () => {
      for (const op of ['neg', 'abs', 'sqrt', 'relu', 'square', 'reciprocal'] as const) {
        for (const n of [0, 1, 5, 1003]) {
          const x = values(Arr, n, 3), got = new Arr(n), want = new Arr(n);
          wasmKernels.unary!(op, x, got);
          jsKernels.unary(op, x, want);
          expectSameBits(got, want, `${dtype} ${op} n=${n}`);
          wasmKernels.unary!(op, x, x);
          expectSameBits(x, want, `${dtype} ${op} in place`);
        }
      }
    });

    it(`${dtype}: sigmoidGrad = dy·y·(1 − y)`, () => {
      for (const n of [1, 2, 999]) {
        const y = fill(new Arr(n), 4).map((v) => (v + 1) / 2), dy = values(Arr, n, 5);
        const got = new Arr(n), want = new Arr(n);
        wasmKernels.sigmoidGrad!(y, dy, got);
        jsKernels.sigmoidGrad(y, dy, want);
        expectSameBits(got, want, `${dtype} sigmoidGrad n=${n}`);
      }
    });
  }
});

