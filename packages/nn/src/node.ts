import * as nodeFs from 'node:fs';
import type { OrderedMap } from 'immutable';
import type { Tensor } from '@tapegrad/core';
import type { Module } from './module.js';
import { loadChecked, saveBytes, type LoadOptions, type SaveOptions as BytesOptions } from './io.js';
import { decodeAs, SerializationError } from './safetensors.js';
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
export function save(model: Module | OrderedMap<string, Tensor>, path: string, options: SaveOptions = {}): void {
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
 * import { loadInto } from '@tapegrad/nn/node';
 * const model = new Sequential(new Dense(64, 32, { activation: 'sigmoid' }), new Dense(32, 10));
 * loadInto(model, 'digits.safetensors');
 */
export function loadInto(model: Module, path: string, options: LoadOptions = {}): Module {
  return loadChecked('loadInto', model, load(path), options.strict ?? true, `'${path}'`);
}
