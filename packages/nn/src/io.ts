import * as nodeFs from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { OrderedMap } from 'immutable';
import { Tensor } from '@tapegrad/core';
import type { Module } from './module.js';
import { decodeAs, encodeSafetensors, SerializationError } from './safetensors.js';

/**
 * Saving and loading a model's parameters as safetensors files (the format PyTorch's
 * `safetensors.torch.save_file` / `load_file` read and write).
 *
 * - `stateDict(model)` / `loadStateDict(model, dict)`: parameters as an OrderedMap, in memory.
 * - `save(model, path)`: writes atomically (a temporary file in the same directory, fsync, rename), so
 *   a crash or an error mid-save never destroys the previous file.
 * - `load(path)`: the tensors of a file as an OrderedMap; `loadInto(model, path)`: loads them into a model.
 *
 * Loading validates everything before anything is assigned, so on any error the model is unchanged.
 */

const fmt = (shape: readonly number[]): string => `[${shape.join(', ')}]`;

/**
 * The model's parameters by dotted name, detached from any tape (they share their immutable data).
 *
 * @example
 * const dict = stateDict(model);
 * [...dict.keys()]; // ['layers.0.W', 'layers.0.b', 'layers.1.W', 'layers.1.b']
 */
export function stateDict(model: Module): OrderedMap<string, Tensor> {
  return model.parameters().map((t) => t.detach());
}

export interface LoadOptions {
  /** Require every parameter of the model to be in the dict (default true). Unknown keys are always an error. */
  strict?: boolean;
}

/**
 * Replaces the model's parameters with those of `dict`, cast to each parameter's dtype. Checks every key
 * and shape first and throws a `SerializationError` naming the key (and both shapes for a mismatch)
 * before assigning anything, so a failed load leaves the model as it was.
 *
 * @example
 * const snapshot = stateDict(model);
 * // ... train ...
 * loadStateDict(model, snapshot); // back to the snapshot
 */
export function loadStateDict(model: Module, dict: OrderedMap<string, Tensor> | Iterable<readonly [string, Tensor]>, options: LoadOptions = {}): Module {
  return loadChecked('loadStateDict', model, OrderedMap(dict as Iterable<[string, Tensor]>), options.strict ?? true, '');
}

function loadChecked(op: string, model: Module, dict: OrderedMap<string, Tensor>, strict: boolean, source: string): Module {
  const where = source ? ` (in ${source})` : '';
  const params = model.parameters();
  for (const [key, t] of dict) {
    const p = params.get(key);
    if (p === undefined) {
      throw new SerializationError(op, `is not a parameter of the model, whose parameters are ${[...params.keys()].map((k) => `'${k}'`).join(', ')}${where}`, key);
    }
    if (!(t instanceof Tensor)) throw new SerializationError(op, `expected a Tensor, got ${t === null ? 'null' : typeof t}${where}`, key);
    if (t.shape.length !== p.shape.length || t.shape.some((d, i) => d !== p.shape[i])) {
      throw new SerializationError(op, `shape mismatch: the ${source ? 'file' : 'state dict'} has ${fmt(t.shape)} but the model has ${fmt(p.shape)}${where}`, key);
    }
  }
  if (strict) {
    const missing = [...params.keys()].filter((k) => !dict.has(k));
    if (missing.length > 0) {
      throw new SerializationError(op, `missing from the ${source ? 'file' : 'state dict'}: ${missing.map((k) => `'${k}'`).join(', ')} (pass { strict: false } to load only some)${where}`, missing[0]);
    }
  }
  model.setParameters(dict, { strict });
  return model;
}

/** The file operations an atomic write needs (a subset of `node:fs`); injectable to test failures. */
export interface AtomicFs {
  openSync(path: string, flags: string, mode?: number): number;
  writeSync(fd: number, buffer: Uint8Array, offset: number, length: number): number;
  fsyncSync(fd: number): void;
  closeSync(fd: number): void;
  renameSync(from: string, to: string): void;
  unlinkSync(path: string): void;
}

