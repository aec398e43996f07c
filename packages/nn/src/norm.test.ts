/**
 * LayerNorm, BatchNorm1d/2d, Dropout and Embedding against PyTorch 1.13 in float64, gradchecks, save/load,
 * train()/eval() and bad input.
 *
 * norm.torch.json holds the outputs of PyTorch's layers, the gradients of Σ y ⊙ r (r = pattern(y.shape,
 * 3, 5, 2, 2)) with respect to the input and each parameter, and the running statistics after the step,
 * computed by hand with the system python3 (Debian python3-torch 1.13.1) with this script:
 *
 *   import json, torch, torch.nn as nn
 *   torch.set_default_dtype(torch.float64)
 *   def pat(shape, a, m, off, d):
 *       n = 1
 *       for s in shape: n *= s
 *       return torch.tensor([((i * a) % m - off) / d for i in range(n)]).reshape(shape)
 *   class Columns(nn.Module):  # BatchNorm1d on Dense's columns [C, m]: PyTorch's on the transpose
 *       def __init__(self, bn): super().__init__(); self.bn = bn
 *       def forward(self, x): return self.bn(x.T).T
 *   def run(name, layer, x, train=True):
 *       x = x.clone().requires_grad_()
 *       ps = list(layer.parameters())
 *       for i, p in enumerate(ps):
 *           with torch.no_grad(): p.copy_(pat(list(p.shape), 5, 7, 3, 3) if i == 0 else pat(list(p.shape), 3, 5, 2, 4))
 *       layer.train(train); layer.zero_grad()
 *       y = layer(x); (y * pat(list(y.shape), 3, 5, 2, 2)).sum().backward()
 *       fmt = lambda t: [round(v, 12) for v in t.detach().flatten().tolist()]
 *       out[name] = {'shape': list(y.shape), 'y': fmt(y), 'grads': [fmt(x.grad)] + [fmt(p.grad) for p in ps]}
 *       bufs = dict(layer.named_buffers())
 *       out[name]['buffers'] = {k: fmt(v) for k, v in bufs.items() if 'running' in k}
 *       return layer
 *   out = {}
 *   X = lambda s: pat(s, 7, 11, 5, 4)
 *   run('LayerNorm', nn.LayerNorm([2, 3]), X([2, 2, 2, 3]))
 *   run('LayerNormNoAffine', nn.LayerNorm(4, elementwise_affine=False, eps=1e-3), X([3, 4]))
 *   run('BatchNorm1dColumns', Columns(nn.BatchNorm1d(3, momentum=0.2)), X([3, 5]))
 *   run('BatchNorm1dSeq', nn.BatchNorm1d(2), X([3, 2, 4]))
 *   bn = run('BatchNorm2d', nn.BatchNorm2d(3), X([2, 3, 2, 3]))
 *   run('BatchNorm2dEval', bn, X([2, 3, 2, 3]) * 0.5, train=False)  # with the running statistics of the step above
 *   e = nn.Embedding(5, 3)
 *   x = torch.tensor([[1, 3, 1], [4, 0, 1]])
 *   with torch.no_grad(): e.weight.copy_(pat([5, 3], 5, 7, 3, 3))
 *   y = e(x); (y * pat(list(y.shape), 3, 5, 2, 2)).sum().backward()
 *   out['Embedding'] = {'shape': list(y.shape), 'y': [round(v, 12) for v in y.detach().flatten().tolist()], 'grads': [[], [round(v, 12) for v in e.weight.grad.flatten().tolist()]]}
 *   print(json.dumps(out))
 */
import { describe, expect, it } from 'vitest';
import { Generator, ShapeError, TapegradError, gradcheck, ones, randn, tensor, zeros, type Tensor } from '@tapegrad/core';
import { BatchNorm1d, BatchNorm2d, Conv2d, Dense, Dropout, Embedding, LayerNorm, Module, SerializationError, Sequential, loadBytes, loadStateDict, saveBytes, stateDict } from '@tapegrad/nn';
import { X, checkLayerAgainst, expectClose, expectRoundTrip, gradcheckLayer, loadRefs, pattern, setPatternParameters } from './layers.testkit.js';

type NormRef = ReturnType<typeof loadRefs>[string] & { buffers: Record<string, number[]> };
const REF = loadRefs(new URL('./norm.torch.json', import.meta.url)) as Record<string, NormRef>;
const f64 = { dtype: 'float64' } as const;

