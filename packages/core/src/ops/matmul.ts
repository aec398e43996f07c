import { MAX_SIZE, checkSize } from '../creation.js';
import { alloc, promote } from '../dtype.js';
import { ShapeError, fmtShape } from '../errors.js';
import { kernels } from '../kernels/index.js';
import { broadcastShapes, stridesOf } from '../shape.js';
import { apply } from '../tape.js';
import { Tensor } from '../tensor.js';
import { defineOp, expectTensor, type Grads } from './define.js';
import { reshape } from './layout.js';

/**
 * Batched C = op(A)·op(B) on operands of rank ≥ 2; leading (batch) dims broadcast. With `transA`, A is
 * stored transposed (its last two dims are k×m), so backward's Wᵀ·dZ and dZ·Aᵀ copy nothing.
 */
export const matmulOp = defineOp<'matmul', { transA: boolean; transB: boolean }>('matmul', {
  forward: ([a, b], { transA, transB }) => {
    const ra = a.ndim, rb = b.ndim;
    const [m, ka] = transA ? [a.shape[ra - 1], a.shape[ra - 2]] : [a.shape[ra - 2], a.shape[ra - 1]];
    const [kb, n] = transB ? [b.shape[rb - 1], b.shape[rb - 2]] : [b.shape[rb - 2], b.shape[rb - 1]];
    if (ka !== kb) {
      throw new ShapeError(
        'matmul',
        `inner dimensions do not match: a has shape ${fmtShape(a.shape)}${transA ? ' (transposed)' : ''} with k = ${ka}, ` +
          `b has shape ${fmtShape(b.shape)}${transB ? ' (transposed)' : ''} with k = ${kb}`,
      );
    }
    const dtype = promote(a.dtype, b.dtype);
    if (a.ndim === 2 && b.ndim === 2) {
      // one matrix each (every product of a layer): no batch dims to broadcast or walk
      if (m * n > MAX_SIZE) checkSize('matmul', m * n, 'b', `the product ${fmtShape([m, n])}`);
      const out = alloc(dtype, m * n);
      kernels.gemm(transA, transB, m, n, ka, a.data, 0, b.data, 0, out, 0);
      return new Tensor(out, [m, n]);
    }
    const batchA = a.shape.slice(0, -2), batchB = b.shape.slice(0, -2);
    const batch = broadcastShapes('matmul', batchA, batchB, 'a (batch dims)', 'b (batch dims)');
    const shape = [...batch, m, n];
    let count = 1;
    for (const d of batch) count *= d;
    if (count * m * n > MAX_SIZE) checkSize('matmul', count * m * n, 'b', `the product ${fmtShape(shape)}`);
    const out = alloc(dtype, count * m * n);
    if (count === 1) {
      kernels.gemm(transA, transB, m, n, ka, a.data, 0, b.data, 0, out, 0);
      return new Tensor(out, shape);
    }
    // Matrix-granular strides: a batch dim of size 1 (or a missing one) repeats the same matrix.
    const sa = batchStrides(batchA, batch), sb = batchStrides(batchB, batch), bs = stridesOf(batch);
    const matA = m * ka, matB = ka * n;
    for (let i = 0; i < count; i++) {
      let ia = 0, ib = 0, rest = i;
      for (let d = 0; d < batch.length; d++) {
        const idx = Math.floor(rest / bs[d]);
        rest -= idx * bs[d];
        ia += idx * sa[d];
        ib += idx * sb[d];
      }
      kernels.gemm(transA, transB, m, n, ka, a.data, ia * matA, b.data, ib * matB, out, i * m * n);
    }
    return new Tensor(out, shape);
  },
  // C = op(A)·op(B):  d op(A) = dC·op(B)ᵀ,  d op(B) = op(A)ᵀ·dC  — the notes' dA[l-1] = W[l]ᵀ·dZ[l], dW[l] = dZ[l]·A[l-1]ᵀ
  vjp: (dC, { inputs: [a, b], attrs: { transA, transB } }, needs): Grads => [
    needs[0] ? (transA ? matmulT(b, dC, transB, true) : matmulT(dC, b, false, !transB)) : null,
    needs[1] ? (transB ? matmulT(dC, a, true, transA) : matmulT(a, dC, !transA, false)) : null,
  ],
});

function batchStrides(shape: readonly number[], batch: readonly number[]): number[] {
  const own = stridesOf(shape);
  const off = batch.length - shape.length;
  return batch.map((_, d) => (d < off || shape[d - off] === 1 ? 0 : own[d - off]));
}

/** op(a)·op(b) where op transposes the last two dims when its flag is set. Both operands rank ≥ 2. */
export function matmulT(a: Tensor, b: Tensor, transA: boolean, transB: boolean): Tensor {
  if (a.ndim < 2 || b.ndim < 2) throw new ShapeError('matmul', `matmulT needs operands of rank ≥ 2, got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  return apply(matmulOp, [a, b], { transA, transB });
}

/**
 * Matrix product with NumPy's rules: 2-D · 2-D; N-D operands are stacks of matrices whose batch dims
 * broadcast; a 1-D operand is a vector (a row on the left, a column on the right, then dropped).
 *
 * @example
 * const W = tensor([[1, 2], [3, 4]]), A_prev = tensor([[1, 0, 2], [0, 1, 1]]), b = tensor([[1], [-1]]);
 * const Z = matmul(W, A_prev).add(b); // [n_l, n_{l-1}] · [n_{l-1}, m] + [n_l, 1]  →  [n_l, m]
 * Z; // [[2, 3, 5], [2, 3, 9]]
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  expectTensor('matmul', a, 'a');
  expectTensor('matmul', b, 'b');
  if (a.ndim === 0 || b.ndim === 0) {
    throw new ShapeError('matmul', `operands must have at least 1 dimension, got shapes ${fmtShape(a.shape)} (a) and ${fmtShape(b.shape)} (b); use mul for scalars`);
  }
  if (a.ndim >= 2 && b.ndim >= 2) return matmulT(a, b, false, false);
  const a2 = a.ndim === 1 ? reshape(a, [1, a.shape[0]]) : a;
  const b2 = b.ndim === 1 ? reshape(b, [b.shape[0], 1]) : b;
  if (a2.shape[a2.ndim - 1] !== b2.shape[b2.ndim - 2]) {
    throw new ShapeError('matmul', `inner dimensions do not match: a has shape ${fmtShape(a.shape)}, b has shape ${fmtShape(b.shape)}`);
  }
  const c = matmulT(a2, b2, false, false);
  const shape = c.shape.slice();
  if (b.ndim === 1) shape.splice(shape.length - 1, 1);
  if (a.ndim === 1) shape.splice(shape.length - (b.ndim === 1 ? 1 : 2), 1);
  return reshape(c, shape);
}
