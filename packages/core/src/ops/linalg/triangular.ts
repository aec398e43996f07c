import { alloc, promote } from '../../dtype.js';
import { TapegradError, fmtValue } from '../../errors.js';
import { kernels } from '../../kernels/index.js';
import { apply } from '../../tape.js';
import { Tensor } from '../../tensor.js';
import { neg } from '../arith.js';
import { defineOp, expectTensor, type Grads } from '../define.js';
import { matmulT } from '../matmul.js';
import { asColumn, batchOf, broadcastBatch, pivotError, squareSize } from './common.js';
import { tril, triu } from './structure.js';

/** Which triangle of A `triangularSolve` reads, and whether it solves with A or Aᵀ. */
export interface TriangularSolveOptions {
  /** A is lower triangular (true) or upper triangular (false); only that triangle of A is read. */
  lower: boolean;
  /** Solve Aᵀ·X = B instead of A·X = B. */
  transpose?: boolean;
  /** Take A's diagonal as ones (it is not read). */
  unitDiagonal?: boolean;
}
type Attrs = Required<TriangularSolveOptions>;

/** The part of an n×n gradient that the forward read: A's triangle, without its diagonal when unit. */
const readPart = (g: Tensor, { lower, unitDiagonal }: Attrs): Tensor =>
  lower ? tril(g, unitDiagonal ? -1 : 0) : triu(g, unitDiagonal ? 1 : 0);

// X = op(A)⁻¹·B:  dB = op(A)⁻ᵀ·dX;  d op(A) = −dB·Xᵀ, so dA = −dB·Xᵀ (or −X·dBᵀ when op transposes),
// kept on the triangle the forward read
export const triangularSolveOp = defineOp<'triangularSolve', Attrs>('triangularSolve', {
  forward: ([A, B], attrs) => {
    const n = A.shape[A.ndim - 1], k = B.shape[B.ndim - 1];
    const { batch, count } = batchOf(A);
    const out = alloc(promote(A.dtype, B.dtype), B.size);
    const failed = kernels.triangularSolve(A.data, B.data, n, k, count, attrs.lower, attrs.transpose, attrs.unitDiagonal, out);
    if (failed !== null) throw pivotError('triangularSolve', 'A', failed, batch, 'the triangular matrix is singular (a zero on its diagonal)');
    return new Tensor(out, B.shape);
  },
  vjp: (dX, { inputs: [A], output: X, attrs }, needs): Grads => {
    const dB = apply(triangularSolveOp, [A, dX], { ...attrs, transpose: !attrs.transpose });
    const dA = needs[0] ? neg(readPart(attrs.transpose ? matmulT(X, dB, false, true) : matmulT(dB, X, false, true), attrs)) : null;
    return [dA, needs[1] ? dB : null];
  },
});

/**
 * Solves op(A)·X = B for X, where A [..., n, n] is triangular and op(A) is A or Aᵀ; B is [..., n, k]
 * (batch dims broadcast) or a vector [n]. Only the triangle `lower` names is read. PyTorch's
 * `linalg.solve_triangular(A, B, upper=not lower, left=True, unitriangular=unitDiagonal)`, with
 * `transpose` in place of passing `A.mT`; unlike PyTorch, a zero on the diagonal is a `LinAlgError`
 * naming it rather than a result full of infinities.
 *
 * @example
 * const L = tensor([[2, 0], [1, 1]], { dtype: 'float64' });
 * triangularSolve(L, tensor([[2], [3]], { dtype: 'float64' }), { lower: true }).toArray(); // [[1], [2]]
 */
export function triangularSolve(A: Tensor, B: Tensor, options: TriangularSolveOptions): Tensor {
  const n = squareSize('triangularSolve', A);
  expectTensor('triangularSolve', B, 'B');
  if (options === null || typeof options !== 'object' || typeof options.lower !== 'boolean') {
    throw new TapegradError('triangularSolve', `expected options with a boolean 'lower', got ${fmtValue(options)}`, 'options');
  }
  const attrs: Attrs = { lower: options.lower, transpose: options.transpose ?? false, unitDiagonal: options.unitDiagonal ?? false };
  for (const key of ['transpose', 'unitDiagonal'] as const) {
    if (typeof attrs[key] !== 'boolean') throw new TapegradError('triangularSolve', `${key} must be a boolean, got ${fmtValue(attrs[key])}`, 'options');
  }
  if (B.ndim === 1) return asColumn('triangularSolve', n, B, (b) => triangularSolve(A, b, attrs));
  const [A2, B2] = broadcastBatch('triangularSolve', A, B);
  return apply(triangularSolveOp, [A2, B2], attrs);
}
