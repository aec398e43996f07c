/**
 * Linear and MultiHeadAttention against PyTorch 1.13 in float64 (values and the gradients of every input
 * and parameter), gradchecks, save/load, typed inputs and bad input.
 *
 * attention.torch.json was computed by hand with the system python3 (Debian python3-torch 1.13.1):
 *
 *   import json, torch, torch.nn as nn
 *   torch.set_default_dtype(torch.float64)
 *   def pat(shape, a, m, off, d):
 *       n = 1
 *       for s in shape: n *= s
 *       return torch.tensor([((i * a) % m - off) / d for i in range(n)]).reshape(shape)
 *   fmt = lambda t: [round(v, 12) for v in t.detach().flatten().tolist()]
 *   def run(name, layer, inputs, f):
 *       inputs = [x.clone().requires_grad_() for x in inputs]
 *       ps = list(layer.parameters())
 *       for i, p in enumerate(ps):
 *           with torch.no_grad(): p.copy_(pat(list(p.shape), 5, 7, 3, 3) if i % 2 == 0 else pat(list(p.shape), 3, 5, 2, 4))
 *       layer.zero_grad()
 *       y = f(layer, *inputs); (y * pat(list(y.shape), 3, 5, 2, 2)).sum().backward()
 *       out[name] = {'shape': list(y.shape), 'y': fmt(y), 'grads': [fmt(x.grad) for x in inputs] + [fmt(p.grad) for p in ps]}
 *   out = {}
 *   q, k, v = pat([2, 3, 4], 7, 11, 5, 4), pat([2, 5, 4], 5, 13, 6, 5), pat([2, 5, 4], 3, 7, 3, 3)
 *   run('Linear', nn.Linear(4, 3), [q], lambda l, x: l(x))
 *   mha = nn.MultiheadAttention(4, 2, batch_first=True)
 *   run('MultiHeadAttention', mha, [q, k, v], lambda l, q, k, v: l(q, k, v, need_weights=False)[0])
 *   # ours: mask nonzero = may attend; PyTorch's boolean attn_mask: True = may not. Every query keeps a key.
 *   allowed = torch.tensor([[1, 1, 0, 1, 0], [0, 1, 1, 1, 1], [1, 0, 0, 0, 1]], dtype=torch.bool)
 *   run('MultiHeadAttentionMask', mha, [q, k, v], lambda l, q, k, v: l(q, k, v, attn_mask=~allowed, need_weights=False)[0])
 *   causal = torch.ones(3, 3, dtype=torch.bool).triu(1)
 *   run('MultiHeadAttentionCausal', mha, [q, k[:, :3].contiguous(), v[:, :3].contiguous()], lambda l, q, k, v: l(q, k, v, attn_mask=causal, need_weights=False)[0])
 *   print(json.dumps(out))
 */
import { describe, expect, it } from 'vitest';
import { Generator, ShapeError, TapegradError, gradcheck, mul, randn, slice, sum, tensor, type Tensor } from '@tapegrad/core';
import { Linear, MultiHeadAttention, Sequential, functionalCall, loadBytes, loadStateDict, saveBytes, type AnyModule } from '@tapegrad/nn';
import { checkRunAgainst, expectClose, expectRoundTrip, gradcheckLayer, loadRefs, pattern, setAlternatingParameters } from './layers.testkit.js';

const REF = loadRefs(new URL('./attention.torch.json', import.meta.url));
const f64 = (seed: number) => ({ dtype: 'float64', generator: new Generator(seed) }) as const;
const leaf = (t: Tensor) => t.detach().setRequiresGrad(true);
const Q = () => pattern([2, 3, 4], 7, 11, 5, 4, 'float64', true);
const K = () => pattern([2, 5, 4], 5, 13, 6, 5, 'float64', true);
const V = () => pattern([2, 5, 4], 3, 7, 3, 3, 'float64', true);

const setParams = setAlternatingParameters;
const checkAgainst = checkRunAgainst;

describe('Linear', () => {
  it('matches PyTorch on the last axis of [N, L, in]', () => {
    const lin = new Linear(4, 3, f64(0));
    setParams(lin);
    const q = Q();
    checkAgainst(REF.Linear, lin, [q], () => lin.forward(q));
  });

  it('has PyTorch’s names and shapes, gradchecks, round-trips and refuses the wrong width', () => {
    const lin = new Linear(4, 3, f64(0));
    expect(lin.parameters().map((p) => p.shape).toJS()).toEqual({ weight: [3, 4], bias: [3] });
    expect(lin.weight.abs().max().item()).toBeLessThan(0.5); // ±1/√4
    gradcheckLayer(lin, randn([2, 4], f64(1)));
    expectRoundTrip(lin, new Linear(4, 3, f64(2)), randn([2, 4], f64(3)));
    expect(() => lin.forward(randn([2, 3]))).toThrow("Linear: argument 'x': input has shape [2, 3] but this layer takes […, 4] (features last)");
  });
});

