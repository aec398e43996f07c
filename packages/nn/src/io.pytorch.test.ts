/**
 * PyTorch's key names: a PyTorch `nn.Sequential` names its children `0`, `1`, … where ours keeps them in
 * its field `layers`. Loading takes either name; saving writes ours, or PyTorch's with `names: 'pytorch'`.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OrderedMap } from 'immutable';
import { randn, type Tensor } from '@tapegrad/core';
import {
  Activation, BatchNorm2d, Conv2d, Flatten, Linear, MaxPool2d, Module, SerializationError, Sequential, encodeSafetensors, loadBytes,
  loadStateDict, pytorchNames, saveBytes, stateDict,
} from '@tapegrad/nn';
import { loadInto } from '@tapegrad/nn/node';
import { pattern } from './layers.testkit.js';

/** net = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(4, 2, 3, groups=2)) */
const ours = () => new Sequential(new Conv2d(1, 4, 3, { padding: 1 }), new Activation('relu'), new MaxPool2d(2), new Conv2d(4, 2, 3, { groups: 2 }));
/** What save_file(net.state_dict()) writes for it: PyTorch's keys and shapes. */
const torchDict = () => OrderedMap<string, Tensor>([
  ['0.weight', pattern([4, 1, 3, 3], 5, 7, 3, 3, 'float32')],
  ['0.bias', pattern([4], 3, 5, 2, 4, 'float32')],
  ['3.weight', pattern([2, 2, 3, 3], 3, 5, 2, 4, 'float32')],
  ['3.bias', pattern([2], 5, 7, 3, 3, 'float32')],
]);
const header = (bytes: Uint8Array) => JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + Number(new DataView(bytes.buffer).getBigUint64(0, true)))));

describe('loading PyTorch’s Sequential keys as they are', () => {
  it('a PyTorch Sequential’s state dict loads into our Sequential with no renames', () => {
    const net = loadStateDict(ours(), loadBytes(encodeSafetensors(torchDict(), { format: 'pt' })));
    for (const [k, t] of torchDict()) expect(Array.from(net.parameters().get(`layers.${k}`)!.data)).toEqual(Array.from(t.data));
  });

  it('so do nested Sequentials, a Sequential inside a module, and BatchNorm’s buffers', () => {
    class Net extends Module {
      features = new Sequential(new Conv2d(1, 2, 3), new BatchNorm2d(2), new Sequential(new Activation('relu'), new Conv2d(2, 2, 1)));
      head = new Linear(2, 3);
      forward(x: Tensor): Tensor {
        return this.head.forward(new Flatten().forward(this.features.forward(x)).transpose());
      }
    }
    const net = new Net();
    expect([...pytorchNames(net).entries()].slice(0, 3)).toEqual([['features.layers.0.weight', 'features.0.weight'], ['features.layers.0.bias', 'features.0.bias'], ['features.layers.1.weight', 'features.1.weight']]);
    expect(pytorchNames(net).get('features.layers.2.layers.1.weight')).toBe('features.2.1.weight');
    expect(pytorchNames(net).get('features.layers.1.num_batches_tracked')).toBe('features.1.num_batches_tracked');
    expect(pytorchNames(net).has('head.weight')).toBe(false); // named alike
    // PyTorch's state dict of the same model, made from another one of ours
    const other = new Net();
    other.features.forward(randn([2, 1, 3, 3])); // moves the running statistics and the batch count
    const dict = stateDict(other).mapKeys((k) => pytorchNames(other).get(k) ?? k);
    expect(dict.has('features.2.1.weight')).toBe(true);
    loadStateDict(net, dict);
    expect(Array.from(net.features.parameters().get('layers.2.layers.1.weight')!.data)).toEqual(Array.from(other.features.parameters().get('layers.2.layers.1.weight')!.data));
    expect((net.features.layers[1] as BatchNorm2d).numBatchesTracked.item()).toBe(1);
  });

  it('still loads files written with our names, and refuses a key given under both names', () => {
    const net = ours();
    const copy = loadStateDict(ours(), loadBytes(saveBytes(net)));
    expect(Object.keys(header(saveBytes(net))).filter((k) => k !== '__metadata__')).toEqual(['layers.0.weight', 'layers.0.bias', 'layers.3.weight', 'layers.3.bias']);
    expect(Array.from(copy.parameters().get('layers.3.weight')!.data)).toEqual(Array.from(net.parameters().get('layers.3.weight')!.data));
    const both = torchDict().set('layers.0.weight', torchDict().get('0.weight')!);
    expect(() => loadStateDict(ours(), both)).toThrow(SerializationError);
    expect(() => loadStateDict(ours(), both)).toThrow("loadStateDict: key 'layers.0.weight': is given twice, under our name and as PyTorch's '0.weight'");
  });
});

describe('saving under PyTorch’s names', () => {
  let dir: string;
  beforeEach(() => void (dir = fs.mkdtempSync(join(tmpdir(), 'tapegrad-names-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("names: 'pytorch' writes the keys PyTorch's load_state_dict expects, and the file loads back into ours", () => {
    const net = new Sequential(new Conv2d(1, 2, 3), new BatchNorm2d(2));
    net.forward(randn([2, 1, 4, 4]));
    const bytes = saveBytes(net, { names: 'pytorch' });
    expect(Object.keys(header(bytes)).filter((k) => k !== '__metadata__')).toEqual(['0.weight', '0.bias', '1.weight', '1.bias', '1.running_mean', '1.running_var', '1.num_batches_tracked']);
    expect(header(bytes)['1.num_batches_tracked'].dtype).toBe('I64');
    const path = join(dir, 'net.safetensors');
    fs.writeFileSync(path, bytes);
    const back = loadInto(new Sequential(new Conv2d(1, 2, 3), new BatchNorm2d(2)), path);
    expect(Array.from(back.parameters().get('layers.0.weight')!.data)).toEqual(Array.from(net.parameters().get('layers.0.weight')!.data));
    expect((back.layers[1] as BatchNorm2d).numBatchesTracked.item()).toBe(1);
  });

  it('refuses an unknown names option', () => {
    expect(() => saveBytes(ours(), { names: 'torch' as never })).toThrow("saveBytes: option 'names' must be 'tapegrad' or 'pytorch', got the string \"torch\"");
  });
});