/**
 * Writes `bytes` to `path` atomically: to `path.tmp-<pid>-<random>` in the same directory, fsync,
 * then rename over `path` (atomic on POSIX file systems). Readers see the old file or the new one,
 * never a partial one; on any error the temporary file is removed and the old file is untouched.
 *
 * @example
 * writeFileAtomic('loss.svg', new TextEncoder().encode(svg));
 */
export function writeFileAtomic(path: string, bytes: Uint8Array, fs: AtomicFs = nodeFs): void {
  const tmp = join(dirname(path), `${basename(path)}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
  let fd = fs.openSync(tmp, 'wx', 0o644); // 'wx': never reuse a file that happens to exist
  try {
    for (let off = 0; off < bytes.length; ) off += fs.writeSync(fd, bytes, off, bytes.length - off);
    fs.fsyncSync(fd); // the data is on disk before the rename makes it visible
    const open = fd;
    fd = -1;
    fs.closeSync(open);
    fs.renameSync(tmp, path);
  } catch (e) {
    if (fd >= 0) {
      try {
        fs.closeSync(fd);
      } catch {
        /* already failing; the original error is the one to report */
      }
    }
    try {
      fs.unlinkSync(tmp);
    } catch {
      /* it may not exist */
    }
    throw e;
  }
  try {
    // make the rename itself durable; not every platform lets a directory be opened, so best effort
    const dirFd = fs.openSync(dirname(path), 'r');
    try {
      fs.fsyncSync(dirFd);
    } finally {
      fs.closeSync(dirFd);
    }
  } catch {
    /* best effort */
  }
}

export interface SaveOptions {
  /** String key/values stored in the file's `__metadata__` (PyTorch writes `{ format: 'pt' }`). */
  metadata?: Readonly<Record<string, string>>;
  /** @internal The file operations to use (tests inject failures here). */
  fs?: AtomicFs;
}

/**
 * Saves a model's parameters (or any named tensors) to a safetensors file, atomically.
 *
 * @example
 * save(model, 'digits.safetensors', { metadata: { epochs: '100' } });
 */
export function save(model: Module | OrderedMap<string, Tensor>, path: string, options: SaveOptions = {}): void {
  const tensors = OrderedMap.isOrderedMap(model) ? (model as OrderedMap<string, Tensor>) : stateDict(model as Module);
  const bytes = encodeSafetensors(tensors, { format: 'pt', ...options.metadata });
  try {
    writeFileAtomic(path, bytes, options.fs);
  } catch (e) {
    throw new SerializationError('save', `could not write '${path}': ${(e as Error).message}`);
  }
}

/**
 * The tensors in a safetensors file, by name, bit-exact. Throws a `SerializationError` naming the file
 * and what is wrong with it when it is missing, truncated or corrupt.
 *
 * @example
 * const weights = load('digits.safetensors');
 * weights.get('layers.0.W')!.shape; // [32, 64]
 */
export function load(path: string): OrderedMap<string, Tensor> {
  let bytes: Uint8Array;
  try {
    bytes = nodeFs.readFileSync(path);
  } catch (e) {
    throw new SerializationError('load', `could not read '${path}': ${(e as Error).message}`);
  }
  return decodeAs('load', bytes, `'${path}'`);
}

/**
 * Loads a safetensors file into a model (cast to the model's dtypes) and returns the model. The file
 * must hold exactly the model's parameters with their shapes (or a subset with `{ strict: false }`);
 * otherwise a `SerializationError` names the key and both shapes, and the model is left unchanged.
 *
 * @example
 * const model = new Sequential(new Dense(64, 32, { activation: 'sigmoid' }), new Dense(32, 10));
 * loadInto(model, 'digits.safetensors');
 */
export function loadInto(model: Module, path: string, options: LoadOptions = {}): Module {
  return loadChecked('loadInto', model, load(path), options.strict ?? true, `'${path}'`);
}