describe('MultiHeadAttention', () => {
  it('matches PyTorch (batch_first) without a mask, with a mask of allowed keys, and causal', () => {
    const mha = new MultiHeadAttention(4, 2, f64(0));
    setParams(mha);
    const [q, k, v] = [Q(), K(), V()];
    checkAgainst(REF.MultiHeadAttention, mha, [q, k, v], () => mha.forward(q, k, v));

    const mask = tensor([[1, 1, 0, 1, 0], [0, 1, 1, 1, 1], [1, 0, 0, 0, 1]], { dtype: 'float64' });
    const [q2, k2, v2] = [Q(), K(), V()];
    setParams(mha);
    checkAgainst(REF.MultiHeadAttentionMask, mha, [q2, k2, v2], () => mha.forward(q2, k2, v2, mask));

    const [q3, k3, v3] = [Q(), leaf(slice(K(), [0, 0, 0], [2, 3, 4])), leaf(slice(V(), [0, 0, 0], [2, 3, 4]))];
    setParams(mha);
    checkAgainst(REF.MultiHeadAttentionCausal, mha, [q3, k3, v3], () => mha.forward(q3, k3, v3, 'causal'));
  });

  it('names its parameters as PyTorch (in_proj_weight, in_proj_bias, out_proj.weight, out_proj.bias) and round-trips', () => {
    const mha = new MultiHeadAttention(4, 2, f64(0));
    expect(mha.parameters().map((p) => p.shape).toJS()).toEqual({ in_proj_weight: [12, 4], in_proj_bias: [12], 'out_proj.weight': [4, 4], 'out_proj.bias': [4] });
    expect([...mha.in_proj_bias!.data, ...mha.out_proj.bias!.data].every((b) => b === 0)).toBe(true);
    const fresh = new MultiHeadAttention(4, 2, f64(1));
    const x = randn([1, 3, 4], f64(2));
    loadStateDict(fresh, loadBytes(saveBytes(mha)));
    expect(fresh.forward(x, x, x).toArray()).toEqual(mha.forward(x, x, x).toArray());
  });

  it('gradchecks with respect to q, k, v and every parameter', () => {
    const mha = new MultiHeadAttention(4, 2, f64(3));
    setParams(mha);
    const names = mha.parameters().keySeq().toArray();
    const mask = tensor([[1, 0, 1], [1, 1, 0]], { dtype: 'float64' });
    const f = (q: Tensor, k: Tensor, v: Tensor, ...ps: Tensor[]) => mha.withParameters(names.map((n, i) => [n, ps[i]] as const), () => mha.forward(q, k, v, mask));
    const inputs = [randn([1, 2, 4], f64(4)), randn([1, 3, 4], f64(5)), randn([1, 3, 4], f64(6)), ...mha.parameters().valueSeq().map(leaf)];
    expect(gradcheck(f, inputs, { throw: true }).ok).toBe(true);
  });

  it('is typed by its inputs: it takes q, k, v and a mask, and does not fit where one input is expected', () => {
    const mha = new MultiHeadAttention(4, 1);
    // @ts-expect-error: Sequential calls forward(x) with one input
    expect(() => new Sequential(mha)).not.toThrow();
    // @ts-expect-error: functionalCall calls forward(x) with one input
    expect(() => functionalCall(mha, {}, randn([1, 2, 4]))).toThrow();
    expect(saveBytes(mha).length).toBeGreaterThan(0); // saving and loading take any module
  });

  it('refuses bad shapes and options with typed errors naming the layer and the argument', () => {
    const mha = new MultiHeadAttention(4, 2);
    const x = randn([2, 3, 4]);
    expect(() => new MultiHeadAttention(6, 4)).toThrow("MultiHeadAttention: argument 'numHeads': embedDim (6) must be divisible by numHeads (4)");
    expect(() => mha.forward(randn([2, 3, 5]), x, x)).toThrow("MultiHeadAttention: argument 'q': q has shape [2, 3, 5] but this layer takes [N, L, 4] (embedDim last)");
    expect(() => mha.forward(x, randn([3, 4]), x)).toThrow(ShapeError);
    expect(() => mha.forward(x, randn([2, 5, 4]), x)).toThrow("MultiHeadAttention: argument 'k': q, k and v must share the batch N and k, v the length S; got q [2, 3, 4], k [2, 5, 4], v [2, 3, 4]");
    expect(() => mha.forward(x, x, x, tensor([[1, 0]]))).toThrow("MultiHeadAttention: argument 'mask': expected [L, S] = [3, 3] or [N, L, S] = [2, 3, 3], got [1, 2]");
    expect(() => mha.forward(x, x, x, 'future' as 'causal')).toThrow(TapegradError);
  });
});
