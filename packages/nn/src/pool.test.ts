/**
 * MaxPool1d, AvgPool1d and AdaptiveAvgPool2d against PyTorch 1.13 in float64 (values and input
 * gradients), known values, gradchecks and bad input. (MaxPool2d and AvgPool2d are in conv.test.ts.)
 *
 * pool.torch.json was computed by hand with the system python3 (Debian python3-torch 1.13.1):
 *
 *   import json, torch, torch.nn as nn
 *   torch.set_default_dtype(torch.float64)
 *   def pat(shape, a, m, off, d):
 *       n = 1
 *       for s in shape: n *= s
 *       return torch.tensor([((i * a) % m - off) / d for i in range(n)]).reshape(shape)
 *   def run(name, layer, x):
 *       x = x.clone().requires_grad_()
 *       y = layer(x); (y * pat(list(y.shape), 3, 5, 2, 2)).sum().backward()
 *       fmt = lambda t: [round(v, 12) for v in t.detach().flatten().tolist()]
 *       out[name] = {'shape': list(y.shape), 'y': fmt(y), 'grads': [fmt(x.grad)]}
 *   out = {}
 *   X = lambda s: pat(s, 7, 11, 5, 4)
 *   run('MaxPool1d', nn.MaxPool1d(3, stride=2, padding=1), pat([2, 2, 7], 13, 97, 48, 8))  # no ties
 *   run('AvgPool1d', nn.AvgPool1d(3, stride=2, padding=1), X([2, 3, 7]))
 *   run('AdaptiveAvgPool2d', nn.AdaptiveAvgPool2d((2, 3)), X([2, 2, 5, 7]))
 *   run('AdaptiveAvgPool2dGlobal', nn.AdaptiveAvgPool2d(1), X([2, 3, 4, 5]))
 *   run('AdaptiveAvgPool2dUp', nn.AdaptiveAvgPool2d((4, 7)), X([1, 2, 3, 5]))
 *   print(json.dumps(out))
 */
import { describe, expect, it } from 'vitest';
import { Generator, ShapeError, TapegradError, randn, tensor } from '@tapegrad/core';
import { AdaptiveAvgPool2d, AvgPool1d, Dense, Flatten, MaxPool1d, Sequential } from '@tapegrad/nn';
import { X, checkLayerAgainst, gradcheckLayer, loadRefs, pattern } from './layers.testkit.js';

const REF = loadRefs(new URL('./pool.torch.json', import.meta.url));
const f64 = (seed: number) => ({ dtype: 'float64', generator: new Generator(seed) }) as const;

describe('MaxPool1d, AvgPool1d', () => {
  it('match PyTorch with stride and padding, in value and input gradient', () => {
    checkLayerAgainst(REF.MaxPool1d, new MaxPool1d(3, { stride: 2, padding: 1 }), pattern([2, 2, 7], 13, 97, 48, 8, 'float64', true));
    checkLayerAgainst(REF.AvgPool1d, new AvgPool1d(3, { stride: 2, padding: 1 }), X([2, 3, 7]));
  });

  it('give known values: windows tile the sequence by default, padded zeros count in the mean', () => {
    expect(new MaxPool1d(2).forward(tensor([[[1, 3, 2, 0, 5]]])).toArray()).toEqual([[[3, 2]]]);
    expect(new AvgPool1d(2, { padding: 1 }).forward(tensor([[[4, 2, 6]]])).toArray()).toEqual([[[2, 4]]]); // [0 4] [2 6]
    expect(new MaxPool1d(3, { stride: 1, padding: 1 }).forward(tensor([[[-1, -5, -2]]])).toArray()).toEqual([[[-1, -1, -2]]]); // −∞ padding
  });

  it('have no parameters, describe themselves and gradcheck', () => {
    expect(new MaxPool1d(2).numParameters()).toBe(0);
    expect(new MaxPool1d(2).describe()).toBe('MaxPool1d(2)');
    expect(new AvgPool1d(3, { stride: 1, padding: 1 }).describe()).toBe('AvgPool1d(3, stride 1, padding 1)');
    gradcheckLayer(new AvgPool1d(2, { stride: 1, padding: 1 }), randn([2, 2, 5], f64(1)));
    gradcheckLayer(new MaxPool1d(2, { stride: 1 }), randn([1, 2, 6], f64(2))); // random values: no ties
  });

  it('refuse bad input under the layer’s name, with the argument and the shapes', () => {
    expect(() => new MaxPool1d(2).forward(randn([2, 5]))).toThrow("MaxPool1d: argument 'x': input has shape [2, 5] but this layer takes [N, C, L]");
    expect(() => new AvgPool1d(5).forward(randn([1, 1, 3]))).toThrow(ShapeError);
    expect(() => new AvgPool1d(5).forward(randn([1, 1, 3]))).toThrow("AvgPool1d: argument 'kernel': the kernel (5) is larger than the padded input along the length (3 + 0 padding); x has shape [1, 1, 3] (in avgPool1d)");
    expect(() => new MaxPool1d(2, { padding: 2 }).forward(randn([1, 1, 4]))).toThrow("MaxPool1d: argument 'padding': padding 2 must be at most half the kernel 2 (as PyTorch)");
    expect(() => new MaxPool1d(0)).toThrow("MaxPool1d: argument 'kernel': expected a positive integer, got 0");
    expect(() => new AvgPool1d(2, { stride: -1 })).toThrow("AvgPool1d: argument 'stride': expected a positive integer, got -1");
    expect(() => new AvgPool1d(2, { padding: -1 })).toThrow("AvgPool1d: argument 'padding': expected a non-negative integer, got -1");
  });
});

