/**
 * The elementwise unary kernels, one entry an op: out[i] = f(x[i]) for i < out.length (`out` may be
 * `x`), `p` the op's parameter where it has one (leakyRelu's slope, elu's α). Each entry is its own
 * loop, so each runs monomorphic; adding a unary op is adding its entry here.
 */
import type { FloatArray } from '../dtype.js';
import { erf } from './erf.js';

type Loop = (x: FloatArray, out: FloatArray, p: number) => void;

const SQRT1_2 = Math.SQRT1_2;
const SQRT_2_PI = Math.sqrt(2 / Math.PI);

/** σ(v) without overflow: exp is only ever taken of −|v|. NaN stays NaN. */
function sigmoid1(v: number): number {
  if (v >= 0) return 1 / (1 + Math.exp(-v));
  const e = Math.exp(v);
  return e / (1 + e);
}

/** log(1 + e^v) without overflow or cancellation: max(v, 0) + log1p(e^−|v|). */
function softplus1(v: number): number {
  return (v > 0 ? v : 0) + Math.log1p(Math.exp(-Math.abs(v)));
}

/** Round half to even, as NumPy and PyTorch round (Math.round rounds half up). */
function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

export const unaryLoops = {
  neg: (x, out) => { for (let i = 0; i < out.length; i++) out[i] = -x[i]; },
  exp: (x, out) => { for (let i = 0; i < out.length; i++) out[i] = Math.exp(x[i]); },
  log: (x, out) => { for (let i = 0; i < out.length; i++) out[i] = Math.log(x[i]); },
  sqrt: (x, out) => { for (let i = 0; i < out.length; i++) out[i] = Math.sqrt(x[i]); },
  abs: (x, out) => { for (let i = 0; i < out.length; i++) out[i] = Math.abs(x[i]); },
  tanh: (x, out) => { for (let i = 0; i < out.length; i++) out[i] = Math.tanh(x[i]); },
  // relu(NaN) = NaN (as PyTorch and np.maximum(x, 0)) and relu(−0) = 0
  relu: (x, out) => { for (let i = 0; i < out.length; i++) { const v = x[i]; out[i] = v <= 0 ? 0 : v; } },
  // Math.sign: sign(±0) = ±0, sign(NaN) = NaN
  sign: (x, out) => { for (let i = 0; i < out.length; i++) out[i] = Math.sign(x[i]); },
  square: (x, out) => { for (let i = 0; i < out.length; i++) { const v = x[i]; out[i] = v * v; } },
  reciprocal: (x, out) => { for (let i = 0; i < out.length; i++) out[i] = 1 / x[i]; },
  sigmoid: (x, out) => { for (let i = 0; i < out.length; i++) out[i] = sigmoid1(x[i]); },
  log1p: (x, out) => { for (let i = 0; i < out.length; i++) out[i] = Math.log1p(x[i]); },
  expm1: (x, out) => { for (let i = 0; i < out.length; i++) out[i] = Math.expm1(x[i]); },
  sin: (x, out) => { for (let i = 0; i < out.length; i++) out[i] = Math.sin(x[i]); },
  cos: (x, out) => { for (let i = 0; i < out.length; i++) out[i] = Math.cos(x[i]); },
  atan: (x, out) => { for (let i = 0; i < out.length; i++) out[i] = Math.atan(x[i]); },
  softplus: (x, out) => { for (let i = 0; i < out.length; i++) out[i] = softplus1(x[i]); },
  // log σ(v) = −softplus(−v). log σ < 0 everywhere, so a zero is −e^−v underflowed in out's precision
  // (v > 745 in float64, > 103 in float32); it is stored as +0, as PyTorch's, not the −0 of the negation.
  logSigmoid: (x, out) => { for (let i = 0; i < out.length; i++) { out[i] = -softplus1(-x[i]); if (out[i] === 0) out[i] = 0; } },
  erf: (x, out) => { for (let i = 0; i < out.length; i++) out[i] = erf(x[i]); },
  // x Φ(x) = x (1 + erf(x/√2)) / 2
  gelu: (x, out) => { for (let i = 0; i < out.length; i++) { const v = x[i]; out[i] = 0.5 * v * (1 + erf(v * SQRT1_2)); } },
  // x (1 + tanh(√(2/π)(x + 0.044715 x³))) / 2
  geluTanh: (x, out) => {
    for (let i = 0; i < out.length; i++) { const v = x[i]; out[i] = 0.5 * v * (1 + Math.tanh(SQRT_2_PI * (v + 0.044715 * v * v * v))); }
  },
  silu: (x, out) => { for (let i = 0; i < out.length; i++) { const v = x[i]; out[i] = v * sigmoid1(v); } },
  leakyRelu: (x, out, slope) => { for (let i = 0; i < out.length; i++) { const v = x[i]; out[i] = v > 0 ? v : v * slope; } },
  elu: (x, out, alpha) => { for (let i = 0; i < out.length; i++) { const v = x[i]; out[i] = v > 0 ? v : alpha * Math.expm1(v); } },
  floor: (x, out) => { for (let i = 0; i < out.length; i++) out[i] = Math.floor(x[i]); },
  ceil: (x, out) => { for (let i = 0; i < out.length; i++) out[i] = Math.ceil(x[i]); },
  round: (x, out) => { for (let i = 0; i < out.length; i++) out[i] = roundHalfEven(x[i]); },
} satisfies Record<string, Loop>;

export type UnaryKernelOp = keyof typeof unaryLoops;

/** out[i] = f(x[i]) for the op's entry. */
export function unary(op: UnaryKernelOp, x: FloatArray, out: FloatArray, p = 0): void {
  const loop: Loop | undefined = unaryLoops[op];
  if (loop === undefined) throw new Error(`unary kernel: unknown op ${JSON.stringify(op)}`);
  loop(x, out, p);
}
