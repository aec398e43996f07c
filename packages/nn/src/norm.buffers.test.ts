/**
 * BatchNorm's `num_batches_tracked`: counted in train mode, saved as PyTorch saves it (I64, shape []),
 * loaded from a PyTorch state dict saved as safetensors, optional in older files; and momentum null.
 *
 * The PyTorch values below were computed by hand with the system python3 (Debian python3-torch 1.13.1):
 *
 *   import json, torch, torch.nn as nn
 *   def pat(shape, a, m, off, d): ...  # as in norm.test.ts, in float64
 *   bn = nn.BatchNorm2d(3).double()
 *   with torch.no_grad(): bn.weight.copy_(pat([3], 5, 7, 3, 3)); bn.bias.copy_(pat([3], 3, 5, 2, 4))
 *   bn(pat([2, 3, 2, 2], 7, 11, 5, 4)); bn(pat([4, 3, 1, 2], 5, 13, 6, 5))
 *   bn.eval(); y = bn(pat([1, 3, 2, 1], 3, 7, 3, 3))
 *   print({k: (v.dtype, list(v.shape), v.flatten().tolist()) for k, v in bn.state_dict().items()}, y.flatten().tolist())
 */
import { describe, expect, it } from 'vitest';
import { tensor } from '@tapegrad/core';
import { BatchNorm1d, BatchNorm2d, Conv2d, Sequential, loadBytes, loadStateDict, saveBytes, stateDict } from '@tapegrad/nn';
import { expectClose, pattern } from './layers.testkit.js';

const TORCH = {
  weight: [-1.0, 0.6666666666666666, 0.0],
  bias: [-0.5, 0.25, -0.25],
  running_mean: [0.0018750000000000069, -0.012812500000000001, 0.004999999999999994],
  running_var: [0.9520267857142858, 0.9243102678571429, 0.9318214285714286],
  num_batches_tracked: 2, // torch.int64, shape []
  y: [0.5268019269022742, -0.49807834948177987, 0.9523062860648357, 0.027743860719788196, -0.25, -0.25],
};

/** The bytes `safetensors.torch.save_file(bn.state_dict())` writes: u64 header length, JSON header, data. */
function torchFile(): Uint8Array {
  const entries: [string, string, number[], Uint8Array][] = [
    ...(['weight', 'bias', 'running_mean', 'running_var'] as const).map((k): [string, string, number[], Uint8Array] => [k, 'F64', [3], new Uint8Array(new Float64Array(TORCH[k]).buffer)]),
    ['num_batches_tracked', 'I64', [], new Uint8Array(new BigInt64Array([BigInt(TORCH.num_batches_tracked)]).buffer)],
  ];
  const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
  let offset = 0;
  for (const [k, dtype, shape, bytes] of entries) (header[k] = { dtype, shape, data_offsets: [offset, offset + bytes.length] }), (offset += bytes.length);
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let at = 8 + json.length;
  for (const [, , , bytes] of entries) (out.set(bytes, at), (at += bytes.length));
  return out;
}

/** dtype, shape and data bytes of entry `key` of safetensors bytes. */
function entryOf(bytes: Uint8Array, key: string): { dtype: string; shape: number[]; data: Uint8Array } {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  const e = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)))[key];
  return { dtype: e.dtype, shape: e.shape, data: bytes.subarray(8 + n + e.data_offsets[0], 8 + n + e.data_offsets[1]) };
}

const trainedLikeTorch = () => {
  const bn = new BatchNorm2d(3, { dtype: 'float64' });
  bn.setParameters([['weight', pattern([3], 5, 7, 3, 3)], ['bias', pattern([3], 3, 5, 2, 4)]]);
  bn.forward(pattern([2, 3, 2, 2], 7, 11, 5, 4));
  bn.forward(pattern([4, 3, 1, 2], 5, 13, 6, 5));
  return bn;
};

describe('BatchNorm num_batches_tracked', () => {
  it('counts the batches seen in train mode, and none in eval mode, as PyTorch', () => {
    const bn = trainedLikeTorch();
    expect(bn.numBatchesTracked.item()).toBe(TORCH.num_batches_tracked);
    expectClose(bn.runningMean, TORCH.running_mean);
    expectClose(bn.runningVar, TORCH.running_var);
    bn.eval().forward(pattern([1, 3, 2, 1], 3, 7, 3, 3));
    expect(bn.numBatchesTracked.item()).toBe(2);
    expect(bn.numBatchesTracked.dtype).toBe('float64'); // exact to 2⁵³, whatever the layer's dtype
    expect(new BatchNorm1d(2).numBatchesTracked.dtype).toBe('float64');
  });

  it('loads from a PyTorch state dict saved as safetensors (an I64 scalar among F64 tensors) as it is', () => {
    const bn = loadStateDict(new BatchNorm2d(3, { dtype: 'float64' }), loadBytes(torchFile())).eval();
    expect(bn.numBatchesTracked.item()).toBe(2);
    expect(Array.from(bn.runningVar.data)).toEqual(TORCH.running_var);
    expectClose(bn.forward(pattern([1, 3, 2, 1], 3, 7, 3, 3)), TORCH.y);
    const f32 = loadStateDict(new BatchNorm2d(3), loadBytes(torchFile())); // into float32: values cast, the count kept
    expect(f32.numBatchesTracked.item()).toBe(2);
    expect(f32.runningMean.dtype).toBe('float32');
  });

  it('is saved as PyTorch saves it: I64, shape [], little-endian', () => {
    const bytes = saveBytes(new Sequential(new Conv2d(1, 3, 1), trainedLikeTorch()));
    expect(entryOf(bytes, 'layers.1.num_batches_tracked')).toEqual({ dtype: 'I64', shape: [], data: new Uint8Array([2, 0, 0, 0, 0, 0, 0, 0]) });
    expect(entryOf(bytes, 'layers.1.running_mean').dtype).toBe('F64');
    const back = loadStateDict(new BatchNorm2d(3, { dtype: 'float64' }), loadBytes(saveBytes(trainedLikeTorch())));
    expect(back.numBatchesTracked.item()).toBe(2);
  });

  it('is optional when loading: a file written before it existed loads strictly and keeps the count', () => {
    const old = stateDict(trainedLikeTorch()).remove('num_batches_tracked');
    const bn = new BatchNorm2d(3, { dtype: 'float64' });
    bn.forward(pattern([2, 3, 2, 2], 7, 11, 5, 4));
    loadStateDict(bn, loadBytes(saveBytes(old)));
    expect(bn.numBatchesTracked.item()).toBe(1);
    expectClose(bn.runningMean, TORCH.running_mean);
  });
});

describe('BatchNorm momentum null', () => {
  it('makes the running statistics the average over all batches so far (momentum 1/num_batches_tracked), as PyTorch’s None', () => {
    const bn = new BatchNorm1d(1, { momentum: null, dtype: 'float64' });
    bn.forward(tensor([[1, 3]], { dtype: 'float64' })); // mean 2, unbiased variance 2: factor 1
    expect([bn.runningMean.item(), bn.runningVar.item()]).toEqual([2, 2]);
    bn.forward(tensor([[4, 8]], { dtype: 'float64' })); // mean 6, variance 8: factor ½
    expect([bn.runningMean.item(), bn.runningVar.item()]).toEqual([4, 5]);
    expect(bn.describe()).toBe('BatchNorm1d(1, cumulative average)');
  });
});