describe('LayerNorm', () => {
  it('matches PyTorch over two trailing dims, and without affine parameters', () => {
    checkLayerAgainst(REF.LayerNorm, new LayerNorm([2, 3], f64), X([2, 2, 2, 3]));
    checkLayerAgainst(REF.LayerNormNoAffine, new LayerNorm(4, { elementwiseAffine: false, eps: 1e-3, ...f64 }), X([3, 4]));
  });

  it('has weight (ones) and bias (zeros), gradchecks and round-trips', () => {
    const ln = new LayerNorm([2, 3], f64);
    expect(ln.parameters().map((p) => [...p.shape, ...new Set(p.data)]).toJS()).toEqual({ weight: [2, 3, 1], bias: [2, 3, 0] });
    gradcheckLayer(ln, randn([2, 2, 3], { ...f64, generator: new Generator(1) }));
    setPatternParameters(ln);
    expectRoundTrip(ln, new LayerNorm([2, 3], f64), randn([2, 2, 3], { ...f64, generator: new Generator(2) }));
  });

  it('refuses an input whose trailing dims are not normalizedShape', () => {
    expect(() => new LayerNorm([2, 3]).forward(randn([4, 3, 2]))).toThrow(ShapeError);
    expect(() => new LayerNorm([2, 3]).forward(randn([4, 3, 2]))).toThrow("LayerNorm: argument 'x': input has shape [4, 3, 2] but this layer normalizes trailing dims [2, 3], so it takes […, 2, 3]");
    expect(() => new LayerNorm([])).toThrow("LayerNorm: argument 'normalizedShape': expected a positive integer or a non-empty list of them, got []");
  });
});

