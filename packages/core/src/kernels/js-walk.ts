/**
 * The iteration machinery shared by the plain-JS kernels: an n-d index space walked row by row, where
 * each operand has its own strides (0 on a broadcast or reduced dim). Only small index arrays are
 * allocated, once per call.
 */

import { filled } from '../shape.js';

export interface Coalesced {
  shape: number[];
  /** One stride array per operand, parallel to `shape`. */
  strides: number[][];
}

/**
 * Drops size-1 dims (their index is always 0) and merges a dim into its left neighbour whenever every
 * operand steps through the pair as one flat dim, i.e. stride[left] = stride[d]·shape[d]. The element
 * order and every operand's offsets are unchanged, but the innermost run gets as long as possible, so
 * e.g. [4,5,6] + [6] walks 20 rows of 6 and a same-shape copy walks one row.
 */
export function coalesce(shape: readonly number[], strides: readonly (readonly number[])[]): Coalesced {
  const nops = strides.length;
  const outShape: number[] = [];
  const outStrides: number[][] = strides.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    const size = shape[d];
    if (size === 1) continue;
    const last = outShape.length - 1;
    let merge = last >= 0;
    for (let k = 0; merge && k < nops; k++) merge = outStrides[k][last] === strides[k][d] * size;
    if (merge) {
      outShape[last] *= size;
      for (let k = 0; k < nops; k++) outStrides[k][last] = strides[k][d];
    } else {
      outShape.push(size);
      for (let k = 0; k < nops; k++) outStrides[k].push(strides[k][d]);
    }
  }
  return { shape: outShape, strides: outStrides };
}

/**
 * An odometer over every dim but the innermost of a (coalesced) index space. Callers loop
 * `for (let r = 0; r < w.rows; r++) { ...row of w.len elements from w.off[k], stepping w.step[k]...; w.next(); }`.
 * Rows come in row-major order, so an operand that is contiguous over the whole space is at r·len
 * and need not be tracked.
 */
export class RowWalk {
  /** Number of rows; 0 when the space is empty. */
  readonly rows: number;
  /** Elements per row. */
  readonly len: number;
  /** Each operand's stride inside a row. */
  readonly step: number[];
  /** Each operand's offset at the start of the current row. */
  readonly off: number[];
  private readonly dims: number[];
  /** Outer strides, flattened as [dim·nops + operand]. */
  private readonly strides: number[];
  private readonly idx: number[];
  private readonly nops: number;

  constructor(shape: readonly number[], strides: readonly (readonly number[])[], base?: readonly number[]) {
    const nops = strides.length;
    this.nops = nops;
    this.off = base ? [...base] : filled(nops, 0);
    let total = 1;
    for (const d of shape) total *= d;
    const c = coalesce(shape, strides);
    const nd = c.shape.length;
    this.dims = [];
    this.strides = [];
    if (total === 0 || nd === 0) {
      // Empty, or a single element (rank 0 or all dims 1).
      this.rows = total === 0 ? 0 : 1;
      this.len = total === 0 ? 0 : 1;
      this.step = filled(nops, 0);
    } else {
      this.len = c.shape[nd - 1];
      this.rows = total / this.len;
      this.step = c.strides.map((s) => s[nd - 1]);
      for (let d = 0; d < nd - 1; d++) {
        this.dims.push(c.shape[d]);
        for (let k = 0; k < nops; k++) this.strides.push(c.strides[k][d]);
      }
    }
    this.idx = filled(this.dims.length, 0);
  }

  /** Advances `off` to the next row; after the last row it wraps to the first. */
  next(): void {
    const { dims, strides, idx, off, nops } = this;
    for (let d = dims.length - 1; d >= 0; d--) {
      const base = d * nops;
      if (++idx[d] < dims[d]) {
        for (let k = 0; k < nops; k++) off[k] += strides[base + k];
        return;
      }
      idx[d] = 0;
      const back = dims[d] - 1;
      for (let k = 0; k < nops; k++) off[k] -= strides[base + k] * back;
    }
  }
}

/** An array of `shape` seen as [outer, n, inner] around `axis`: the products of the dims before and after it. */
export function aroundAxis(shape: readonly number[], axis: number): [outer: number, n: number, inner: number] {
  let outer = 1, inner = 1;
  for (let d = 0; d < axis; d++) outer *= shape[d];
  for (let d = axis + 1; d < shape.length; d++) inner *= shape[d];
  return [outer, shape[axis], inner];
}

/** For exhaustive `switch` statements over op names. */
export function unknownOp(kind: string, op: never): never {
  throw new Error(`jsKernels: unknown ${kind} op ${JSON.stringify(op)}`);
}
