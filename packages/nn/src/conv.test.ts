/**
 * The convolution and pooling layers against PyTorch 1.13 in float64, gradchecks, save/load (also of a
 * PyTorch state_dict), and bad input.
 *
 * conv.torch.json holds the outputs of PyTorch's layers and the gradients of Σ y ⊙ r (r = pattern(y.shape,
 * 3, 5, 2, 2)) with respect to the input and each parameter, computed by hand with the system python3
 * (Debian python3-torch 1.13.1) with this script:
 *
 *   import json, torch, torch.nn as nn
 *   torch.set_default_dtype(torch.float64)
 *   def pat(shape, a, m, off, d):
 *       n = 1
 *       for s in shape: n *= s
 *       return torch.tensor([((i * a) % m - off) / d for i in range(n)]).reshape(shape)
 *   def run(name, layer, x):
 *       x = x.clone().requires_grad_()
 *       ps = list(layer.parameters())
 *       for i, p in enumerate(ps):
 *           with torch.no_grad(): p.copy_(pat(list(p.shape), 5, 7, 3, 3) if i == 0 else pat(list(p.shape), 3, 5, 2, 4))
 *       y = layer(x); (y * pat(list(y.shape), 3, 5, 2, 2)).sum().backward()
 *       fmt = lambda t: [round(v, 12) for v in t.detach().flatten().tolist()]
 *       out[name] = {'shape': list(y.shape), 'y': fmt(y), 'grads': [fmt(x.grad)] + [fmt(p.grad) for p in ps]}
 *   out = {}
 *   X = lambda s: pat(s, 7, 11, 5, 4)
 *   run('Conv2d', nn.Conv2d(2, 3, (3, 2), stride=(2, 1), padding=1, dilation=(1, 2)), X([2, 2, 5, 6]))
 *   run('Conv2dGroupsSame', nn.Conv2d(4, 6, 3, padding='same', dilation=2, groups=2, bias=False), X([1, 4, 5, 5]))
 *   run('Conv1d', nn.Conv1d(3, 4, 3, stride=2, padding=1), X([2, 3, 7]))
 *   run('ConvTranspose2d', nn.ConvTranspose2d(2, 4, 3, stride=2, padding=1, output_padding=1, groups=2), X([1, 2, 3, 3]))
 *   run('MaxPool2d', nn.MaxPool2d(3, stride=2, padding=1), pat([2, 2, 5, 5], 13, 97, 48, 8))  # no ties
 *   run('AvgPool2d', nn.AvgPool2d((2, 3), stride=(1, 2), padding=(1, 1)), X([1, 2, 4, 5]))
 *   print(json.dumps(out))
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OrderedMap } from 'immutable';
import { Generator, ShapeError, TapegradError, randn, tensor, type Tensor } from '@tapegrad/core';
import {
  Activation, AvgPool2d, Conv1d, Conv2d, ConvTranspose2d, Dense, Flatten, MaxPool2d, Module, Sequential, encodeSafetensors, loadStateDict,
} from '@tapegrad/nn';
import { load } from '@tapegrad/nn/node';
import { X, checkLayerAgainst, expectRoundTrip, gradcheckLayer, loadRefs, pattern } from './layers.testkit.js';

const REF = loadRefs(new URL('./conv.torch.json', import.meta.url));
const f64 = (seed: number) => ({ dtype: 'float64', generator: new Generator(seed) }) as const;

describe('Conv2d', () => {
  it('matches PyTorch with stride, padding, dilation and bias, in value and gradients', () => {
    checkLayerAgainst(REF.Conv2d, new Conv2d(2, 3, [3, 2], { stride: [2, 1], padding: 1, dilation: [1, 2], ...f64(0) }), X([2, 2, 5, 6]));
  });

  it("matches PyTorch with groups, 'same' padding, dilation and no bias", () => {
    checkLayerAgainst(REF.Conv2dGroupsSame, new Conv2d(4, 6, 3, { padding: 'same', dilation: 2, groups: 2, bias: false, ...f64(0) }), X([1, 4, 5, 5]));
  });

  it('names its parameters weight and bias with PyTorch’s shapes, and describes itself', () => {
    const conv = new Conv2d(4, 6, [3, 2], { groups: 2, stride: 2, padding: [1, 0] });
    expect(conv.parameters().map((p) => p.shape).toJS()).toEqual({ weight: [6, 2, 3, 2], bias: [6] });
    expect(conv.describe()).toBe('Conv2d(4 → 6, kernel [3, 2], stride 2, padding [1, 0], groups 2)');
    expect(new Conv2d(1, 1, 3, { bias: false }).bias).toBeNull();
  });

  it('draws weight and bias in ±1/√fanIn, as PyTorch’s kaiming-uniform with a = √5, reproducibly from the generator', () => {
    const conv = new Conv2d(8, 64, 3, { groups: 2, generator: new Generator(3) }); // fanIn = 4·3·3 = 36
    const bound = 1 / 6;
    for (const p of [conv.weight, conv.bias!]) {
      expect(p.abs().max().item()).toBeLessThan(bound);
      expect(p.abs().max().item()).toBeGreaterThan(0.9 * bound); // the whole range is used
    }
    // U(−b, b) has variance b²/3: within 5 standard errors for 64·4·9 draws (kurtosis 1.8)
    const n = conv.weight.size, v = conv.weight.square().mean().item();
    expect(Math.abs(v - bound ** 2 / 3)).toBeLessThan(5 * (bound ** 2 / 3) * Math.sqrt(0.8 / n));
    expect(Array.from(new Conv2d(8, 64, 3, { groups: 2, generator: new Generator(3) }).weight.data)).toEqual(Array.from(conv.weight.data));
  });

  it('gradchecks in float64 with respect to the input, weight and bias', () => {
    gradcheckLayer(new Conv2d(2, 2, 2, { stride: 2, padding: 1, ...f64(1) }), randn([1, 2, 3, 3], f64(2)));
  });

  it('round-trips through safetensors bytes', () => {
    expectRoundTrip(new Conv2d(2, 3, 3, f64(1)), new Conv2d(2, 3, 3, f64(2)), randn([1, 2, 4, 4], f64(3)));
  });

  it('refuses bad arguments and inputs with typed errors naming the layer, the argument and the shapes', () => {
    const conv = new Conv2d(3, 4, 5);
    expect(() => conv.forward(randn([2, 2, 8, 8]))).toThrow(ShapeError);
    expect(() => conv.forward(randn([2, 2, 8, 8]))).toThrow("Conv2d: argument 'x': input has shape [2, 2, 8, 8] but this layer takes [N, 3, H, W] (3 channels)");
    expect(() => conv.forward(randn([3, 8, 8]))).toThrow("Conv2d: argument 'x': input has shape [3, 8, 8] but this layer takes [N, 3, H, W]");
    expect(() => conv.forward(randn([1, 3, 4, 8]))).toThrow("Conv2d: argument 'x': input has shape [1, 3, 4, 8]: its height 4 (+ 0 padding) is smaller than the kernel (5)");
    expect(() => new Conv2d(3, 4, 3, { groups: 2 })).toThrow("Conv2d: argument 'groups': inChannels (3) and outChannels (4) must both be divisible by groups = 2");
    expect(() => new Conv2d(3, 4, 0)).toThrow("Conv2d: argument 'kernel': expected a positive integer or a pair of them, got 0");
    expect(() => new Conv2d(3, 4, 3, { stride: -1 })).toThrow(TapegradError);
    expect(() => new Conv2d(3, 4, 3, { stride: 2, padding: 'same' })).toThrow("Conv2d: argument 'padding': 'same' padding needs stride 1, got stride [2,2] (as PyTorch)");
    expect(() => new Conv2d(0, 4, 3)).toThrow("Conv2d: argument 'inChannels': expected a positive integer, got 0");
  });
});

describe('Conv1d', () => {
  it('matches PyTorch with stride and padding', () => {
    checkLayerAgainst(REF.Conv1d, new Conv1d(3, 4, 3, { stride: 2, padding: 1, ...f64(0) }), X([2, 3, 7]));
  });

  it('gradchecks, round-trips and refuses a wrong channel count', () => {
    gradcheckLayer(new Conv1d(2, 2, 3, { padding: 'same', ...f64(1) }), randn([2, 2, 4], f64(2)));
    expectRoundTrip(new Conv1d(2, 3, 2, f64(1)), new Conv1d(2, 3, 2, f64(2)), randn([1, 2, 5], f64(3)));
    expect(new Conv1d(2, 3, 2).parameters().map((p) => p.shape).toJS()).toEqual({ weight: [3, 2, 2], bias: [3] });
    expect(() => new Conv1d(2, 3, 2).forward(randn([1, 3, 5]))).toThrow("Conv1d: argument 'x': input has shape [1, 3, 5] but this layer takes [N, 2, L] (2 channels)");
    expect(() => new Conv1d(2, 3, 2, { padding: [1, 1] as unknown as number })).toThrow("Conv1d: argument 'padding'");
  });
});

describe('ConvTranspose2d', () => {
  it('matches PyTorch with stride, padding, output padding and groups', () => {
    checkLayerAgainst(REF.ConvTranspose2d, new ConvTranspose2d(2, 4, 3, { stride: 2, padding: 1, outputPadding: 1, groups: 2, ...f64(0) }), X([1, 2, 3, 3]));
  });

  it('has PyTorch’s weight layout [in, out/groups, kh, kw], gradchecks and round-trips', () => {
    expect(new ConvTranspose2d(4, 6, 3, { groups: 2 }).weight.shape).toEqual([4, 3, 3, 3]);
    gradcheckLayer(new ConvTranspose2d(2, 2, 2, { stride: 2, ...f64(1) }), randn([1, 2, 2, 2], f64(2)));
    expectRoundTrip(new ConvTranspose2d(2, 3, 2, f64(1)), new ConvTranspose2d(2, 3, 2, f64(2)), randn([1, 2, 2, 2], f64(3)));
    expect(() => new ConvTranspose2d(2, 3, 2).forward(randn([1, 3, 2, 2]))).toThrow("ConvTranspose2d: argument 'x': input has shape [1, 3, 2, 2] but this layer takes [N, 2, H, W] (2 channels)");
    expect(() => new ConvTranspose2d(2, 3, 2, { stride: 2, outputPadding: 2 }).forward(randn([1, 2, 2, 2]))).toThrow(/^ConvTranspose2d: argument 'outputPadding': .*\(in convTranspose2d\)$/);
  });
});

describe('MaxPool2d, AvgPool2d', () => {
  it('match PyTorch with stride and padding', () => {
    checkLayerAgainst(REF.MaxPool2d, new MaxPool2d(3, { stride: 2, padding: 1 }), pattern([2, 2, 5, 5], 13, 97, 48, 8, 'float64', true));
    checkLayerAgainst(REF.AvgPool2d, new AvgPool2d([2, 3], { stride: [1, 2], padding: [1, 1] }), X([1, 2, 4, 5]));
  });

  it('have no parameters, describe themselves and gradcheck', () => {
    expect(new MaxPool2d(2).numParameters()).toBe(0);
    expect(new MaxPool2d(2).describe()).toBe('MaxPool2d(2)');
    expect(new AvgPool2d([2, 3], { stride: 1, padding: 1 }).describe()).toBe('AvgPool2d([2, 3], stride [1, 1], padding [1, 1])');
    gradcheckLayer(new AvgPool2d(2, { stride: 1 }), randn([1, 2, 3, 3], f64(1)));
    gradcheckLayer(new MaxPool2d(2), randn([1, 2, 4, 4], f64(1))); // random values: no ties
  });

  it('refuse bad input under the layer’s name', () => {
    expect(() => new MaxPool2d(2).forward(randn([4, 4]))).toThrow("MaxPool2d: argument 'x': input has shape [4, 4] but this layer takes [N, C, H, W]");
    expect(() => new AvgPool2d(5).forward(randn([1, 1, 4, 4]))).toThrow(ShapeError);
    expect(() => new AvgPool2d(5).forward(randn([1, 1, 4, 4]))).toThrow(/^AvgPool2d: argument 'kernel': the kernel \(5\) is larger than the padded input along the height \(4 \+ 0 padding\); x has shape \[1, 1, 4, 4\] \(in avgPool2d\)$/);
    expect(() => new MaxPool2d(2, { padding: 2 }).forward(randn([1, 1, 4, 4]))).toThrow(/^MaxPool2d: argument 'padding': padding \[2,2\] must be at most half the kernel/);
    expect(() => new MaxPool2d([2, 0])).toThrow("MaxPool2d: argument 'kernel': expected a positive integer or a pair of them, got [2,0]");
  });
});

describe('Flatten', () => {
  it('turns [N, C, H, W] into [C·H·W, N], one example per column, channel first', () => {
    const x = tensor([[[[1, 2], [3, 4]], [[5, 6], [7, 8]]], [[[9, 10], [11, 12]], [[13, 14], [15, 16]]]]); // [2, 2, 2, 2]
    const y = new Flatten().forward(x);
    expect(y.shape).toEqual([8, 2]);
    expect(y.toArray()).toEqual([[1, 9], [2, 10], [3, 11], [4, 12], [5, 13], [6, 14], [7, 15], [8, 16]]);
    expect(() => new Flatten().forward(tensor([1, 2]))).toThrow("Flatten: argument 'x': input has shape [2] but this layer takes [N, …] (examples first, at least 2 dims)");
  });

  it('bridges a conv stack to Dense: a column is PyTorch’s flatten(1) row, so Dense.W is Linear.weight', () => {
    const g = new Generator(0);
    const conv = new Conv2d(1, 2, 2, { dtype: 'float64', generator: g });
    const dense = new Dense(2 * 2 * 2, 3, { activation: 'linear', dtype: 'float64', generator: g });
    const net = new Sequential(conv, new Flatten(), dense);
    const x = randn([4, 1, 3, 3], f64(5));
    const rows = conv.forward(x).reshape([4, 8]); // PyTorch: flatten(1) gives [N, C·H·W]
    const linear = rows.matmul(dense.W.transpose()).add(dense.b!.reshape([1, 3])); // PyTorch's Linear on rows
    const out = net.forward(x);
    expect(out.shape).toEqual([3, 4]);
    const diff = out.transpose().sub(linear).abs().max().item();
    expect(diff).toBeLessThan(1e-12);
  });
});

describe('loading a PyTorch state_dict saved as safetensors', () => {
  let dir: string;
  beforeEach(() => void (dir = fs.mkdtempSync(join(tmpdir(), 'tapegrad-conv-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  // What save_file(net.state_dict(), path) writes for
  //   net = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(4, 2, 3, groups=2))
  // float32 tensors under PyTorch's keys, in PyTorch's shapes.
  const torchDict = () => OrderedMap<string, Tensor>([
    ['0.weight', pattern([4, 1, 3, 3], 5, 7, 3, 3, 'float32')],
    ['0.bias', pattern([4], 3, 5, 2, 4, 'float32')],
    ['3.weight', pattern([2, 2, 3, 3], 3, 5, 2, 4, 'float32')],
    ['3.bias', pattern([2], 5, 7, 3, 3, 'float32')],
  ]);

  it('loads into the same layers with no transposes and no renames (PyTorch’s 0.weight is our layers.0.weight)', () => {
    const path = join(dir, 'cnn.safetensors');
    fs.writeFileSync(path, encodeSafetensors(torchDict(), { format: 'pt' }));
    const net = new Sequential(new Conv2d(1, 4, 3, { padding: 1 }), new Activation('relu'), new MaxPool2d(2), new Conv2d(4, 2, 3, { groups: 2 }));
    loadStateDict(net, load(path));
    for (const [k, t] of torchDict()) expect(Array.from(net.parameters().get(`layers.${k}`)!.data)).toEqual(Array.from(t.data));
    expect(net.forward(randn([1, 1, 6, 6])).shape).toEqual([1, 2, 1, 1]);
  });

  it('loads with no renames into a module whose fields are named as the PyTorch module’s attributes', () => {
    class Net extends Module {
      conv1 = new Conv2d(1, 4, 3, { padding: 1 });
      conv2 = new Conv2d(4, 2, 3, { groups: 2 });
      forward(x: Tensor): Tensor {
        return this.conv2.forward(new MaxPool2d(2).forward(this.conv1.forward(x).relu()));
      }
    }
    const path = join(dir, 'net.safetensors');
    fs.writeFileSync(path, encodeSafetensors(torchDict().mapKeys((k) => k.replace(/^0\./, 'conv1.').replace(/^3\./, 'conv2.')), { format: 'pt' }));
    const net = new Net();
    loadStateDict(net, load(path));
    expect(net.parameters().keySeq().toArray()).toEqual(['conv1.weight', 'conv1.bias', 'conv2.weight', 'conv2.bias']);
    expect(Array.from(net.conv2.weight.data)).toEqual(Array.from(torchDict().get('3.weight')!.data));
  });
});