describe('BatchNorm1d, BatchNorm2d', () => {
  const expectRunning = (bn: BatchNorm1d | BatchNorm2d, ref: NormRef, prefix = '') => {
    expectClose(bn.runningMean, ref.buffers[`${prefix}running_mean`]);
    expectClose(bn.runningVar, ref.buffers[`${prefix}running_var`]);
  };

  it('BatchNorm1d matches PyTorch on Dense’s columns [C, m] (PyTorch’s on the transpose) and on [N, C, L], running statistics included', () => {
    const columns = new BatchNorm1d(3, { momentum: 0.2, ...f64 });
    checkLayerAgainst(REF.BatchNorm1dColumns, columns, X([3, 5]));
    expectRunning(columns, REF.BatchNorm1dColumns, 'bn.');
    const seq = new BatchNorm1d(2, f64);
    checkLayerAgainst(REF.BatchNorm1dSeq, seq, X([3, 2, 4]));
    expectRunning(seq, REF.BatchNorm1dSeq);
  });

  it('BatchNorm2d matches PyTorch in train mode, then in eval mode with the running statistics', () => {
    const bn = new BatchNorm2d(3, f64);
    checkLayerAgainst(REF.BatchNorm2d, bn, X([2, 3, 2, 3]));
    expectRunning(bn, REF.BatchNorm2d);
    bn.eval();
    checkLayerAgainst(REF.BatchNorm2dEval, bn, pattern([2, 3, 2, 3], 7, 11, 5, 8, 'float64', true));
    expectRunning(bn, REF.BatchNorm2dEval); // eval mode leaves them alone
  });

  it('train()/eval() switch what it does: batch statistics and updates, or the running ones', () => {
    const bn = new BatchNorm1d(1, f64);
    const x = tensor([[1, 3]], f64);
    expect(bn.forward(x).data[1]).toBeCloseTo(1 / Math.sqrt(1 + 1e-5), 12); // (3 − 2) / √(1 + eps)
    expect(bn.runningMean.item()).toBeCloseTo(0.2, 14); // 0.9·0 + 0.1·2
    expect(bn.runningVar.item()).toBeCloseTo(0.9 + 0.1 * 2, 14); // unbiased variance of (1, 3) is 2
    const net = new Sequential(new Dense(1, 1, { activation: 'linear', ...f64 }), bn).eval();
    expect(bn.training).toBe(false);
    expect(bn.forward(x).toArray()).toEqual([[(1 - 0.2) / Math.sqrt(1.1 + 1e-5), (3 - 0.2) / Math.sqrt(1.1 + 1e-5)]]);
    expect(bn.runningMean.item()).toBeCloseTo(0.2, 14);
    net.train();
    expect(bn.training).toBe(true);
  });

  it('refuses one example in training mode with a typed error, and takes it in eval mode', () => {
    const bn = new BatchNorm1d(3);
    expect(() => bn.forward(randn([3, 1]))).toThrow(ShapeError);
    expect(() => bn.forward(randn([3, 1]))).toThrow("BatchNorm1d: argument 'x': in training mode it needs more than one value per channel to compute batch statistics, but the input has shape [3, 1] (call eval() to use the running statistics)");
    expect(bn.eval().forward(randn([3, 1])).shape).toEqual([3, 1]);
    expect(() => new BatchNorm2d(2).forward(randn([1, 2, 1, 1]))).toThrow(/BatchNorm2d: argument 'x': in training mode/);
  });

  it('refuses a wrong channel count or rank, and bad options', () => {
    expect(() => new BatchNorm2d(3).forward(randn([2, 4, 2, 2]))).toThrow("BatchNorm2d: argument 'x': input has shape [2, 4, 2, 2] but this layer takes [N, 3, H, W] (3 channels along axis 1)");
    expect(() => new BatchNorm1d(3).forward(randn([2, 3]))).toThrow("BatchNorm1d: argument 'x': input has shape [2, 3] but this layer takes [3, m] or [N, 3, L] (3 channels along axis 0)");
    expect(() => new BatchNorm2d(3).forward(randn([3, 2, 2]))).toThrow("BatchNorm2d: argument 'x': input has shape [3, 2, 2] but this layer takes [N, 3, H, W]");
    expect(() => new BatchNorm2d(3, { momentum: 2 })).toThrow("BatchNorm2d: argument 'momentum': expected a number in [0, 1] or null, got 2");
    expect(() => new BatchNorm2d(0)).toThrow(TapegradError);
  });

  it('gradchecks in train and eval mode, and round-trips its parameters', () => {
    const g = new Generator(3);
    gradcheckLayer(new BatchNorm2d(2, f64), randn([2, 2, 2, 2], { ...f64, generator: g }));
    gradcheckLayer(new BatchNorm1d(2, f64), randn([2, 3], { ...f64, generator: g }));
    gradcheckLayer(new BatchNorm1d(2, f64).eval(), randn([2, 3], { ...f64, generator: g }));
    const bn = new BatchNorm2d(2, f64);
    setPatternParameters(bn);
    expect(bn.parameters().keySeq().toArray()).toEqual(['weight', 'bias']);
    expectRoundTrip(bn, new BatchNorm2d(2, f64), randn([2, 2, 2, 2], { ...f64, generator: g }));
  });
});

describe('buffers: running statistics are saved and loaded with the parameters', () => {
  it('stateDict lists BatchNorm’s running_mean and running_var under PyTorch’s names, after the parameters', () => {
    const net = new Sequential(new Conv2d(1, 2, 1), new BatchNorm2d(2));
    const buffers = ['layers.1.running_mean', 'layers.1.running_var', 'layers.1.num_batches_tracked'];
    expect([...stateDict(net).keys()]).toEqual(['layers.0.weight', 'layers.0.bias', 'layers.1.weight', 'layers.1.bias', ...buffers]);
    expect(net.numParameters()).toBe(2 * 2 + 2 * 2); // buffers are not parameters
    expect([...net.buffers().keys()]).toEqual(buffers);
  });

  it('a trained BatchNorm round-trips with its running statistics, so eval mode gives the same output', () => {
    const g = new Generator(4);
    const bn = new BatchNorm2d(2, f64);
    setPatternParameters(bn);
    for (let i = 0; i < 3; i++) bn.forward(randn([4, 2, 3, 3], { ...f64, generator: g, mean: 2, std: 3 }));
    const fresh = new BatchNorm2d(2, f64).eval();
    loadStateDict(fresh, loadBytes(saveBytes(bn)));
    expect(Array.from(fresh.runningMean.data)).toEqual(Array.from(bn.runningMean.data));
    expect(Array.from(fresh.runningVar.data)).toEqual(Array.from(bn.runningVar.data));
    const x = randn([1, 2, 2, 2], { ...f64, generator: g });
    expect(fresh.forward(x).toArray()).toEqual(bn.eval().forward(x).toArray());
  });

  it('checks buffers as parameters: a wrong shape or a missing one is a SerializationError, and nothing is assigned', () => {
    const bn = new BatchNorm1d(2);
    const bad = stateDict(bn).set('running_var', zeros([3]));
    expect(() => loadStateDict(bn, bad)).toThrow(SerializationError);
    expect(() => loadStateDict(bn, bad)).toThrow("shape mismatch: the state dict has [3] but the model has [2]");
    expect(() => loadStateDict(bn, stateDict(bn).remove('running_mean'))).toThrow(/missing from the state dict: 'running_mean'/);
    expect(Array.from(bn.runningVar.data)).toEqual([1, 1]);
    loadStateDict(bn, stateDict(bn).remove('running_mean'), { strict: false });
  });

  it('registerBuffer refuses a field that holds no Tensor', () => {
    class Broken extends Module {
      constructor() {
        super();
        this.registerBuffer('missing');
      }
      forward(x: Tensor): Tensor {
        return x;
      }
    }
    expect(() => new Broken()).toThrow("registerBuffer: argument 'field': field 'missing' must hold a Tensor before it is registered");
  });
});

