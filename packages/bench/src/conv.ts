/**
 * W5's data and its float64 reference: one Conv2d layer, forward and backward. y = conv2d(x, w) + b
 * (cross-correlation, stride 1, zero padding), then the vector–Jacobian product with a fixed cotangent
 * G of y's shape: dx, dW and db, the three gradients a training step needs. Every library computes all
 * four arrays in one call.
 */
import { stream } from './data.js';
import type { ConvSizes } from './protocol.js';

export interface ConvData extends ConvSizes {
  /** x [batch, cin, size, size], w [cout, cin, kernel, kernel] (PyTorch's layout), b [cout] and the
   * cotangent G [batch, cout, out, out], row-major. */
  x: Float32Array;
  w: Float32Array;
  b: Float32Array;
  G: Float32Array;
  /** y's spatial size: size + 2·padding − kernel + 1. */
  out: number;
  /** Entries compared with the reference, as [i0, i1, i2, i3] in the NCHW / OIHW layout (db: [o]). */
  samples: { y: number[][]; dx: number[][]; dW: number[][]; db: number[][] };
}

/** What a library's call returns: the four arrays in its own layout, NCHW (x, y) with OIHW (w) as in
 * PyTorch, or NHWC with HWIO as in tfjs. */
export interface ConvOutputs {
  layout: 'NCHW' | 'NHWC';
  y: ArrayLike<number>;
  dx: ArrayLike<number>;
  dW: ArrayLike<number>;
  db: ArrayLike<number>;
}

export function convData(s: ConvSizes): ConvData {
  const g = stream(`W5 conv ${s.batch}x${s.cin}x${s.size}x${s.size} -> ${s.cout} k=${s.kernel} p=${s.padding}`);
  const out = s.size + 2 * s.padding - s.kernel + 1;
  const r = 1 / Math.sqrt(s.cin * s.kernel * s.kernel); // PyTorch's default init bound
  const x = g.floats(s.batch * s.cin * s.size * s.size, -1, 1);
  const w = g.floats(s.cout * s.cin * s.kernel * s.kernel, -r, r);
  const b = g.floats(s.cout, -r, r);
  const G = g.floats(s.batch * s.cout * out * out, -1, 1);
  const pick = (dims: number[]): number[][] => Array.from({ length: 8 }, () => dims.map((n) => g.int(n)));
  const samples = {
    y: pick([s.batch, s.cout, out, out]),
    dx: pick([s.batch, s.cin, s.size, s.size]),
    dW: pick([s.cout, s.cin, s.kernel, s.kernel]),
    db: pick([s.cout]),
  };
  return { ...s, x, w, b, G, out, samples };
}

/** The sampled entries of a library's outputs, in the order y, dx, dW, db (the reference's order). */
export function convCheck(d: ConvData, o: ConvOutputs): number[] {
  const { cin: C, cout: O, size: S, kernel: K, out: P } = d;
  const nhwc = o.layout === 'NHWC';
  // row-major offset of [n, c, h, w] in NCHW, or of the same element stored as NHWC
  const act = (C_: number, H: number) => ([n, c, h, w]: number[]): number =>
    nhwc ? ((n * H + h) * H + w) * C_ + c : ((n * C_ + c) * H + h) * H + w;
  // [o, c, i, j] in OIHW, or stored as HWIO
  const ker = ([oo, c, i, j]: number[]): number => (nhwc ? ((i * K + j) * C + c) * O + oo : ((oo * C + c) * K + i) * K + j);
  return [
    ...d.samples.y.map((ix) => o.y[act(O, P)(ix)]),
    ...d.samples.dx.map((ix) => o.dx[act(C, S)(ix)]),
    ...d.samples.dW.map((ix) => o.dW[ker(ix)]),
    ...d.samples.db.map(([oo]) => o.db[oo]),
  ];
}

/**
 * The sampled entries in float64, and for each the sum of the |terms| it adds up and their number K:
 *   y[n,o,h,w]  = b[o] + Σ_{c,i,j} x[n,c,h+i−p,w+j−p]·w[o,c,i,j]
 *   dx[n,c,h,w] = Σ_{o,i,j} G[n,o,h−i+p,w−j+p]·w[o,c,i,j]
 *   dW[o,c,i,j] = Σ_{n,h,w} G[n,o,h,w]·x[n,c,h+i−p,w+j−p]
 *   db[o]       = Σ_{n,h,w} G[n,o,h,w]
 * (x outside the image is 0.)
 */
export function convReference(d: ConvData): { values: number[]; scales: number[]; terms: number[] } {
  const { batch: N, cin: C, cout: O, size: S, kernel: K, padding: p, out: P, x, w, b, G } = d;
  const X = (n: number, c: number, h: number, v: number): number => (h < 0 || h >= S || v < 0 || v >= S ? 0 : x[((n * C + c) * S + h) * S + v]);
  const values: number[] = [], scales: number[] = [], terms: number[] = [];
  const push = (t: number[]): void => {
    values.push(t.reduce((a, v) => a + v, 0));
    scales.push(t.reduce((a, v) => a + Math.abs(v), 0));
    terms.push(t.length);
  };
  for (const [n, o, h, v] of d.samples.y) {
    const t = [b[o]];
    for (let c = 0; c < C; c++) for (let i = 0; i < K; i++) for (let j = 0; j < K; j++) t.push(X(n, c, h + i - p, v + j - p) * w[((o * C + c) * K + i) * K + j]);
    push(t);
  }
  for (const [n, c, h, v] of d.samples.dx) {
    const t: number[] = [];
    for (let o = 0; o < O; o++) {
      for (let i = 0; i < K; i++) {
        for (let j = 0; j < K; j++) {
          const hy = h - i + p, vy = v - j + p;
          if (hy >= 0 && hy < P && vy >= 0 && vy < P) t.push(G[((n * O + o) * P + hy) * P + vy] * w[((o * C + c) * K + i) * K + j]);
        }
      }
    }
    push(t);
  }
  for (const [o, c, i, j] of d.samples.dW) {
    const t: number[] = [];
    for (let n = 0; n < N; n++) for (let h = 0; h < P; h++) for (let v = 0; v < P; v++) t.push(G[((n * O + o) * P + h) * P + v] * X(n, c, h + i - p, v + j - p));
    push(t);
  }
  for (const [o] of d.samples.db) {
    const t: number[] = [];
    for (let n = 0; n < N; n++) for (let q = 0; q < P * P; q++) t.push(G[(n * O + o) * P * P + q]);
    push(t);
  }
  return { values, scales, terms };
}
