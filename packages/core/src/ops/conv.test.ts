/**
 * Convolutions against PyTorch 1.13 in float64, the im2col/col2im adjoint pair, float32, and bad input.
 *
 * conv.torch.json holds PyTorch's outputs and the gradients of Σ y ⊙ r (r = pattern(y.shape, 3, 5, 2, 2)),
 * computed by hand with the system python3 (Debian python3-torch 1.13.1), with this script:
 *
 *   import json, torch, torch.nn.functional as F
 *   torch.set_default_dtype(torch.float64)
 *   def pat(shape, a, m, off, d):
 *       n = 1
 *       for s in shape: n *= s
 *       return torch.tensor([((i * a) % m - off) / d for i in range(n)]).reshape(shape)
 *   def run(name, f, *args):
 *       args = [a.clone().requires_grad_() for a in args]
 *       y = f(*args); (y * pat(list(y.shape), 3, 5, 2, 2)).sum().backward()
 *       fmt = lambda t: [round(v, 12) for v in t.detach().flatten().tolist()]
 *       out[name] = {'shape': list(y.shape), 'y': fmt(y), 'grads': [fmt(a.grad) for a in args]}
 *   out = {}
 *   run('conv2d', lambda x, w, b: F.conv2d(x, w, b, stride=(2, 1), padding=(1, 2), dilation=(1, 2), groups=2),
 *       pat([2, 4, 5, 4], 7, 11, 5, 4), pat([4, 2, 3, 2], 5, 7, 3, 3), torch.tensor([0.5, -1, 0.25, 2.0]))
 *   run('conv1d', lambda x, w: F.conv1d(x, w, padding='same'), pat([1, 2, 6], 7, 11, 5, 4), pat([3, 2, 4], 5, 7, 3, 3))
 *   run('convTranspose2d', lambda x, w: F.conv_transpose2d(x, w, stride=2, padding=(1, 0), output_padding=(1, 0), dilation=(1, 2)),
 *       pat([1, 4, 3, 2], 7, 11, 5, 4), pat([4, 3, 2, 3], 5, 7, 3, 3))
 *   run('convTranspose2dGroups', lambda x, w: F.conv_transpose2d(x, w, stride=(1, 2), groups=2),
 *       pat([1, 4, 3, 2], 7, 11, 5, 4), pat([4, 1, 2, 2], 5, 7, 3, 3))
 *   print(json.dumps(out))
 */
import { describe, expect, it } from 'vitest';
import {
  conv1d, conv2d, convTranspose2d, gradgradcheck, mul, ShapeError, sum, tensor, TapegradError, type DType, type Tensor,
} from '@tapegrad/core';
import { col2im, im2col, type ConvGeometry } from './conv.js';
import { checkAgainst, expectClose, loadRefs, pattern } from './reference.testkit.js';

const REF = loadRefs(new URL('./conv.torch.json', import.meta.url));
const checkAgainstTorch = (name: string, f: (...xs: Tensor[]) => Tensor, inputs: Tensor[]) => checkAgainst(REF[name], f, inputs);
const X = (shape: number[], dtype?: DType) => pattern(shape, 7, 11, 5, 4, dtype, true);
const W = (shape: number[], dtype?: DType) => pattern(shape, 5, 7, 3, 3, dtype, true);

