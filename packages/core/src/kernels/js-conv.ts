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
