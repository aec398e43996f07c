/**
 * Pooling against PyTorch 1.13 in float64 (pool.torch.json, made by hand with the system python3,
 * Debian python3-torch 1.13.1, with the helpers of conv.test.ts's script and):
 *
 *   x = pat([2, 2, 5, 5], 37, 101, 50, 8)  # 100 distinct values: no ties
 *   run('maxPool2d', lambda x: F.max_pool2d(x, (3, 2), stride=(2, 1), padding=(1, 1)), x)
 *   run('avgPool2d', lambda x: F.avg_pool2d(x, (3, 2), stride=(2, 1), padding=(1, 1)), x)
 *   x1 = pat([2, 3, 7], 37, 101, 50, 8)
 *   run('maxPool1d', lambda x: F.max_pool1d(x, 3, stride=2, padding=1), x1)
 *   run('avgPool1d', lambda x: F.avg_pool1d(x, 3, stride=2, padding=1), x1)
 */
import { describe, expect, it } from 'vitest';
import {
  avgPool1d, avgPool2d, globalAvgPool2d, gradgradcheck, maxPool1d, maxPool2d, ShapeError, tensor, TapegradError, type Tensor,
} from '@tapegrad/core';
import { checkAgainst, expectClose, loadRefs, pattern } from './reference.testkit.js';

const REF = loadRefs(new URL('./pool.torch.json', import.meta.url));
const distinct = (shape: number[], requiresGrad = true) => pattern(shape, 37, 101, 50, 8, 'float64', requiresGrad);

describe('maxPool2d and avgPool2d', () => {
  it('match PyTorch with a rectangular kernel, stride and padding, in value and gradient', () => {
    checkAgainst(REF.maxPool2d, (x) => maxPool2d(x, [3, 2], { stride: [2, 1], padding: [1, 1] }), [distinct([2, 2, 5, 5])]);
    checkAgainst(REF.avgPool2d, (x) => avgPool2d(x, [3, 2], { stride: [2, 1], padding: [1, 1] }), [distinct([2, 2, 5, 5])]);
  });

  it('compute the TSDoc examples; the stride defaults to the kernel', () => {
    const x = tensor([[[[1, 2, 5, 0], [3, 4, 1, 1]]]]);
    expect(maxPool2d(x, 2).toArray()).toEqual([[[[4, 5]]]]);
    expect(avgPool2d(x, 2).toArray()).toEqual([[[[2.5, 1.75]]]]);
    // padded zeros count in the average (count_include_pad): the corner window holds 1 of 4 values
    expect(avgPool2d(tensor([[[[4]]]]), 2, { stride: 1, padding: 1 }).toArray()).toEqual([[[[1, 1], [1, 1]]]]);
  });

  it('share the gradient among tied maxima (PyTorch gives it to one)', () => {
    const x = tensor([[[[1, 3], [3, 0]]]], { requiresGrad: true });
    maxPool2d(x, 2).sum().backward();
    expect(x.grad!.toArray()).toEqual([[[[0, 0.5], [0.5, 0]]]]);
  });

  it('keep float32', () => {
    const y = maxPool2d(pattern([1, 2, 5, 5], 37, 101, 50, 8, 'float32'), [3, 2], { stride: [2, 1], padding: [1, 1] });
    expect(y.dtype).toBe('float32');
    expectClose(y, REF.maxPool2d.y.slice(0, y.size));
  });

  it('are twice differentiable', () => {
    const x = distinct([1, 2, 4, 3], false);
    for (const f of [(t: Tensor) => maxPool2d(t, 2, { stride: 1, padding: 1 }), (t: Tensor) => avgPool2d(t, [2, 3], { padding: [1, 1] })]) {
      const r = gradgradcheck(f, [x]);
      expect(r.ok, JSON.stringify(r)).toBe(true);
    }
  });

  it('name the op, the argument and the shapes on bad input', () => {
    const x = tensor(new Float64Array(9), { shape: [1, 1, 3, 3] });
    expect(() => maxPool2d(x, 4)).toThrow(ShapeError);
    expect(() => maxPool2d(x, 4)).toThrow("maxPool2d: argument 'kernel': the kernel (4) is larger than the padded input along the height (3 + 0 padding); x has shape [1, 1, 3, 3]");
    expect(() => avgPool2d(x, 2, { padding: 2 })).toThrow("avgPool2d: argument 'padding': padding [2,2] must be at most half the kernel [2,2] (as PyTorch)");
    expect(() => maxPool2d(x, 2, { stride: 0 })).toThrow("maxPool2d: argument 'stride': expected a positive integer or a pair of them, got 0");
    expect(() => maxPool2d(x, 0)).toThrow("maxPool2d: argument 'kernel'");
    expect(() => maxPool2d(tensor([[1, 2]]), 1)).toThrow("maxPool2d: argument 'x': expected a rank-4 tensor [N, C, H, W], got shape [1, 2]");
    expect(() => maxPool1d(tensor([[[1, 2]]]), 1, { stride: [1, 1] as unknown as number })).toThrow(TapegradError);
  });
});