describe('conv2d', () => {
  it('matches PyTorch with stride, padding, dilation, groups and bias, in value and gradient', () => {
    const bias = tensor([0.5, -1, 0.25, 2], { dtype: 'float64', requiresGrad: true });
    checkAgainstTorch('conv2d', (x, w, b) => conv2d(x, w, { stride: [2, 1], padding: [1, 2], dilation: [1, 2], groups: 2, bias: b }), [
      X([2, 4, 5, 4]), W([4, 2, 3, 2]), bias,
    ]);
  });

  it('computes the TSDoc example', () => {
    const x = tensor([[[[1, 2, 3], [4, 5, 6], [7, 8, 9]]]]);
    const w = tensor([[[[1, 0], [0, -1]]]]);
    expect(conv2d(x, w).toArray()).toEqual([[[[-4, -4], [-4, -4]]]]);
    // 'same' pads 0 on top/left and 1 on the bottom/right for a 2×2 kernel: the last row and column see zeros
    expect(conv2d(x, w, { padding: 'same' }).toArray()).toEqual([[[[-4, -4, 3], [-4, -4, 6], [7, 8, 9]]]]);
    expect(conv2d(x, w, { padding: 'valid' }).shape).toEqual([1, 1, 2, 2]);
  });

  it('is depthwise with groups = channels: each channel has its own kernel', () => {
    const x = tensor([[[[1, 2], [3, 4]], [[10, 20], [30, 40]]]]); // [1, 2, 2, 2]
    const w = tensor([[[[1]]], [[[-2]]]]); // [2, 1, 1, 1]
    expect(conv2d(x, w, { groups: 2 }).toArray()).toEqual([[[[1, 2], [3, 4]], [[-20, -40], [-60, -80]]]]);
  });

  it('computes in float32 the same values to float32 precision', () => {
    const o = { stride: [2, 1], padding: [1, 2], dilation: [1, 2], groups: 2 } as const;
    const y32 = conv2d(X([2, 4, 5, 4], 'float32'), W([4, 2, 3, 2], 'float32'), o);
    expect(y32.dtype).toBe('float32');
    const y64 = conv2d(X([2, 4, 5, 4]), W([4, 2, 3, 2]), o);
    expectClose(y32, Array.from(y64.data), 1e-5);
  });

  it('is twice differentiable (gradgradcheck in x, w and bias)', () => {
    const r = gradgradcheck(
      (x: Tensor, w: Tensor, b: Tensor) => conv2d(x, w, { stride: 2, padding: 1, dilation: [2, 1], groups: 2, bias: b }),
      [pattern([1, 2, 4, 3], 7, 11, 5, 4), pattern([2, 1, 2, 2], 5, 7, 3, 3), tensor([0.5, -1], { dtype: 'float64' })],
    );
    expect(r.ok, JSON.stringify(r)).toBe(true);
  });

  it('names the op, the argument and the shapes on bad input', () => {
    const x = tensor(new Float64Array(2 * 4 * 4), { shape: [1, 2, 4, 4] });
    const w = tensor(new Float64Array(2 * 2 * 3 * 3), { shape: [2, 2, 3, 3] });
    expect(() => conv2d(x, tensor(new Float64Array(2 * 2 * 5 * 5), { shape: [2, 2, 5, 5] }))).toThrow(ShapeError);
    expect(() => conv2d(x, tensor(new Float64Array(2 * 2 * 5 * 5), { shape: [2, 2, 5, 5] }))).toThrow(
      "conv2d: argument 'w': the kernel (5) is larger than the padded input along the height (4 + 0 padding); x has shape [1, 2, 4, 4]",
    );
    expect(() => conv2d(x, w, { dilation: 2 })).toThrow('the kernel (3 dilated by 2 to 5) is larger than the padded input along the height (4 + 0 padding)');
    expect(conv2d(x, w, { dilation: 2, padding: 1 }).shape).toEqual([1, 2, 2, 2]);
    expect(() => conv2d(x, w, { groups: 3 })).toThrow(
      "conv2d: argument 'groups': in channels (2, x of shape [1, 2, 4, 4]) and out channels (2, w of shape [2, 2, 3, 3]) must both be divisible by groups = 3",
    );
    expect(() => conv2d(x, w, { groups: 2 })).toThrow("conv2d: argument 'w': w has shape [2, 2, 3, 3], so it expects 4 in channels (2 per group × 2 groups), but x of shape [1, 2, 4, 4] has 2");
    expect(() => conv2d(x, w, { stride: 0 })).toThrow("conv2d: argument 'stride': expected a positive integer or a pair of them, got 0");
    expect(() => conv2d(x, w, { stride: [1, -1] })).toThrow(TapegradError);
    expect(() => conv2d(x, w, { dilation: 0 })).toThrow("conv2d: argument 'dilation'");
    expect(() => conv2d(x, w, { padding: -1 })).toThrow("conv2d: argument 'padding': expected a non-negative integer or a pair of them, got -1");
    expect(() => conv2d(x, w, { padding: 'same', stride: 2 })).toThrow("conv2d: argument 'padding': 'same' padding needs stride 1");
    expect(() => conv2d(tensor([[1, 2]]), w)).toThrow("conv2d: argument 'x': expected a rank-4 tensor [N, C, H, W], got shape [1, 2]");
    expect(() => conv2d(x, tensor([[1]]))).toThrow("conv2d: argument 'w': expected a rank-4 tensor [C_out, C_in/groups, kh, kw], got shape [1, 1]");
    expect(() => conv2d(x, w, { bias: tensor([1, 2, 3]) })).toThrow("conv2d: argument 'bias': expected shape [2] (one per out channel), got [3]");
  });
});

