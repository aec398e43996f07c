import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OrderedMap } from 'immutable';
import { Generator, tensor, type Tensor } from '@tapegrad/core';
import { Dense, Sequential, SerializationError, loadBytes, loadStateDict, safetensorsMetadata, saveBytes, stateDict, type Module } from '@tapegrad/nn';
import { load, loadInto, save, writeFileAtomic, type AtomicFs } from '@tapegrad/nn/node';

const net = (seed: number, dtype: 'float32' | 'float64' = 'float32', sizes = [3, 4, 2]) =>
  new Sequential(...sizes.slice(1).map((n, i) => new Dense(sizes[i], n, { dtype, generator: new Generator(seed + i) })));

const bytesOf = (t: Tensor) => Array.from(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
const snapshot = (m: Module) => m.parameters().map((t) => ({ shape: [...t.shape], dtype: t.dtype, bytes: bytesOf(t) })).toJS();

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(join(tmpdir(), 'tapegrad-io-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('stateDict / loadStateDict', () => {
  it('stateDict lists the parameters by dotted name, detached', () => {
    const model = net(1);
    const dict = stateDict(model);
    expect([...dict.keys()]).toEqual(['layers.0.W', 'layers.0.b', 'layers.1.W', 'layers.1.b']);
    expect(dict.every((t) => !t.requiresGrad)).toBe(true);
    expect(dict.get('layers.0.W')!.data).toBe(model.parameters().get('layers.0.W')!.data);
  });

  it('loadStateDict copies another model’s parameters', () => {
    const a = net(1), b = net(2);
    loadStateDict(b, stateDict(a));
    expect(snapshot(b)).toEqual(snapshot(a));
    expect(b.parameters().get('layers.0.W')!.requiresGrad).toBe(true);
  });

  it('a shape mismatch names the key and both shapes, and leaves the model unchanged', () => {
    const model = net(1);
    const before = snapshot(model);
    const other = stateDict(net(2, 'float32', [3, 5, 2]));
    expect(() => loadStateDict(model, other)).toThrow(SerializationError);
    expect(() => loadStateDict(model, other)).toThrow("loadStateDict: key 'layers.0.W': shape mismatch: the state dict has [5, 3] but the model has [4, 3]");
    expect(snapshot(model)).toEqual(before);
  });

  it('unknown and missing keys are errors (missing allowed with strict: false), model unchanged', () => {
    const model = net(1);
    const before = snapshot(model);
    const dict = stateDict(net(2));
    expect(() => loadStateDict(model, dict.set('extra', tensor([1])))).toThrow(/key 'extra'.*is not a parameter of the model/);
    expect(() => loadStateDict(model, dict.delete('layers.1.b'))).toThrow(/missing from the state dict: 'layers.1.b'/);
    expect(snapshot(model)).toEqual(before);
    loadStateDict(model, dict.delete('layers.1.b'), { strict: false });
    expect(snapshot(model)['layers.1.b']).toEqual(before['layers.1.b']);
    expect(snapshot(model)['layers.0.W']).toEqual(snapshot(net(2))['layers.0.W']);
  });
});

describe('save / load / loadInto', () => {
  it.each(['float32', 'float64'] as const)('round-trips a %s model bit-exactly, NaN, −0 and ±∞ included', (dtype) => {
    const model = net(3, dtype);
    const W = model.parameters().get('layers.0.W')!;
    const special = Float64Array.from(W.data);
    special.set([NaN, -0, Infinity, -Infinity, 1e-310]);
    model.setParameters(model.parameters().set('layers.0.W', tensor(special, { dtype, shape: W.shape })));
    const path = join(dir, 'model.safetensors');
    save(model, path);
    const loaded = load(path);
    expect([...loaded.keys()]).toEqual([...model.parameters().keys()]);
    for (const [k, t] of model.parameters()) {
      expect(loaded.get(k)!.dtype).toBe(dtype);
      expect(bytesOf(loaded.get(k)!)).toEqual(bytesOf(t));
    }
    const fresh = loadInto(net(99, dtype), path);
    expect(snapshot(fresh)).toEqual(snapshot(model));
    expect(fs.readdirSync(dir)).toEqual(['model.safetensors']);
  });

  it('writes PyTorch’s format metadata plus the caller’s', () => {
    const path = join(dir, 'm.safetensors');
    save(net(1), path, { metadata: { epochs: '100' } });
    const bytes = fs.readFileSync(path);
    const n = Number(bytes.readBigUInt64LE(0));
    expect(JSON.parse(bytes.subarray(8, 8 + n).toString()).__metadata__).toEqual({ format: 'pt', epochs: '100' });
  });

  it('a file from another architecture gives an error naming the file, the key and both shapes; model unchanged', () => {
    const path = join(dir, 'other.safetensors');
    save(net(1, 'float32', [3, 5, 2]), path);
    const model = net(2);
    const before = snapshot(model);
    expect(() => loadInto(model, path)).toThrow(SerializationError);
    expect(() => loadInto(model, path)).toThrow(new RegExp(`key 'layers.0.W'.*shape mismatch: the file has \\[5, 3\\] but the model has \\[4, 3\\] \\(in '${path}'\\)`));
    expect(snapshot(model)).toEqual(before);
  });

  it('a truncated or missing file gives a SerializationError naming the file, and leaves the model unchanged', () => {
    const path = join(dir, 'cut.safetensors');
    save(net(1), path);
    const bytes = fs.readFileSync(path);
    fs.writeFileSync(path, bytes.subarray(0, bytes.length - 3));
    const model = net(2);
    const before = snapshot(model);
    expect(() => loadInto(model, path)).toThrow(SerializationError);
    expect(() => loadInto(model, path)).toThrow(/load: key 'layers.1.b': data_offsets \[\d+, \d+\] are out of bounds: the data section has \d+ bytes \(in '.*cut\.safetensors'\)/);
    expect(snapshot(model)).toEqual(before);
    expect(() => load(join(dir, 'nope.safetensors'))).toThrow(/load: could not read '.*nope\.safetensors': ENOENT/);
  });
});

describe('atomic writes', () => {
  /** node:fs with one operation made to fail (a write fails halfway through, as on a full disk). */
  const failing = (op: 'writeSync' | 'fsyncSync' | 'renameSync'): AtomicFs => ({
    ...fs,
    writeSync: (fd, buf, off, len) => {
      if (op !== 'writeSync') return fs.writeSync(fd, buf, off, len);
      fs.writeSync(fd, buf, off, Math.floor(len / 2));
      throw new Error('ENOSPC: no space left on device (simulated)');
    },
    fsyncSync: (fd) => {
      if (op === 'fsyncSync') throw new Error('EIO: i/o error (simulated)');
      fs.fsyncSync(fd);
    },
    renameSync: (a, b) => {
      if (op === 'renameSync') throw new Error('EXDEV (simulated)');
      fs.renameSync(a, b);
    },
  });

  it.each(['writeSync', 'fsyncSync', 'renameSync'] as const)('a failing %s keeps the previous file intact and leaves no temp file', (op) => {
    const path = join(dir, 'model.safetensors');
    const old = net(1);
    save(old, path);
    const oldBytes = fs.readFileSync(path);
    expect(() => save(net(2), path, { fs: failing(op) })).toThrow(SerializationError);
    expect(() => save(net(2), path, { fs: failing(op) })).toThrow(/save: could not write '.*model\.safetensors': .*simulated/);
    expect(fs.readdirSync(dir)).toEqual(['model.safetensors']);
    expect(fs.readFileSync(path).equals(oldBytes)).toBe(true);
    expect(snapshot(loadInto(net(5), path))).toEqual(snapshot(old));
  });

  it('writes to a temp file in the same directory, fsyncs it, and only then renames it over the target', () => {
    const calls: string[] = [];
    const path = join(dir, 'w.bin');
    fs.writeFileSync(path, 'old', { mode: 0o640 });
    fs.chmodSync(path, 0o640);
    const traced: AtomicFs = {
      ...fs,
      fchmodSync: (fd, mode) => (calls.push(`fchmod ${mode.toString(8)}`), fs.fchmodSync(fd, mode)),
      openSync: (p, flags, mode) => (calls.push(`open ${p.replace(dir, '<dir>')} ${flags}`), fs.openSync(p, flags, mode)),
      writeSync: (fd, b, o, l) => (calls.push('write'), fs.writeSync(fd, b, o, l)),
      fsyncSync: (fd) => (calls.push('fsync'), fs.fsyncSync(fd)),
      closeSync: (fd) => (calls.push('close'), fs.closeSync(fd)),
      renameSync: (a, b) => (calls.push(`rename ${a.replace(dir, '<dir>')} -> ${b.replace(dir, '<dir>')}`), fs.renameSync(a, b)),
      unlinkSync: (p) => (calls.push(`unlink ${p}`), fs.unlinkSync(p)),
    };
    writeFileAtomic(path, new TextEncoder().encode('new contents'), traced);
    const tmp = `<dir>/w.bin.tmp-${process.pid}-`;
    expect(calls[0]).toMatch(new RegExp(`^open ${tmp.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}[0-9a-f]{12} wx$`));
    expect(calls.slice(1, 5)).toEqual(['fchmod 640', 'write', 'fsync', 'close']); // the old file's mode, then the bytes
    expect(calls[5]).toMatch(/^rename <dir>\/w\.bin\.tmp-\d+-[0-9a-f]{12} -> <dir>\/w\.bin$/);
    expect(calls.slice(6)).toEqual(['open <dir> r', 'fsync', 'close']); // the directory entry is made durable
    expect(fs.readFileSync(path, 'utf8')).toBe('new contents');
    expect(fs.readdirSync(dir)).toEqual(['w.bin']);
  });
});

describe('names and limits', () => {
  it.each(['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf'])('a tensor named %s saves and loads', (name) => {
    const path = join(dir, 'odd-names.safetensors');
    const tensors = OrderedMap<string, Tensor>().set(name, tensor([1, 2])).set('W', tensor([[3]]));
    save(tensors, path, { metadata: { [name]: 'kept' } });
    const back = load(path);
    expect([...back.keys()]).toEqual([name, 'W']);
    expect(Array.from(back.get(name)!.data)).toEqual([1, 2]);
    const meta = safetensorsMetadata(fs.readFileSync(path));
    expect(Object.getOwnPropertyDescriptor(meta, name)?.value).toBe('kept');
    expect(Object.getPrototypeOf(meta)).toBe(Object.prototype); // '__proto__' was a key, not a prototype swap
  });

  it('save refuses a header that load would refuse (over 100 MB), and writes nothing', () => {
    const path = join(dir, 'big.safetensors');
    const tensors = OrderedMap<string, Tensor>().set('W', tensor([1]));
    expect(() => save(tensors, path, { metadata: { notes: 'x'.repeat(100_000_000) } })).toThrow(SerializationError);
    expect(() => saveBytes(tensors, { metadata: { notes: 'x'.repeat(100_000_000) } })).toThrow(/header would be 100000\d{3} bytes, over the 100000000-byte limit readers enforce/);
    expect(fs.readdirSync(dir)).toEqual([]);
    const fits = saveBytes(tensors, { metadata: { notes: 'x'.repeat(99_999_000) } });
    expect(loadBytes(fits).get('W')!.item()).toBe(1);
  });
});
