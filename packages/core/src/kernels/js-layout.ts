/**
 * Data movement: broadcast, transpose, flip, slice/unslice, concat, gather/scatterAdd, take/indexAdd. All but
 * the indexed ones are one strided copy, src[srcOff + Σ idx·srcStrides] → dst[dstOff + Σ idx·dstStrides] over
 * an index space, differing only in the strides.
 */
import type { FloatArray } from '../dtype.js';
import { broadcastStrides, sizeOf, stridesOf } from '../shape.js';
import { aroundAxis, coalesce, RowWalk } from './js-walk.js';

const RUN = 32;

/**
 * dst[o, o + len) = src[i, i + len). A long run goes by `TypedArray.prototype.set` (a memmove, converting
 * float64 to float32 exactly as an assignment would); below RUN elements a plain loop is cheaper than the
 * subarray it needs.
 */
export function copyRun(src: FloatArray, i: number, dst: FloatArray, o: number, len: number): void {
  if (len >= RUN) {
    dst.set(src.subarray(i, i + len), o);
    return;
  }
  for (const end = i + len; i < end; i++, o++) dst[o] = src[i];
}

function copyStrided(
  shape: readonly number[],
  src: FloatArray, srcOff: number, srcStrides: readonly number[],
  dst: FloatArray, dstOff: number, dstStrides: readonly number[],
): void {
  const w = new RowWalk(shape, [srcStrides, dstStrides], [srcOff, dstOff]);
  const len = w.len;
  const ss = w.step[0];
  const ds = w.step[1];
  for (let r = 0; r < w.rows; r++) {
    let i = w.off[0];
    let o = w.off[1];
    if (ss === 0 && ds === 1) {
      dst.fill(src[i], o, o + len);
    } else if (ss === 1 && ds === 1) {
      copyRun(src, i, dst, o, len);
    } else {
      for (let j = 0; j < len; j++, i += ss, o += ds) dst[o] = src[i];
    }
    w.next();
  }
}

export function broadcast(x: FloatArray, shape: readonly number[], out: FloatArray, outShape: readonly number[]): void {
  const n = sizeOf(outShape);
  const nx = sizeOf(shape);
  if (nx === n) { copyRun(x, 0, out, 0, n); return; }
  if (nx === 1) { out.fill(x[0], 0, n); return; }
  copyStrided(outShape, x, 0, broadcastStrides(shape, outShape), out, 0, stridesOf(outShape));
}

/** Reading x with its strides permuted gives out in memory order. */
export function transpose(x: FloatArray, shape: readonly number[], perm: readonly number[], out: FloatArray): void {
  const xs = stridesOf(shape);
  const outShape = perm.map((p) => shape[p]);
  const src = perm.map((p) => xs[p]);
  const dst = stridesOf(outShape);
  const c = coalesce(outShape, [src, dst]);
  if (c.shape.length === 2 && c.strides[0][1] !== 1) {
    transpose2d(x, c.shape[0], c.shape[1], c.strides[0][0], c.strides[0][1], out);
    return;
  }
  copyStrided(c.shape, x, 0, c.strides[0], out, 0, c.strides[1]);
}

/**
 * out[i·cols + j] = x[i·s0 + j·s1], in 32×32 tiles so that both the contiguous writes and the strided
 * reads stay within a few cache lines per tile.
 */
function transpose2d(x: FloatArray, rows: number, cols: number, s0: number, s1: number, out: FloatArray): void {
  const T = 32;
  for (let i0 = 0; i0 < rows; i0 += T) {
    const i1 = Math.min(i0 + T, rows);
    for (let j0 = 0; j0 < cols; j0 += T) {
      const j1 = Math.min(j0 + T, cols);
      for (let i = i0; i < i1; i++) {
        for (let j = j0, o = i * cols + j0, s = i * s0 + j0 * s1; j < j1; j++, o++, s += s1) out[o] = x[s];
      }
    }
  }
}

/** Reading x from the far end of each flipped axis, with that axis's stride negated, gives out in memory order. */
export function flip(x: FloatArray, shape: readonly number[], axes: readonly number[], out: FloatArray): void {
  const src = stridesOf(shape);
  let off = 0;
  for (const a of axes) {
    off += (shape[a] - 1) * src[a];
    src[a] = -src[a];
  }
  copyStrided(shape, x, off, src, out, 0, stridesOf(shape));
}

