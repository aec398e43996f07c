/**
 * scaledDotProductAttention against PyTorch 1.13 in float64 (attention.torch.json, made by hand with the
 * system python3, Debian python3-torch 1.13.1, whose F._scaled_dot_product_attention is the function
 * PyTorch 2 made public; with the helpers of conv.test.ts's script and):
 *
 *   sdpa = lambda q, k, v, mask=None, causal=False: F._scaled_dot_product_attention(q, k, v, mask, 0.0, False, causal)[0]
 *   q, k, v = pat([2, 3, 4], 7, 11, 5, 4), pat([2, 5, 4], 5, 7, 3, 3), pat([2, 5, 3], 3, 13, 6, 5)
 *   mask = torch.tensor([[True, False, True, True, False], [False, False, True, False, True], [True, True, True, True, True]])
 *   run('plain', sdpa, q, k, v)
 *   run('mask', lambda q, k, v: sdpa(q, k, v, mask), q, k, v)
 *   run('causal', lambda q, k, v: sdpa(q, k, v, None, True), q, k, v)
 *
 * With a fully masked row PyTorch gives NaN there ([nan, nan, nan] for row 1 of batch 0); we give zeros.
 */
import { describe, expect, it } from 'vitest';
import { gradgradcheck, ones, scaledDotProductAttention, ShapeError, tensor, type Tensor } from '@tapegrad/core';
import { checkAgainst, expectClose, loadRefs, pattern } from './reference.testkit.js';

const REF = loadRefs(new URL('./attention.torch.json', import.meta.url));
const qkv = (): Tensor[] => [
  pattern([2, 3, 4], 7, 11, 5, 4, 'float64', true), pattern([2, 5, 4], 5, 7, 3, 3, 'float64', true), pattern([2, 5, 3], 3, 13, 6, 5, 'float64', true),
];
const MASK = tensor([[1, 0, 1, 1, 0], [0, 0, 1, 0, 1], [1, 1, 1, 1, 1]]);

describe('scaledDotProductAttention', () => {
  it('matches PyTorch without a mask, with a mask and causal, in value and gradient', () => {
    checkAgainst(REF.plain, (q, k, v) => scaledDotProductAttention(q, k, v), qkv());
    checkAgainst(REF.mask, (q, k, v) => scaledDotProductAttention(q, k, v, { mask: MASK }), qkv());
    checkAgainst(REF.causal, (q, k, v) => scaledDotProductAttention(q, k, v, { causal: true }), qkv());
  });

  it('gives zeros and zero gradients on a fully masked row, where PyTorch gives NaN', () => {
    const [q, k, v] = qkv();
    const mask = tensor([[1, 0, 1, 1, 0], [0, 0, 0, 0, 0], [1, 1, 1, 1, 1]]);
    const y = scaledDotProductAttention(q, k, v, { mask });
    expect((y.toArray() as number[][][]).map((b) => b[1])).toEqual([[0, 0, 0], [0, 0, 0]]);
    // the other rows are unchanged by the empty one
    const full = scaledDotProductAttention(q, k, v, { mask: MASK }).toArray() as number[][][];
    expect((y.toArray() as number[][][])[0][0]).toEqual(full[0][0]);
    y.sum().backward();
    expect(Array.from(q.grad!.data).every(Number.isFinite)).toBe(true);
    expect((q.grad!.toArray() as number[][][]).map((b) => b[1])).toEqual([[0, 0, 0, 0], [0, 0, 0, 0]]);
  });

  it('is stable: scores of 1e4 give no overflow, as softmax', () => {
    const q = tensor([[100, 0]]), k = tensor([[100, 0], [50, 0]]), v = tensor([[1, 0], [0, 1]]);
    // scores 1e4/√2 and 5e3/√2: exp of their difference underflows to 0, so all weight is on key 0; with a mask, on key 1
    expect(scaledDotProductAttention(q, k, v).toArray()).toEqual([[1, 0]]);
    expect(scaledDotProductAttention(q, k, v, { mask: tensor([[0, 1]]) }).toArray()).toEqual([[0, 1]]);
  });

  it('broadcasts a mask and batch dims, and takes a scale (TSDoc example)', () => {
    const q = tensor([[1, 0]]), k = tensor([[1, 0], [0, 1]]), v = tensor([[1, 2], [3, 4]]);
    expect(scaledDotProductAttention(q, k, v, { mask: tensor([[1, 0]]) }).toArray()).toEqual([[1, 2]]);
    // scale 0: uniform weights, the mean of v's rows
    expect(scaledDotProductAttention(q, k, v, { scale: 0 }).toArray()).toEqual([[2, 3]]);
    const heads = scaledDotProductAttention(ones([2, 3, 4, 8]), ones([2, 3, 5, 8]), ones([2, 3, 5, 6]), { mask: ones([2, 1, 4, 5]) });
    expect(heads.shape).toEqual([2, 3, 4, 6]);
    expectClose(heads, new Array(2 * 3 * 4 * 6).fill(1), 1e-6);
  });

  it('is twice differentiable with a mask that empties a row', () => {
    const [q, k, v] = qkv().map((t) => t.detach());
    const r = gradgradcheck((a: Tensor, b: Tensor, c: Tensor) => scaledDotProductAttention(a, b, c, { mask: tensor([[1, 0, 1, 1, 0], [0, 0, 0, 0, 0], [0, 0, 1, 0, 0]], { dtype: 'float64' }) }), [q, k, v]);
    expect(r.ok, JSON.stringify(r)).toBe(true);
  });

  it('names the op, the argument and the shapes on bad input', () => {
    const [q, k, v] = qkv();
    expect(() => scaledDotProductAttention(q, k, v, { mask: ones([3, 4]) })).toThrow(ShapeError);
    expect(() => scaledDotProductAttention(q, k, v, { mask: ones([3, 4]) })).toThrow(
      "scaledDotProductAttention: argument 'mask': a mask of shape [3, 4] does not broadcast to the scores' shape [2, 3, 5] ([..., L_q, L_k])",
    );
    expect(() => scaledDotProductAttention(q, q, v)).toThrow("scaledDotProductAttention: argument 'v': k of shape [2, 3, 4] and v of shape [2, 5, 3] differ in the number of keys");
    expect(() => scaledDotProductAttention(q, v, v)).toThrow("scaledDotProductAttention: argument 'k': q of shape [2, 3, 4] and k of shape [2, 5, 3] differ in their last dim (d)");
    expect(() => scaledDotProductAttention(tensor([1]), k, v)).toThrow("scaledDotProductAttention: argument 'q': expected rank ≥ 2 ([..., L, d]), got shape [1]");
  });
});
