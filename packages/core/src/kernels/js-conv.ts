/**
 * Convolution windows as matrices: im2col lays every window of an [N, C, H, W] image out as a column,
 * so a convolution becomes one GEMM per image (and group); col2im is its adjoint, adding each column
 * entry back onto the pixel it came from (overlapping windows accumulate).
 */
import type { FloatArray } from '../dtype.js';

/**
 * Where windows sit on an H×W image: kernel kh×kw, stride sh×sw, dilation dh×dw, leading (top, left)
 * padding ph×pw, and ho×wo windows. Trailing padding needs no field: a tap past the image reads `fill`.
 */
export interface ConvGeometry {
  readonly kh: number; readonly kw: number;
  readonly sh: number; readonly sw: number;
  readonly dh: number; readonly dw: number;
  readonly ph: number; readonly pw: number;
  readonly ho: number; readonly wo: number;
}

/**
 * out[n, (c·kh + i)·kw + j, oy·wo + ox] = x[n, c, oy·sh − ph + i·dh, ox·sw − pw + j·dw], or `fill`
 * where that pixel lies in the padding. out has shape [N, C·kh·kw, ho·wo].
 */
export function im2col(x: FloatArray, shape: readonly number[], g: ConvGeometry, fill: number, out: FloatArray): void {
  if (g.sh === 1 && g.sw === 1 && g.wo === shape[3] && g.ho * g.wo >= SHIFTED_MIN_PLANE) im2colShifted(x, shape, g, fill, out);
  else im2colRows(x, shape, g, fill, out);
}

/**
 * The smallest output plane (ho·wo) copied by shifting: on smaller ones the `subarray`/`set` per tap
 * costs more than it saves (measured on 64 images of 16 channels, 3×3, padding 1: 16×16 2.4× faster,
 * 8×8 1.2×, 6×6 even, 5×5 and 4×4 0.8× and 0.6×).
 */
export const SHIFTED_MIN_PLANE = 64;

/** `im2col` one output row at a time: any geometry (and the reference the fast path is tested against). */
export function im2colRows(x: FloatArray, shape: readonly number[], g: ConvGeometry, fill: number, out: FloatArray): void {
  const [n, c, h, w] = shape;
  const { kh, kw, sh, sw, dh, dw, ph, pw, ho, wo } = g;
  const plane = h * w;
  let o = 0;
  for (let img = 0; img < n * c; img++) {
    const base = img * plane;
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        const dx = j * dw - pw;
        const [lo, hi] = inside(dx, sw, w, wo);
        for (let oy = 0; oy < ho; oy++, o += wo) {
          const iy = oy * sh - ph + i * dh;
          if (iy < 0 || iy >= h) {
            out.fill(fill, o, o + wo);
            continue;
          }
          // taps left of the image, on it (no bounds test per element), right of it
          if (lo > 0) out.fill(fill, o, o + lo);
          for (let ox = lo, src = base + iy * w + lo * sw + dx; ox < hi; ox++, src += sw) out[o + ox] = x[src];
          if (hi < wo) out.fill(fill, o + hi, o + wo);
        }
      }
    }
  }
}

/**
 * `im2col` for stride 1 with as many windows across as the image is wide ('same'-style padding, the
 * common 3×3 / padding 1 case): then tap (i, j)'s ho×w entries are the image plane shifted by
 * di = i·dh − ph rows and dj = j·dw − pw columns. The rows on the image are one contiguous copy (`set`),
 * after which the |dj| entries per row that the shift carried over from the neighbouring row, and the
 * rows off the image, are overwritten with `fill`.
 */
function im2colShifted(x: FloatArray, shape: readonly number[], g: ConvGeometry, fill: number, out: FloatArray): void {
  const [n, c, h, w] = shape;
  const { kh, kw, dh, dw, ph, pw, ho } = g;
  const plane = ho * w;
  let o = 0;
  for (let img = 0; img < n * c; img++) {
    const base = img * h * w;
    for (let i = 0; i < kh; i++) {
      const di = i * dh - ph;
      // output rows [lo, hi) read image rows lo + di … hi − 1 + di; the others lie in the padding
      const lo = Math.min(ho, Math.max(0, -di)), hi = Math.max(lo, Math.min(ho, h - di));
      for (let j = 0; j < kw; j++, o += plane) {
        const dj = j * dw - pw;
        out.fill(fill, o, o + lo * w);
        out.fill(fill, o + hi * w, o + plane);
        const len = (hi - lo) * w - Math.abs(dj);
        if (len <= 0) {
          out.fill(fill, o + lo * w, o + hi * w);
          continue;
        }
        const src = base + (lo + di) * w + Math.max(dj, 0);
        out.set(x.subarray(src, src + len), o + lo * w + Math.max(-dj, 0));
        const [a, b] = dj > 0 ? [Math.max(0, w - dj), w] : [0, Math.min(w, -dj)]; // the columns off the image
        for (let oy = lo; oy < hi; oy++) for (let ox = a; ox < b; ox++) out[o + oy * w + ox] = fill;
      }
    }
  }
}

/** The window positions [lo, hi) whose tap at offset dx lies on a row of width w: 0 ≤ ox·sw + dx < w. */
function inside(dx: number, sw: number, w: number, wo: number): [number, number] {
  const lo = Math.min(wo, Math.max(0, Math.ceil(-dx / sw)));
  const hi = Math.max(lo, Math.min(wo, Math.floor((w - 1 - dx) / sw) + 1));
  return [lo, hi];
}

/** The adjoint of `im2col` (with fill 0): out (shape [N, C, H, W]) is zero-filled, then out[pixel] += cols[entry]. */
export function col2im(cols: FloatArray, g: ConvGeometry, out: FloatArray, shape: readonly number[]): void {
  const [n, c, h, w] = shape;
  const { kh, kw, sh, sw, dh, dw, ph, pw, ho, wo } = g;
  const plane = h * w;
  out.fill(0);
  let o = 0;
  for (let img = 0; img < n * c; img++) {
    const base = img * plane;
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        const dx = j * dw - pw;
        const [lo, hi] = inside(dx, sw, w, wo);
        for (let oy = 0; oy < ho; oy++, o += wo) {
          const iy = oy * sh - ph + i * dh;
          if (iy < 0 || iy >= h) continue;
          for (let ox = lo, dst = base + iy * w + lo * sw + dx; ox < hi; ox++, dst += sw) out[dst] += cols[o + ox];
        }
      }
    }
  }
}
