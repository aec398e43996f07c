import { alloc } from '../../dtype.js';
import { LinAlgError } from '../../errors.js';
import { kernels } from '../../kernels/index.js';
import { apply } from '../../tape.js';
import { Tensor } from '../../tensor.js';
import { add, div, mul, sub } from '../arith.js';
import { concat, mT, reshape, sliceRaw } from '../layout.js';
import { matmul, matmulT } from '../matmul.js';
import { defineOp, type Grads } from '../define.js';
import { batchOf, squareSize } from './common.js';
import { diagonalMatrix } from './structure.js';

/** Rows 0 (the eigenvalues) and 1..n (the eigenvectors) of the packed [..., n + 1, n] output. */
function unpack(W: Tensor): { w: Tensor; V: Tensor } {
  const n = W.shape[W.ndim - 1], lead = W.shape.slice(0, -2);
  const part = (row: number, rows: number) =>
    sliceRaw(W, [...lead.map(() => 0), row, 0], W.shape.map(() => 1), [...lead, rows, n]);
  return { w: reshape(part(0, 1), [...lead, n]), V: part(1, n) };
}

// S = ½(A + Aᵀ) = V·diag(w)·Vᵀ:  dA = sym(V·(diag(dw) + F ∘ (Vᵀ·dV))·Vᵀ), F[i,j] = 1/(w_j − w_i) off the
// diagonal and 0 on it (the standard rule; infinite for repeated eigenvalues, see eigh)
export const eighOp = defineOp('eigh', {
  forward: ([A]) => {
    const n = A.shape[A.ndim - 1];
    const { batch, count } = batchOf(A);
    const values = alloc(A.dtype, count * n), vectors = alloc(A.dtype, A.size);
    kernels.eigh(A.data, n, count, values, vectors);
    // packed as one output: the eigenvalues as row 0, the eigenvectors below
    return concat([new Tensor(values, [...batch, 1, n]), new Tensor(vectors, A.shape)], A.ndim - 2);
  },
  vjp: (dW, { output }): Grads => {
    const { w, V } = unpack(output), { w: dw, V: dV } = unpack(dW);
    const n = w.shape[w.ndim - 1], I = diagonalMatrix(n, w.dtype);
    let G = mul(I, reshape(dw, [...dw.shape.slice(0, -1), 1, n]));
    // no cotangent on the eigenvectors (a loss of the eigenvalues): no F term, finite even for repeated
    // ones; a recorded cotangent (jvp differentiates the VJP in it) keeps the F term while they are distinct
    if (dV.data.some((v) => v !== 0) || (dW.requiresGrad && !hasRepeated(w))) {
      checkDistinct(w);
      const gap = sub(reshape(w, [...w.shape.slice(0, -1), 1, n]), reshape(w, [...w.shape, 1])); // w_j − w_i
      const F = mul(div(1, add(gap, I)), sub(1, I)); // 1/(w_j − w_i), kept finite on the diagonal, then zeroed
      G = add(G, mul(F, matmulT(V, dV, true, false)));
    }
    const dA = matmul(matmul(V, G), mT(V));
    return [mul(add(dA, mT(dA)), 0.5)];
  },
});

/** True when two neighbouring eigenvalues of some matrix are equal (w is sorted). */
function hasRepeated(w: Tensor): boolean {
  const n = w.shape[w.ndim - 1];
  for (let i = 0; i < w.size; i++) if (i % n > 0 && w.data[i] === w.data[i - 1]) return true;
  return false;
}

/** A LinAlgError when a matrix has a repeated eigenvalue (its eigenvectors' gradient is infinite there). */
function checkDistinct(w: Tensor): void {
  const n = w.shape[w.ndim - 1];
  for (let m = 0; m < w.size / n; m++) {
    for (let i = 1; i < n; i++) {
      if (w.data[m * n + i] === w.data[m * n + i - 1]) {
        throw new LinAlgError('eigh', `the gradient through the eigenvectors is infinite: eigenvalues ${i - 1} and ${i} are both ${w.data[m * n + i]}${w.ndim > 1 ? ` (matrix ${m} of the batch, counting row-major)` : ''}`, 'A', [m], i);
      }
    }
  }
}

/**
 * Eigenvalues (ascending) and unit eigenvectors (the columns of `vectors`) of each symmetric matrix of
 * A [..., n, n], so A = vectors·diag(values)·vectorsᵀ; by cyclic Jacobi rotations, accurate to a few
 * ulps of ‖A‖. Like `cholesky`, it uses the symmetric part ½(A + Aᵀ) (PyTorch reads one triangle).
 *
 * Each eigenvector is returned with its largest-magnitude component positive (PyTorch and LAPACK leave
 * the sign unspecified). The gradient through `vectors` has terms 1/(λⱼ − λᵢ): it is exact for distinct
 * eigenvalues and infinite for repeated ones (an eigenvector of a repeated eigenvalue is not a function
 * of A), as in PyTorch and JAX — exactly repeated eigenvalues make it a `LinAlgError` — while the
 * gradient through `values` alone is always finite. Our gradient is
 * the symmetric one, ½(Ā + Āᵀ) of PyTorch's Ā, which differs from PyTorch's only in its antisymmetric
 * part (zero for a loss of the eigenvalues).
 *
 * @example
 * const { values, vectors } = eigh(tensor([[2, 1], [1, 2]], { dtype: 'float64' }));
 * values.toArray(); // [1, 3]
 */
export function eigh(A: Tensor): { values: Tensor; vectors: Tensor } {
  squareSize('eigh', A);
  const { w, V } = unpack(apply(eighOp, [A], null));
  return { values: w, vectors: V };
}
