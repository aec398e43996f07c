/**
 * What the linear-algebra ops share: shape checks that name the op and the shapes, the batch
 * broadcast done once before a primitive runs, and the typed error for a failed factorization.
 */
import { LinAlgError, ShapeError, fmtShape } from '../../errors.js';
import type { PivotFailure } from '../../kernels/linalg-types.js';
import { broadcastShapes, sizeOf, stridesOf } from '../../shape.js';
import type { Tensor } from '../../tensor.js';
import { expectTensor } from '../define.js';
import { broadcastTo, reshape } from '../layout.js';

/** The size n of a batch of square matrices [..., n, n], or a ShapeError naming the op and the shape. */
export function squareSize(op: string, A: Tensor, arg = 'A'): number {
  expectTensor(op, A, arg);
  if (A.ndim < 2) throw new ShapeError(op, `expected a matrix or a batch of matrices (rank ≥ 2), got shape ${fmtShape(A.shape)}`, arg);
  const n = A.shape[A.ndim - 1];
  if (A.shape[A.ndim - 2] !== n) {
    throw new ShapeError(op, `expected square matrices, got shape ${fmtShape(A.shape)} (${A.shape[A.ndim - 2]} × ${n})`, arg);
  }
  return n;
}

/** The batch dims of a stack of matrices, and how many matrices that is. */
export function batchOf(x: Tensor): { batch: number[]; count: number } {
  const batch = x.shape.slice(0, -2);
  return { batch, count: sizeOf(batch) };
}

/**
 * A [..., n, n] and B [..., n, k] broadcast to common batch dims (the primitives take equal batches;
 * the sweep sums the gradient back over a broadcast batch dim).
 */
export function broadcastBatch(op: string, A: Tensor, B: Tensor): [Tensor, Tensor] {
  const n = A.shape[A.ndim - 1];
  if (B.ndim < 2 || B.shape[B.ndim - 2] !== n) {
    throw new ShapeError(op, `B must have shape [..., ${n}, k] to match A of shape ${fmtShape(A.shape)}, got ${fmtShape(B.shape)}`, 'B');
  }
  const batch = broadcastShapes(op, A.shape.slice(0, -2), B.shape.slice(0, -2), 'A (batch dims)', 'B (batch dims)');
  return [broadcastTo(A, [...batch, n, n]), broadcastTo(B, [...batch, ...B.shape.slice(-2)])];
}

/** Vector right-hand sides b [..., n] solved as columns [..., n, 1]; the result drops that column again. */
export function asColumn(op: string, n: number, b: Tensor, solveColumns: (b: Tensor) => Tensor): Tensor {
  if (b.shape[b.ndim - 1] !== n) throw new ShapeError(op, `the vector(s) B must have length ${n} to match A, got shape ${fmtShape(b.shape)}`, 'B');
  const X = solveColumns(reshape(b, [...b.shape, 1]));
  return reshape(X, X.shape.slice(0, -1));
}

/** The typed error for a failed factorization: op, argument, which matrix of the batch and which pivot. */
export function pivotError(op: string, arg: string, f: PivotFailure, batch: readonly number[], what: string): LinAlgError {
  const index: number[] = [];
  let rest = f.batch;
  for (const s of stridesOf(batch)) {
    index.push(Math.floor(rest / s));
    rest %= s;
  }
  const where = batch.length > 0 ? ` (matrix ${fmtShape(index)} of the batch)` : '';
  return new LinAlgError(op, `${what}: pivot ${f.pivot} (counting from 0) is ${f.value}${where}`, arg, index, f.pivot);
}

/**
 * A LinAlgError naming `op` and the first zero on the diagonal of the leading k×k block of some matrix of
 * U [..., rows, cols] (a triangular factor the gradient solves with), else nothing.
 */
export function checkPivots(op: string, U: Tensor, what: string): void {
  const rows = U.shape[U.ndim - 2], cols = U.shape[U.ndim - 1], k = Math.min(rows, cols);
  const { batch, count } = batchOf(U);
  for (let b = 0; b < count; b++) {
    for (let i = 0; i < k; i++) {
      if (U.data[b * rows * cols + i * cols + i] === 0) throw pivotError(op, 'A', { batch: b, pivot: i, value: 0 }, batch, what);
    }
  }
}
