import * as nodeFs from 'node:fs';
import type { OrderedMap } from 'immutable';
import type { Tensor } from '@tapegrad/core';
import type { AnyModule } from './module.js';
import { loadChecked, saveBytes, type LoadOptions, type SaveOptions as BytesOptions } from './io.js';
import { decodeAs, MAX_BYTES, SerializationError } from './safetensors.js';
import { describeValue } from './check.js';
import { writeFileAtomic, type AtomicFs } from './atomic-write.js';

/**
 * `@tapegrad/nn/node`: saving and loading safetensors files by path, in Node. The main entry
 * (`@tapegrad/nn`) has the same on bytes (`saveBytes`, `loadBytes`, `saveBlob`) and imports no Node
 * built-in, so it bundles for a browser; this entry adds the file system.
 *
 * - `save(model, path)`: writes atomically (a temporary file in the same directory, fsync, rename), so
 *   a crash or an error mid-save never destroys the previous file.
 * - `load(path)`: the tensors of a file as an OrderedMap; `loadInto(model, path)`: loads them into a model.
 */

export { writeFileAtomic, type AtomicFs } from './atomic-write.js';
export type { LoadOptions } from './io.js';

/**
 * Options of `save`: those of `saveBytes` (string key/values for the file's header, and `names: 'pytorch'`
 * to write PyTorch's key names).
 *
 * @example
 * import { save } from '@tapegrad/nn/node';
 * save(model, 'digits.safetensors', { metadata: { epochs: '100', data: 'sklearn digits' } });
 */
export interface SaveOptions extends BytesOptions {
  /** @internal The file operations to use (tests inject failures here). */
  fs?: AtomicFs;
}

/**
 * Saves a model's parameters (or any named tensors) to a safetensors file, atomically.
 *
 * @example
 * import { save } from '@tapegrad/nn/node';
 * save(model, 'digits.safetensors', { metadata: { epochs: '100' } });
 */
export function save(model: AnyModule | OrderedMap<string, Tensor>, path: string, options: SaveOptions = {}): void {
  checkPath('save', path);
  const bytes = saveBytes(model, options);
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
 * import { load } from '@tapegrad/nn/node';
 * const weights = load('digits.safetensors');
 * weights.get('layers.0.W')!.shape; // [32, 64]
 */
export function load(path: string): OrderedMap<string, Tensor> {
  return decodeAs('load', readRegularFile('load', path), `'${path}'`);
}

/**
 * The bytes of the regular file at `path`, read in full after checking that it is one, of a size that
 * fits: a number (a file descriptor, 0 being stdin), a FIFO, a device such as /dev/zero or a directory
 * would otherwise block, or read without end. Opened non-blocking, and checked on the open descriptor,
 * so a FIFO swapped in after a check cannot block either.
 */
function readRegularFile(op: string, path: string): Uint8Array {
  checkPath(op, path);
  let fd: number;
  try {
    fd = nodeFs.openSync(path, nodeFs.constants.O_RDONLY | (nodeFs.constants.O_NONBLOCK ?? 0));
  } catch (e) {
    throw new SerializationError(op, `could not read '${path}': ${(e as Error).message}`);
  }
  try {
    const st = nodeFs.fstatSync(fd);
    if (!st.isFile()) throw new SerializationError(op, `'${path}' is not a regular file but ${kindOf(st)}: only a file of known size is read`);
    if (st.size > MAX_BYTES) throw new SerializationError(op, `'${path}' is ${st.size} bytes, over the ${MAX_BYTES} bytes one array can hold here`);
    const bytes = new Uint8Array(st.size);
    for (let at = 0; at < bytes.length; ) {
      const n = nodeFs.readSync(fd, bytes, at, bytes.length - at, at);
      if (n === 0) throw new SerializationError(op, `'${path}' ended after ${at} of its ${st.size} bytes (it was cut while being read)`);
      at += n;
    }
    return bytes;
  } catch (e) {
    if (e instanceof SerializationError) throw e;
    throw new SerializationError(op, `could not read '${path}': ${(e as Error).message}`);
  } finally {
    nodeFs.closeSync(fd);
  }
}

function checkPath(op: string, path: unknown): void {
  if (typeof path !== 'string' || path === '') {
    throw new SerializationError(op, `expected the path of a file (a non-empty string), got ${typeof path === 'string' ? "''" : describeValue(path)}`);
  }
}

function kindOf(st: nodeFs.Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

/**
 * Loads a safetensors file into a model (cast to the model's dtypes) and returns the model. The file
 * must hold exactly the model's parameters with their shapes (or a subset with `{ strict: false }`);
 * otherwise a `SerializationError` names the key and both shapes, and the model is left unchanged.
 *
 * @example
 * import { loadInto } from '@tapegrad/nn/node';
 * const model = new Sequential(new Dense(64, 32, { activation: 'sigmoid' }), new Dense(32, 10));
 * loadInto(model, 'digits.safetensors');
 */
export function loadInto<M extends AnyModule>(model: M, path: string, options: LoadOptions = {}): M {
  return loadChecked('loadInto', model, load(path), options.strict ?? true, `'${path}'`);
}
