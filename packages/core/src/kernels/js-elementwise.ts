/**
 * Elementwise kernels: binary (with broadcasting), where and clamp (unary ones are in js-unary.ts). Every loop has its `switch`
 * outside it, so each op runs as its own tight monomorphic loop.
 */
import type { FloatArray } from '../dtype.js';
import { broadcastStrides } from '../shape.js';
import type { BinaryKernelOp } from './types.js';

export { unary } from './js-unary.js';
import { RowWalk, unknownOp } from './js-walk.js';

/** out = dy ⊙ y ⊙ (1 − y), the sigmoid VJP written from its output in one pass. */
export function sigmoidGrad(y: FloatArray, dy: FloatArray, out: FloatArray): void {
  const n = out.length;
  for (let i = 0; i < n; i++) {
    const v = y[i];
    out[i] = dy[i] * v * (1 - v);
  }
}

/**
 * IEEE 754 / C99 pow, which NumPy and PyTorch follow: Math.pow except that 1^y = 1 and (−1)^±∞ = 1 for
 * every y, NaN included, where Math.pow gives NaN.
 */
const ieeePow = (a: number, b: number): number =>
  a === 1 || (a === -1 && (b === Infinity || b === -Infinity)) ? 1 : Math.pow(a, b);

/**
 * out = a ∘ b with NumPy broadcasting. maximum/minimum are Math.max/min, which return NaN if either side
 * is NaN (np.maximum semantics). Comparisons write 1 or 0; NaN compares false except under `ne`.
 */
export function binary(
  op: BinaryKernelOp,
  a: FloatArray, aShape: readonly number[],
  b: FloatArray, bShape: readonly number[],
  out: FloatArray, outShape: readonly number[],
): void {
  const n = out.length;
  if (n === 0) return;
  // A shape that broadcasts to outShape with the same size can only differ by leading/size-1 dims, so
  // it has the output's memory layout. (Arrays are dense: an array's length is its shape's size.)
  const na = a.length;
  const nb = b.length;
  if (na === n && nb === n) return binarySame(op, a, b, out, n);
  if (na === 1 && nb === n) return binaryScalarA(op, a[0], b, out, n);
  if (nb === 1 && na === n) return binaryScalarB(op, a, b[0], out, n);
  const w = new RowWalk(outShape, [broadcastStrides(aShape, outShape), broadcastStrides(bShape, outShape)]);
  const len = w.len;
  const sa = w.step[0];
  const sb = w.step[1];
  for (let r = 0, o = 0; r < w.rows; r++, o += len) {
    binaryRun(op, a, w.off[0], sa, b, w.off[1], sb, out, o, len);
    w.next();
  }
}

/** out[i] = a[i] ∘ b[i]. */
function binarySame(op: BinaryKernelOp, a: FloatArray, b: FloatArray, out: FloatArray, n: number): void {
  switch (op) {
    case 'add': for (let i = 0; i < n; i++) out[i] = a[i] + b[i]; return;
    case 'sub': for (let i = 0; i < n; i++) out[i] = a[i] - b[i]; return;
    case 'mul': for (let i = 0; i < n; i++) out[i] = a[i] * b[i]; return;
    case 'div': for (let i = 0; i < n; i++) out[i] = a[i] / b[i]; return;
    case 'pow': for (let i = 0; i < n; i++) out[i] = ieeePow(a[i], b[i]); return;
    case 'maximum': for (let i = 0; i < n; i++) out[i] = Math.max(a[i], b[i]); return;
    case 'minimum': for (let i = 0; i < n; i++) out[i] = Math.min(a[i], b[i]); return;
    case 'eq': for (let i = 0; i < n; i++) out[i] = a[i] === b[i] ? 1 : 0; return;
    case 'ne': for (let i = 0; i < n; i++) out[i] = a[i] !== b[i] ? 1 : 0; return;
    case 'lt': for (let i = 0; i < n; i++) out[i] = a[i] < b[i] ? 1 : 0; return;
    case 'le': for (let i = 0; i < n; i++) out[i] = a[i] <= b[i] ? 1 : 0; return;
    case 'gt': for (let i = 0; i < n; i++) out[i] = a[i] > b[i] ? 1 : 0; return;
    case 'ge': for (let i = 0; i < n; i++) out[i] = a[i] >= b[i] ? 1 : 0; return;
    default: unknownOp('binary', op);
  }
}

/** out[i] = s ∘ b[i]. */
function binaryScalarA(op: BinaryKernelOp, s: number, b: FloatArray, out: FloatArray, n: number): void {
  switch (op) {
    case 'add': for (let i = 0; i < n; i++) out[i] = s + b[i]; return;
    case 'sub': for (let i = 0; i < n; i++) out[i] = s - b[i]; return;
    case 'mul': for (let i = 0; i < n; i++) out[i] = s * b[i]; return;
    case 'div': for (let i = 0; i < n; i++) out[i] = s / b[i]; return;
    case 'pow': for (let i = 0; i < n; i++) out[i] = ieeePow(s, b[i]); return;
    case 'maximum': for (let i = 0; i < n; i++) out[i] = Math.max(s, b[i]); return;
    case 'minimum': for (let i = 0; i < n; i++) out[i] = Math.min(s, b[i]); return;
    case 'eq': for (let i = 0; i < n; i++) out[i] = s === b[i] ? 1 : 0; return;
    case 'ne': for (let i = 0; i < n; i++) out[i] = s !== b[i] ? 1 : 0; return;
    case 'lt': for (let i = 0; i < n; i++) out[i] = s < b[i] ? 1 : 0; return;
    case 'le': for (let i = 0; i < n; i++) out[i] = s <= b[i] ? 1 : 0; return;
    case 'gt': for (let i = 0; i < n; i++) out[i] = s > b[i] ? 1 : 0; return;
    case 'ge': for (let i = 0; i < n; i++) out[i] = s >= b[i] ? 1 : 0; return;
    default: unknownOp('binary', op);
  }
}