describe('AdaptiveAvgPool2d', () => {
  it('matches PyTorch: uneven overlapping windows, global pooling and an output larger than the input', () => {
    checkLayerAgainst(REF.AdaptiveAvgPool2d, new AdaptiveAvgPool2d([2, 3]), X([2, 2, 5, 7]));
    checkLayerAgainst(REF.AdaptiveAvgPool2dGlobal, new AdaptiveAvgPool2d(1), X([2, 3, 4, 5]));
    checkLayerAgainst(REF.AdaptiveAvgPool2dUp, new AdaptiveAvgPool2d([4, 7]), X([1, 2, 3, 5]));
  });

  it('gives known values: rows [⌊i·H/oh⌋, ⌈(i + 1)·H/oh⌉), columns alike', () => {
    const x = tensor([[[[1, 2, 3], [4, 5, 6], [7, 8, 9]]]]);
    expect(new AdaptiveAvgPool2d(1).forward(x).toArray()).toEqual([[[[5]]]]);
    expect(new AdaptiveAvgPool2d([1, 2]).forward(x).toArray()).toEqual([[[[4.5, 5.5]]]]);
    expect(new AdaptiveAvgPool2d(3).forward(x).toArray()).toEqual(x.toArray()); // one cell a window
    expect(new AdaptiveAvgPool2d([2, 1]).forward(x).toArray()).toEqual([[[[3.5], [6.5]]]]); // rows {0, 1}, {1, 2}
  });

  it('feeds Dense through Flatten whatever the image size, and gradchecks', () => {
    const net = new Sequential(new AdaptiveAvgPool2d(1), new Flatten(), new Dense(3, 2, f64(0)));
    expect(net.forward(randn([4, 3, 5, 5])).shape).toEqual([2, 4]);
    expect(net.forward(randn([4, 3, 9, 7])).shape).toEqual([2, 4]);
    gradcheckLayer(new AdaptiveAvgPool2d([2, 3]), randn([1, 2, 3, 4], f64(1)));
    expect(new AdaptiveAvgPool2d([2, 3]).describe()).toBe('AdaptiveAvgPool2d([2, 3])');
  });

  it('refuses bad input under its name', () => {
    expect(() => new AdaptiveAvgPool2d(0)).toThrow("AdaptiveAvgPool2d: argument 'outputSize': expected a positive integer or a pair of them, got 0");
    expect(() => new AdaptiveAvgPool2d(2).forward(randn([3, 4, 4]))).toThrow("AdaptiveAvgPool2d: argument 'x': input has shape [3, 4, 4] but this layer takes [N, C, H, W]");
    expect(() => new AdaptiveAvgPool2d(2).forward(randn([1, 1, 0, 4]))).toThrow(TapegradError);
    expect(() => new AdaptiveAvgPool2d(2).forward(randn([1, 1, 0, 4]))).toThrow("AdaptiveAvgPool2d: argument 'x': cannot average an empty image: x has shape [1, 1, 0, 4]");
  });
});