/** Offset of `begin` and the strides of a stepped view into an array of `shape`. */
function sliceView(shape: readonly number[], begin: readonly number[], step: readonly number[]): [number, number[]] {
  const s = stridesOf(shape);
  let off = 0;
  for (let d = 0; d < shape.length; d++) off += begin[d] * s[d];
  return [off, s.map((sd, d) => sd * step[d])];
}

export function slice(
  x: FloatArray, shape: readonly number[], begin: readonly number[], step: readonly number[],
  out: FloatArray, outShape: readonly number[],
): void {
  const [off, strides] = sliceView(shape, begin, step);
  copyStrided(outShape, x, off, strides, out, 0, stridesOf(outShape));
}

export function unslice(
  dy: FloatArray, dyShape: readonly number[], begin: readonly number[], step: readonly number[],
  out: FloatArray, outShape: readonly number[],
): void {
  out.fill(0);
  const [off, strides] = sliceView(outShape, begin, step);
  copyStrided(dyShape, dy, 0, stridesOf(dyShape), out, off, strides);
}

export function concat(
  parts: readonly { data: FloatArray; shape: readonly number[] }[], axis: number,
  out: FloatArray, outShape: readonly number[],
): void {
  const os = stridesOf(outShape);
  let at = 0;
  for (const { data, shape } of parts) {
    copyStrided(shape, data, 0, stridesOf(shape), out, at * os[axis], os);
    at += shape[axis];
  }
}

/**
 * Shared walk of gather and scatterAdd over the index space: `big` is the array indexed along `axis`
 * (its axis stride is zeroed, the index supplies it), the index and `small` arrays are contiguous.
 */
function alongAxis(
  bigShape: readonly number[], indexShape: readonly number[], axis: number,
): { w: RowWalk; axisStride: number } {
  const bs = stridesOf(bigShape);
  const axisStride = bs[axis];
  bs[axis] = 0;
  return { w: new RowWalk(indexShape, [bs]), axisStride };
}

export function gather(
  x: FloatArray, shape: readonly number[], index: Int32Array, indexShape: readonly number[], axis: number,
  out: FloatArray,
): void {
  const { w, axisStride } = alongAxis(shape, indexShape, axis);
  const len = w.len;
  const sx = w.step[0];
  for (let r = 0, o = 0; r < w.rows; r++) {
    let ix = w.off[0];
    for (const end = o + len; o < end; o++, ix += sx) out[o] = x[ix + index[o] * axisStride];
    w.next();
  }
}

/** Repeated indices accumulate; a float32 `out` is rounded after each addition. */
export function scatterAdd(
  src: FloatArray, index: Int32Array, indexShape: readonly number[], axis: number,
  out: FloatArray, outShape: readonly number[],
): void {
  out.fill(0);
  const { w, axisStride } = alongAxis(outShape, indexShape, axis);
  const len = w.len;
  const so = w.step[0];
  for (let r = 0, i = 0; r < w.rows; r++) {
    let io = w.off[0];
    for (const end = i + len; i < end; i++, io += so) out[io + index[i] * axisStride] += src[i];
    w.next();
  }
}

export function take(x: FloatArray, shape: readonly number[], index: Int32Array, axis: number, out: FloatArray): void {
  const [outer, n, inner] = aroundAxis(shape, axis);
  const k = index.length;
  if (inner === 1) {
    // the last axis (e.g. examples as columns): single elements
    for (let o = 0, at = 0; o < outer; o++) for (let j = 0, base = o * n; j < k; j++, at++) out[at] = x[base + index[j]];
    return;
  }
  for (let o = 0, at = 0; o < outer; o++) {
    for (let j = 0; j < k; j++, at += inner) copyRun(x, (o * n + index[j]) * inner, out, at, inner);
  }
}

/** Repeated indices accumulate; a float32 `out` is rounded after each addition. */
export function indexAdd(src: FloatArray, index: Int32Array, axis: number, out: FloatArray, outShape: readonly number[]): void {
  out.fill(0);
  const [outer, n, inner] = aroundAxis(outShape, axis);
  const k = index.length;
  for (let o = 0, at = 0; o < outer; o++) {
    for (let j = 0; j < k; j++) {
      let dst = (o * n + index[j]) * inner;
      for (const end = at + inner; at < end; at++, dst++) out[dst] += src[at];
    }
  }
}
