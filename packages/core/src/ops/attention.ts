/**
 * Scaled dot-product attention, built from matmul, exp and sums, so it is differentiable to any order.
 */
import { ShapeError, TapegradError, fmtShape, fmtValue } from '../errors.js';
import { tensor } from '../creation.js';
import { Tensor } from '../tensor.js';
import { div, eq, mul, ne, sub, where } from './arith.js';
import { expectTensor } from './define.js';
import { matmulT } from './matmul.js';
import { max, sum } from './reduce.js';
import { softmax } from './softmax.js';
import { exp } from './unary.js';

/** Options of `scaledDotProductAttention`, e.g. `{ mask }` or `{ causal: true }`. */
export interface AttentionOptions {
  /** Which keys each query may attend to: nonzero (true) = attend; broadcasts to [..., L_q, L_k]. */
  mask?: Tensor | null;
  /** Query i attends only to keys j ≤ i (top-left aligned when L_q ≠ L_k, as PyTorch's is_causal). */
  causal?: boolean;
  /** Multiplies q·kᵀ (default 1/√d, d the last dim of q). */
  scale?: number;
}

/**
 * softmax(q·kᵀ · scale) · v over the last two dims, with leading (batch, head) dims broadcasting:
 * q [..., L_q, d], k [..., L_k, d], v [..., L_k, d_v] give [..., L_q, d_v] (PyTorch's
 * `F.scaled_dot_product_attention` with a boolean mask and no dropout).
 *
 * Numerically stable: each row's largest unmasked score is subtracted before exp. A row whose keys are
 * all masked gives zeros, with zero gradient, where PyTorch gives NaN (a query with nothing to attend
 * to contributes nothing, and one padded query cannot poison a whole batch's gradients).
 *
 * @example
 * const q = tensor([[1, 0]]), k = tensor([[1, 0], [0, 1]]), v = tensor([[1, 2], [3, 4]]);
 * scaledDotProductAttention(q, k, v, { mask: tensor([[1, 0]]) }).toArray(); // [[1, 2]]: only key 0
 */
export function scaledDotProductAttention(q: Tensor, k: Tensor, v: Tensor, options: AttentionOptions = {}): Tensor {
  const op = 'scaledDotProductAttention';
  expectTensor(op, q, 'q');
  expectTensor(op, k, 'k');
  expectTensor(op, v, 'v');
  for (const [t, arg] of [[q, 'q'], [k, 'k'], [v, 'v']] as const) {
    if (t.ndim < 2) throw new ShapeError(op, `expected rank ≥ 2 ([..., L, d]), got shape ${fmtShape(t.shape)}`, arg);
  }
  const d = q.shape[q.ndim - 1];
  if (k.shape[k.ndim - 1] !== d) throw new ShapeError(op, `q of shape ${fmtShape(q.shape)} and k of shape ${fmtShape(k.shape)} differ in their last dim (d)`, 'k');
  if (v.shape[v.ndim - 2] !== k.shape[k.ndim - 2]) {
    throw new ShapeError(op, `k of shape ${fmtShape(k.shape)} and v of shape ${fmtShape(v.shape)} differ in the number of keys (second-last dim)`, 'v');
  }
  const scale = options.scale ?? 1 / Math.sqrt(d);
  if (typeof scale !== 'number' || !Number.isFinite(scale)) throw new TapegradError(op, `expected a finite number, got ${fmtValue(scale)}`, 'scale');
  const s = mul(matmulT(q, k, false, true), scale); // [..., L_q, L_k]
  const keep = keepMask(op, s, options);
  const p = keep === null ? softmax(s, -1) : maskedSoftmax(s, keep);
  return matmulT(p, v, false, false);
}

/** 1 where a query may attend to a key, or null when every key is allowed. */
function keepMask(op: string, s: Tensor, { mask, causal }: AttentionOptions): Tensor | null {
  if (causal !== undefined && typeof causal !== 'boolean') throw new TapegradError(op, `expected a boolean, got ${fmtValue(causal)}`, 'causal');
  let keep: Tensor | null = null;
  if (mask !== undefined && mask !== null) {
    expectTensor(op, mask, 'mask');
    const off = s.ndim - mask.ndim;
    if (off < 0 || mask.shape.some((m, i) => m !== 1 && m !== s.shape[off + i])) {
      throw new ShapeError(op, `a mask of shape ${fmtShape(mask.shape)} does not broadcast to the scores' shape ${fmtShape(s.shape)} ([..., L_q, L_k])`, 'mask');
    }
    keep = ne(mask.detach(), 0);
  }
  if (causal === true) {
    const [lq, lk] = s.shape.slice(-2);
    const tril = tensor(Float64Array.from({ length: lq * lk }, (_, p) => (p % lk <= Math.floor(p / lk) ? 1 : 0)), { shape: [lq, lk], dtype: s.dtype });
    keep = keep === null ? tril : mul(keep, tril);
  }
  return keep;
}

/**
 * softmax over the kept entries of each row, 0 elsewhere and on rows with nothing kept. Masked scores
 * become −∞ before exp (so exp and its derivatives are exactly 0 there, never ∞·0), the shift is the
 * row's largest kept score (0 on an empty row), and an empty row divides by 1 instead of 0.
 */
function maskedSoftmax(s: Tensor, keep: Tensor): Tensor {
  const rowMax = max(where(keep, s, -Infinity), -1, true).detach();
  const shift = where(eq(rowMax, -Infinity), 0, rowMax);
  const e = exp(where(keep, sub(s, shift), -Infinity));
  const total = sum(e, -1, true);
  return div(e, where(eq(total, 0), 1, total));
}