/** out[i] = a[i] ∘ s. */
function binaryScalarB(op: BinaryKernelOp, a: FloatArray, s: number, out: FloatArray, n: number): void {
  switch (op) {
    case 'add': for (let i = 0; i < n; i++) out[i] = a[i] + s; return;
    case 'sub': for (let i = 0; i < n; i++) out[i] = a[i] - s; return;
    case 'mul': for (let i = 0; i < n; i++) out[i] = a[i] * s; return;
    case 'div': for (let i = 0; i < n; i++) out[i] = a[i] / s; return;
    case 'pow': for (let i = 0; i < n; i++) out[i] = ieeePow(a[i], s); return;
    case 'maximum': for (let i = 0; i < n; i++) out[i] = Math.max(a[i], s); return;
    case 'minimum': for (let i = 0; i < n; i++) out[i] = Math.min(a[i], s); return;
    case 'eq': for (let i = 0; i < n; i++) out[i] = a[i] === s ? 1 : 0; return;
    case 'ne': for (let i = 0; i < n; i++) out[i] = a[i] !== s ? 1 : 0; return;
    case 'lt': for (let i = 0; i < n; i++) out[i] = a[i] < s ? 1 : 0; return;
    case 'le': for (let i = 0; i < n; i++) out[i] = a[i] <= s ? 1 : 0; return;
    case 'gt': for (let i = 0; i < n; i++) out[i] = a[i] > s ? 1 : 0; return;
    case 'ge': for (let i = 0; i < n; i++) out[i] = a[i] >= s ? 1 : 0; return;
    default: unknownOp('binary', op);
  }
}

/** One broadcast row: out[o..o+n) = a[ia + j·sa] ∘ b[ib + j·sb], where a stride of 0 repeats an element. */
function binaryRun(
  op: BinaryKernelOp, a: FloatArray, ia: number, sa: number, b: FloatArray, ib: number, sb: number,
  out: FloatArray, o: number, n: number,
): void {
  const end = o + n;
  switch (op) {
    case 'add': for (; o < end; o++, ia += sa, ib += sb) out[o] = a[ia] + b[ib]; return;
    case 'sub': for (; o < end; o++, ia += sa, ib += sb) out[o] = a[ia] - b[ib]; return;
    case 'mul': for (; o < end; o++, ia += sa, ib += sb) out[o] = a[ia] * b[ib]; return;
    case 'div': for (; o < end; o++, ia += sa, ib += sb) out[o] = a[ia] / b[ib]; return;
    case 'pow': for (; o < end; o++, ia += sa, ib += sb) out[o] = ieeePow(a[ia], b[ib]); return;
    case 'maximum': for (; o < end; o++, ia += sa, ib += sb) out[o] = Math.max(a[ia], b[ib]); return;
    case 'minimum': for (; o < end; o++, ia += sa, ib += sb) out[o] = Math.min(a[ia], b[ib]); return;
    case 'eq': for (; o < end; o++, ia += sa, ib += sb) out[o] = a[ia] === b[ib] ? 1 : 0; return;
    case 'ne': for (; o < end; o++, ia += sa, ib += sb) out[o] = a[ia] !== b[ib] ? 1 : 0; return;
    case 'lt': for (; o < end; o++, ia += sa, ib += sb) out[o] = a[ia] < b[ib] ? 1 : 0; return;
    case 'le': for (; o < end; o++, ia += sa, ib += sb) out[o] = a[ia] <= b[ib] ? 1 : 0; return;
    case 'gt': for (; o < end; o++, ia += sa, ib += sb) out[o] = a[ia] > b[ib] ? 1 : 0; return;
    case 'ge': for (; o < end; o++, ia += sa, ib += sb) out[o] = a[ia] >= b[ib] ? 1 : 0; return;
    default: unknownOp('binary', op);
  }
}

/** out = cond ≠ 0 ? a : b; a NaN cond is ≠ 0, so it picks a. */
export function where(
  cond: FloatArray, condShape: readonly number[],
  a: FloatArray, aShape: readonly number[],
  b: FloatArray, bShape: readonly number[],
  out: FloatArray, outShape: readonly number[],
): void {
  const n = out.length;
  if (cond.length === n && a.length === n && b.length === n) {
    for (let i = 0; i < n; i++) out[i] = cond[i] !== 0 ? a[i] : b[i];
    return;
  }
  const w = new RowWalk(outShape, [
    broadcastStrides(condShape, outShape), broadcastStrides(aShape, outShape), broadcastStrides(bShape, outShape),
  ]);
  const len = w.len;
  const sc = w.step[0];
  const sa = w.step[1];
  const sb = w.step[2];
  for (let r = 0, o = 0; r < w.rows; r++) {
    let ic = w.off[0];
    let ia = w.off[1];
    let ib = w.off[2];
    for (const end = o + len; o < end; o++, ic += sc, ia += sa, ib += sb) out[o] = cond[ic] !== 0 ? a[ia] : b[ib];
    w.next();
  }
}

/** out = min(max(x, lo), hi) in that order (so lo > hi gives hi); NaN fails both tests and stays NaN. */
export function clamp(x: FloatArray, lo: number, hi: number, out: FloatArray): void {
  const n = out.length;
  for (let i = 0; i < n; i++) {
    const v = x[i];
    const t = v < lo ? lo : v;
    out[i] = t > hi ? hi : t;
  }
}
