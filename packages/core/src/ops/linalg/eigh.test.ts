/** eigh under forward mode (its values, batching and errors are in linalg.test.ts). */
import { describe, expect, it } from 'vitest';
import { eigh, jvp, tensor, type Tensor } from '@tapegrad/core';

describe('eigh', () => {
  it('jvp through the eigenvectors agrees with central differences (the VJP keeps its F term for a recorded cotangent)', () => {
    const A = tensor([[2, 0.5], [0.5, 1]], { dtype: 'float64' }), dA = tensor([[0, 1], [1, 0]], { dtype: 'float64' }), h = 1e-6;
    const [, dV] = jvp((a: Tensor) => eigh(a).vectors, [A], [dA]);
    const fd = eigh(A.add(dA.mul(h))).vectors.sub(eigh(A.sub(dA.mul(h))).vectors).div(2 * h);
    expect(dV.sub(fd).abs().max().item()).toBeLessThan(1e-8);
    expect(dV.abs().max().item()).toBeGreaterThan(0.1);
  });

  it('jvp of the eigenvalues at a repeated eigenvalue is still finite: diag(Vᵀ·dA·V) with V = I', () => {
    const I = tensor([[1, 0], [0, 1]], { dtype: 'float64' }), D = tensor([[0.5, 0], [0, -0.5]], { dtype: 'float64' });
    const [, dw] = jvp((a: Tensor) => eigh(a).values, [I], [D]);
    expect(dw.toArray()).toEqual([0.5, -0.5]);
  });
});