describe('Dropout', () => {
  it('zeroes about p of the values and scales the others by 1/(1 − p), reproducibly from its generator', () => {
    const x = ones([100, 100], f64);
    const y = new Dropout(0.3, { generator: new Generator(0) }).forward(x);
    expect(new Set(y.data)).toEqual(new Set([0, 1 / 0.7]));
    const kept = y.data.filter((v) => v !== 0).length / y.size;
    expect(Math.abs(kept - 0.7)).toBeLessThan(5 * Math.sqrt((0.7 * 0.3) / y.size)); // 5 standard errors
    expect(Array.from(new Dropout(0.3, { generator: new Generator(0) }).forward(x).data)).toEqual(Array.from(y.data));
  });

  it('passes the gradient through the same mask, scaled', () => {
    const x = randn([4, 5], { ...f64, requiresGrad: true, generator: new Generator(1) });
    const y = new Dropout(0.5, { generator: new Generator(2) }).forward(x);
    y.sum().backward();
    x.grad!.data.forEach((gv, i) => expect(gv).toBe(y.data[i] === 0 ? 0 : 2));
  });

  it('is the identity in eval mode (and for p = 0), zeros for p = 1, and refuses p outside [0, 1]', () => {
    const x = randn([3, 3]);
    expect(new Dropout(0.5).eval().forward(x)).toBe(x);
    expect(new Dropout(0).forward(x)).toBe(x);
    expect(Array.from(new Dropout(1).forward(x).data).every((v) => v === 0)).toBe(true);
    expect(() => new Dropout(1.5)).toThrow("Dropout: argument 'p': expected a probability in [0, 1], got 1.5");
    expect(new Dropout(0.5).numParameters()).toBe(0);
  });
});

describe('Embedding', () => {
  it('matches PyTorch’s lookup and its gradient (repeated indices add up)', () => {
    const emb = new Embedding(5, 3, f64);
    setPatternParameters(emb);
    const y = emb.forward([[1, 3, 1], [4, 0, 1]]);
    expect(y.shape).toEqual(REF.Embedding.shape);
    expectClose(y, REF.Embedding.y);
    y.mul(pattern(y.shape, 3, 5, 2, 2)).sum().backward();
    expectClose(emb.weight.grad, REF.Embedding.grads[1]);
  });

  it('draws weight from N(0, 1), gradchecks in the weight, round-trips and refuses an index out of range', () => {
    const emb = new Embedding(1000, 20, { generator: new Generator(0), ...f64 });
    const v = emb.weight.square().mean().item();
    expect(Math.abs(v - 1)).toBeLessThan(5 * Math.sqrt(2 / emb.weight.size));
    const small = new Embedding(4, 2, { generator: new Generator(1), ...f64 });
    const idx = tensor([[0, 2], [2, 3]]);
    expect(gradcheck((w: Tensor) => small.withParameters([['weight', w]], () => small.forward(idx)), [small.weight.detach().setRequiresGrad(true)]).ok).toBe(true);
    expectRoundTrip(small, new Embedding(4, 2, { generator: new Generator(2), ...f64 }), idx);
    expect(() => small.forward([4])).toThrow(/^Embedding: argument 'index': .*\(in embedding\)$/);
  });
});