describe('maxPool1d and avgPool1d', () => {
  it('match PyTorch with stride and padding, in value and gradient', () => {
    checkAgainst(REF.maxPool1d, (x) => maxPool1d(x, 3, { stride: 2, padding: 1 }), [distinct([2, 3, 7])]);
    checkAgainst(REF.avgPool1d, (x) => avgPool1d(x, 3, { stride: 2, padding: 1 }), [distinct([2, 3, 7])]);
  });

  it('compute the TSDoc examples', () => {
    expect(maxPool1d(tensor([[[1, 3, 2, 0, 5]]]), 2).toArray()).toEqual([[[3, 2]]]);
    expect(avgPool1d(tensor([[[1, 3, 2, 0]]]), 2, { stride: 1 }).toArray()).toEqual([[[2, 2.5, 1]]]);
  });

  it("name the user's [N, C, L] shape and 1-D arguments on bad input, not the [N, C, 1, L] pooled inside", () => {
    const x = tensor(new Float64Array(6), { shape: [1, 2, 3] });
    expect(() => maxPool1d(x, 4)).toThrow(ShapeError);
    expect(() => maxPool1d(x, 4)).toThrow("maxPool1d: argument 'kernel': the kernel (4) is larger than the padded input along the length (3 + 0 padding); x has shape [1, 2, 3]");
    expect(() => avgPool1d(x, 6, { padding: 1, stride: 2 })).toThrow("avgPool1d: argument 'kernel': the kernel (6) is larger than the padded input along the length (3 + 2 padding); x has shape [1, 2, 3]");
    expect(() => avgPool1d(x, 2, { padding: 2 })).toThrow("avgPool1d: argument 'padding': padding 2 must be at most half the kernel 2 (as PyTorch)");
    expect(() => maxPool1d(x, 0)).toThrow("maxPool1d: argument 'kernel': expected a positive integer, got 0");
    expect(() => maxPool1d(x, 1.5)).toThrow("maxPool1d: argument 'kernel': expected a positive integer, got 1.5");
    expect(() => maxPool1d(x, [1, 2] as unknown as number)).toThrow("maxPool1d: argument 'kernel': expected a positive integer, got [1,2]");
    expect(() => maxPool1d(x, '2' as unknown as number)).toThrow("maxPool1d: argument 'kernel': expected a positive integer, got \"2\"");
    expect(() => maxPool1d(x, 2, { stride: 0 })).toThrow("maxPool1d: argument 'stride': expected a positive integer, got 0");
    expect(() => avgPool1d(x, 2, { padding: -1 })).toThrow("avgPool1d: argument 'padding': expected a non-negative integer, got -1");
    expect(() => avgPool1d(tensor([[1, 2]]), 1)).toThrow("avgPool1d: argument 'x': expected a rank-3 tensor [N, C, L], got shape [1, 2]");
  });
});

describe('globalAvgPool2d', () => {
  it('averages each channel to one number, [N, C, H, W] → [N, C], with gradient 1/(H·W)', () => {
    const x = tensor([[[[1, 2], [3, 6]], [[0, 0], [0, 4]]]], { requiresGrad: true });
    const y = globalAvgPool2d(x);
    expect(y.toArray()).toEqual([[3, 1]]);
    y.sum().backward();
    expect(Array.from(x.grad!.data)).toEqual(new Array(8).fill(0.25));
    expect(() => globalAvgPool2d(tensor([1]))).toThrow("globalAvgPool2d: argument 'x': expected a rank-4 tensor");
  });
});
