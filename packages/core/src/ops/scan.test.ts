/**
 * cumsum and cumprod against PyTorch 1.13 in float64 (scan-sort.torch.json, made by hand with the system
 * python3, Debian python3-torch 1.13.1, with the helpers of conv.test.ts's script and):
 *
 *   x = pat([3, 4, 2], 7, 11, 5, 4)  # holds zeros
 *   run('cumsum', lambda x: torch.cumsum(x, 1), x)
 *   run('cumprod', lambda x: torch.cumprod(x, 1), x)
 *   run('cumprod0', lambda x: torch.cumprod(x, 0), x)
 *   run('cumprodZeros', lambda x: torch.cumprod(x, 1), torch.tensor([[2., 0, 3, 0, 5], [0, 0, 1, 2, 3], [1.5, -2, 0.5, 4, 0]]))
 *   (sort, topk and embedding: see sort.test.ts)
 */
import { describe, expect, it } from 'vitest';
import { cumprod, cumsum, gradgradcheck, hessian, tensor, TapegradError, type Tensor } from '@tapegrad/core';
import { checkAgainst, loadRefs, pattern } from './reference.testkit.js';

const REF = loadRefs(new URL('./scan-sort.torch.json', import.meta.url));
const x = () => pattern([3, 4, 2], 7, 11, 5, 4, 'float64', true);

describe('cumsum', () => {
  it('matches PyTorch in value and gradient', () => {
    checkAgainst(REF.cumsum, (t) => cumsum(t, 1), [x()]);
  });

  it('computes the TSDoc example along either axis, negative axes too, in float32', () => {
    const m = tensor([[1, 2, 3], [4, 5, 6]]);
    expect(cumsum(m, 1).toArray()).toEqual([[1, 3, 6], [4, 9, 15]]);
    expect(cumsum(m, 0).toArray()).toEqual([[1, 2, 3], [5, 7, 9]]);
    expect(cumsum(m, -1).toArray()).toEqual([[1, 3, 6], [4, 9, 15]]);
    expect(cumsum(m, 0).dtype).toBe('float32');
  });

  it('has the running sum from the end as its gradient', () => {
    const v = tensor([1, 2, 3], { requiresGrad: true });
    cumsum(v, 0).mul(tensor([1, 10, 100])).sum().backward();
    expect(v.grad!.toArray()).toEqual([111, 110, 100]);
  });

  it('names the op and the argument for a bad axis', () => {
    expect(() => cumsum(tensor([1, 2]), 1)).toThrow(TapegradError);
    expect(() => cumsum(tensor([1, 2]), 1)).toThrow(/^cumsum: argument 'axis'/);
  });
});

describe('cumprod', () => {
  it('matches PyTorch in value and gradient, on inputs holding zeros, along either axis', () => {
    checkAgainst(REF.cumprod, (t) => cumprod(t, 1), [x()]);
    checkAgainst(REF.cumprod0, (t) => cumprod(t, 0), [x()]);
  });

  it('has the right gradient with several zeros in a row (it never divides by x)', () => {
    const z = tensor([[2, 0, 3, 0, 5], [0, 0, 1, 2, 3], [1.5, -2, 0.5, 4, 0]], { dtype: 'float64', requiresGrad: true });
    checkAgainst(REF.cumprodZeros, (t) => cumprod(t, 1), [z]);
  });

  it('computes the TSDoc example', () => {
    expect(cumprod(tensor([2, 3, 0, 4]), 0).toArray()).toEqual([2, 6, 0, 0]);
  });

  it('is twice differentiable with and without zeros: the Hessian of Σ cumprod(x)', () => {
    // Σᵢ Πₖ≤ᵢ xₖ for x = (a, b, c): a + ab + abc; ∂²/∂a∂b = 1 + c, ∂²/∂a∂c = b, ∂²/∂b∂c = a
    const f = (t: Tensor) => cumprod(t, 0).sum();
    expect(hessian(f)(tensor([2, 0, 3], { dtype: 'float64' })).toArray()).toEqual([[0, 4, 0], [4, 0, 2], [0, 2, 0]]);
    expect(hessian(f)(tensor([2, 5, 3], { dtype: 'float64' })).toArray()).toEqual([[0, 4, 5], [4, 0, 2], [5, 2, 0]]);
    const r = gradgradcheck((t: Tensor) => cumprod(t, 1), [tensor([[2, 0, 3, 0], [0.5, -1, 0, 2]], { dtype: 'float64' })]);
    expect(r.ok, JSON.stringify(r)).toBe(true);
  });

  it('keeps its second derivative near zero: dividing by a tiny x would cancel to garbage', () => {
    // Σ cumprod([a, b]) = a + ab: ∂²/∂a² = 0 and ∂²/∂a∂b = 1, whatever a is (the division form gave 3.5e72 at a = −2.3e-89)
    const f = (t: Tensor) => cumprod(t, 0).sum();
    expect(hessian(f)(tensor([-2.2811050893314642e-89, 1.5], { dtype: 'float64' })).toArray()).toEqual([[0, 1], [1, 0]]);
    const r = gradgradcheck((t: Tensor) => cumprod(t, 0), [tensor([-2.2811050893314642e-89], { dtype: 'float64' })]);
    expect(r.ok, JSON.stringify(r)).toBe(true);
  });
});