describe('conv1d', () => {
  it("matches PyTorch with 'same' padding and an even kernel (the extra zero on the right)", () => {
    checkAgainstTorch('conv1d', (x, w) => conv1d(x, w, { padding: 'same' }), [X([1, 2, 6]), W([3, 2, 4])]);
  });

  it('computes the TSDoc example, with stride, padding and dilation along the sequence', () => {
    expect(conv1d(tensor([[[1, 2, 3, 4]]]), tensor([[[1, -1]]])).toArray()).toEqual([[[-1, -1, -1]]]);
    // taps 2 apart over [0, 1, 2, 3, 4, 0] (padding 1), every second window
    expect(conv1d(tensor([[[1, 2, 3, 4]]]), tensor([[[1, -1]]]), { padding: 1, dilation: 2, stride: 2 }).toArray()).toEqual([[[-2, -2]]]);
  });

  it('names the op on bad input', () => {
    expect(() => conv1d(tensor([[[1, 2]]]), tensor([[[1, 1, 1]]]))).toThrow("conv1d: argument 'w': the kernel (3) is larger than the padded input along the length (2 + 0 padding)");
    expect(() => conv1d(tensor([[1, 2]]), tensor([[[1]]]))).toThrow("conv1d: argument 'x': expected a rank-3 tensor [N, C, L], got shape [1, 2]");
    expect(() => conv1d(tensor([[[1, 2]]]), tensor([[[1]]]), { stride: [1, 2] as unknown as number })).toThrow("conv1d: argument 'stride': expected a positive integer, got [1,2]");
    expect(() => conv1d(tensor([[[1, 2]]]), tensor([[[1]]]), { padding: 'full' as 'same' })).toThrow("conv1d: argument 'padding': expected a non-negative integer, 'same' or 'valid', got \"full\"");
  });
});

describe('convTranspose2d', () => {
  it('matches PyTorch with stride, padding, outputPadding and dilation, in value and gradient', () => {
    checkAgainstTorch('convTranspose2d', (x, w) => convTranspose2d(x, w, { stride: 2, padding: [1, 0], outputPadding: [1, 0], dilation: [1, 2] }), [
      X([1, 4, 3, 2]), W([4, 3, 2, 3]),
    ]);
  });

  it('matches PyTorch with groups', () => {
    checkAgainstTorch('convTranspose2dGroups', (x, w) => convTranspose2d(x, w, { stride: [1, 2], groups: 2 }), [X([1, 4, 3, 2]), W([4, 1, 2, 2])]);
  });

  it('computes the TSDoc example: each pixel becomes a block', () => {
    const y = convTranspose2d(tensor([[[[1, 2], [3, 4]]]]), tensor([[[[1, 1], [1, 1]]]]), { stride: 2 });
    expect(y.toArray()).toEqual([[[[1, 1, 2, 2], [1, 1, 2, 2], [3, 3, 4, 4], [3, 3, 4, 4]]]]);
  });

  it('is the adjoint of conv2d in x: <conv2d(x, w), y> = <x, convTranspose2d(y, w)>', () => {
    const o = { stride: 2, padding: 1, dilation: [1, 2] as const };
    const x = pattern([2, 3, 6, 7], 7, 11, 5, 4), w = pattern([4, 3, 3, 2], 5, 7, 3, 3);
    const y = conv2d(x, w, o);
    const r = pattern(y.shape as number[], 3, 5, 2, 2);
    const back = convTranspose2d(r, w, { ...o, outputPadding: [1, 0] });
    expect(back.shape).toEqual(x.shape);
    expect(sum(mul(y, r)).item()).toBeCloseTo(sum(mul(x, back)).item(), 10);
  });

  it('names the op on bad input', () => {
    const x = tensor(new Float64Array(4), { shape: [1, 1, 2, 2] });
    expect(() => convTranspose2d(x, tensor(new Float64Array(8), { shape: [2, 1, 2, 2] }))).toThrow(
      "convTranspose2d: argument 'w': w has shape [2, 1, 2, 2], so it expects 2 in channels, but x of shape [1, 1, 2, 2] has 1",
    );
    expect(() => convTranspose2d(x, tensor([[[[1]]]]), { outputPadding: 1 })).toThrow(
      "convTranspose2d: argument 'outputPadding': outputPadding [1,1] must be smaller than stride [1,1] or dilation [1,1]",
    );
    expect(() => convTranspose2d(x, tensor([[[[1]]]]), { padding: 1 })).toThrow("convTranspose2d: argument 'padding': padding [1,1] leaves no output (0×0)");
  });
});

