/**
 * The im2col kernel's shifted-copy fast path (stride 1, output as wide as the input) against the
 * row-by-row reference `im2colRows` (ops/conv.test.ts checks im2col against its defining formula and
 * col2im as its adjoint).
 */
import { describe, expect, it } from 'vitest';
import { SHIFTED_MIN_PLANE, im2col, im2colRows, type ConvGeometry } from './js-conv.js';

/** The geometry of windows of a kernel on an H×W image, with the output sizes worked out. */
function geometry(h: number, w: number, [kh, kw, sh, sw, dh, dw, ph, pw]: number[]): ConvGeometry | null {
  const ho = Math.floor((h + 2 * ph - dh * (kh - 1) - 1) / sh) + 1, wo = Math.floor((w + 2 * pw - dw * (kw - 1) - 1) / sw) + 1;
  return ho >= 1 && wo >= 1 ? { kh, kw, sh, sw, dh, dw, ph, pw, ho, wo } : null;
}

/** Distinct values, so a misplaced entry cannot match by chance. */
const ramp = (n: number, Arr: Float32ArrayConstructor | Float64ArrayConstructor) => {
  const a = new Arr(n);
  for (let i = 0; i < n; i++) a[i] = 1 + i * 0.25;
  return a;
};

describe('im2col', () => {
  it('shifts whole planes for stride 1 and ‘same’ width: a 3×3 kernel, padding 1, on a 1×64 image', () => {
    // a 1×64 image: 64 windows, the smallest plane the fast path takes
    expect(SHIFTED_MIN_PLANE).toBe(64);
    const x = Float64Array.from({ length: 64 }, (_, i) => i + 1);
    const out = new Float64Array(9 * 64);
    im2col(x, [1, 1, 1, 64], geometry(1, 64, [3, 3, 1, 1, 1, 1, 1, 1])!, -1, out);
    const row = (tap: number) => Array.from(out.subarray(tap * 64, tap * 64 + 64));
    const pixels = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
    for (const tap of [0, 1, 2, 6, 7, 8]) expect(row(tap)).toEqual(new Array(64).fill(-1)); // rows above and below the image
    expect(row(3)).toEqual([-1, ...pixels(1, 63)]); // tap (1, 0): the pixel to the left
    expect(row(4)).toEqual(pixels(1, 64)); // the centre tap is the image
    expect(row(5)).toEqual([...pixels(2, 64), -1]); // tap (1, 2): the pixel to the right
  });

  it('shifts whole planes in both directions: a 3×3 kernel, padding 1, on an 8×8 image', () => {
    const x = Float64Array.from({ length: 64 }, (_, i) => i + 1);
    const out = new Float64Array(9 * 64);
    im2col(x, [1, 1, 8, 8], geometry(8, 8, [3, 3, 1, 1, 1, 1, 1, 1])!, -1, out);
    // tap (0, 0) at output pixel (r, c) reads pixel (r − 1, c − 1), tap (2, 2) pixel (r + 1, c + 1)
    const at = (tap: number, r: number, c: number) => out[tap * 64 + r * 8 + c];
    expect([at(0, 0, 0), at(0, 1, 0), at(0, 1, 1), at(0, 7, 7)]).toEqual([-1, -1, 1, 6 * 8 + 7]);
    expect([at(8, 0, 0), at(8, 6, 6), at(8, 6, 7), at(8, 7, 0)]).toEqual([10, 7 * 8 + 8, -1, -1]);
  });

  it('gives the row-by-row reference values on every geometry of a grid (most of them on the fast path)', () => {
    let fast = 0;
    // planes of 64 and more pixels take the fast path (1×64, 64×1, 8×8, 9×11, 16×5), 3×5 the row-by-row one
    for (const [h, w] of [[1, 64], [64, 1], [8, 8], [9, 11], [16, 5], [3, 5]]) {
      for (const k of [[3, 3, 1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 1, 1, 0, 0], [5, 5, 1, 1, 1, 1, 2, 2], [3, 2, 1, 1, 2, 2, 2, 1], [2, 5, 1, 1, 1, 1, 0, 2], [3, 3, 1, 1, 3, 3, 3, 3], [4, 3, 1, 1, 1, 1, 3, 1]]) {
        const g = geometry(h, w, k);
        if (g === null) continue;
        if (g.sh === 1 && g.wo === w && g.ho * g.wo >= SHIFTED_MIN_PLANE) fast++;
        for (const [n, c] of [[1, 1], [2, 3]]) {
          for (const Arr of [Float32Array, Float64Array]) {
            const x = ramp(n * c * h * w, Arr);
            const size = n * c * g.kh * g.kw * g.ho * g.wo;
            const got = new Arr(size).fill(NaN), want = new Arr(size).fill(NaN);
            im2col(x, [n, c, h, w], g, -7, got);
            im2colRows(x, [n, c, h, w], g, -7, want);
            expect(Array.from(got), JSON.stringify({ h, w, k, n, c })).toEqual(Array.from(want));
          }
        }
      }
    }
    expect(fast).toBeGreaterThan(20); // of 38 geometries
  });
});