describe('im2col and col2im', () => {
  const g: ConvGeometry = { kh: 2, kw: 3, sh: 2, sw: 1, dh: 1, dw: 2, ph: 1, pw: 2, ho: 3, wo: 4 };
  it('lay windows out as columns, with the fill value in the padding', () => {
    const x = tensor([[[[1, 2], [3, 4]]]], { dtype: 'float64' });
    const cols = im2col(x, { kh: 2, kw: 2, sh: 1, sw: 1, dh: 1, dw: 1, ph: 1, pw: 0, ho: 2, wo: 1 }, -Infinity);
    // windows at rows −1..0 and 0..1 (column 0..1): tap (i, j) is row (c·kh + i)·kw + j
    expect(cols.toArray()).toEqual([[[-Infinity, 1], [-Infinity, 2], [1, 3], [2, 4]]]);
  });

  it('agree with the defining formula on every geometry of a small grid (strides, dilations, padding past both edges)', () => {
    const [n, c, h, w] = [1, 2, 4, 5];
    const x = pattern([n, c, h, w], 7, 11, 5, 4);
    for (const [kh, kw, sh, sw, dh, dw, ph, pw] of [[2, 3, 2, 3, 1, 2, 1, 2], [3, 2, 1, 2, 2, 1, 2, 0], [1, 1, 3, 2, 1, 1, 0, 1], [2, 2, 1, 1, 3, 3, 2, 2]]) {
      const ho = Math.floor((h + 2 * ph - dh * (kh - 1) - 1) / sh) + 1, wo = Math.floor((w + 2 * pw - dw * (kw - 1) - 1) / sw) + 1;
      const cols = im2col(x, { kh, kw, sh, sw, dh, dw, ph, pw, ho, wo }, -7);
      const expected: number[] = [];
      for (let ch = 0; ch < c; ch++) for (let i = 0; i < kh; i++) for (let j = 0; j < kw; j++) for (let oy = 0; oy < ho; oy++) for (let ox = 0; ox < wo; ox++) {
        const iy = oy * sh - ph + i * dh, ix = ox * sw - pw + j * dw;
        expected.push(iy >= 0 && iy < h && ix >= 0 && ix < w ? x.data[(ch * h + iy) * w + ix] : -7);
      }
      expect(Array.from(cols.data), JSON.stringify([kh, kw, sh, sw, dh, dw, ph, pw])).toEqual(expected);
    }
  });

  it('are adjoint: <im2col(x), c> = <x, col2im(c)>', () => {
    const x = pattern([2, 3, 5, 4], 7, 11, 5, 4);
    const cols = im2col(x, g, 0);
    expect(cols.shape).toEqual([2, 3 * 6, 12]);
    const c = pattern([2, 18, 12], 3, 5, 2, 2);
    expect(sum(mul(cols, c)).item()).toBeCloseTo(sum(mul(x, col2im(c, g, x.shape))).item(), 12);
  });
});
