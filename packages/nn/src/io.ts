import { OrderedMap } from 'immutable';
import { fmtShape, type Tensor } from '@tapegrad/core';
import type { AnyModule, ParameterProblem } from './module.js';
import { describeValue, quoted } from './check.js';
import { decodeAs, encodeSafetensors, SerializationError } from './safetensors.js';

/**
 * A model's parameters as safetensors bytes (the format PyTorch's `safetensors.torch.save_file` /
 * `load_file` read and write), with no file system: this module runs in a browser as well as in Node.
 * Files on disk are `@tapegrad/nn/node`'s business (`save`, `load`, `loadInto`).
 *
 * - `stateDict(model)` / `loadStateDict(model, dict)`: parameters as an OrderedMap, in memory.
 * - `saveBytes(model)` / `loadBytes(bytes)`: the same as safetensors bytes; `saveBlob(model)` for a download.
 *
 * Loading validates everything before anything is assigned, so on any error the model is unchanged.
 */

/**
 * The model's parameters by dotted name, detached from any tape (they share their immutable data),
 * followed by its buffers (e.g. BatchNorm's `running_mean`, see `Module.registerBuffer`).
 *
 * @example
 * const dict = stateDict(model);
 * [...dict.keys()]; // ['layers.0.W', 'layers.0.b', 'layers.1.W', 'layers.1.b']
 */
export function stateDict(model: AnyModule): OrderedMap<string, Tensor> {
  return model.parameters().map((t) => t.detach()).concat(model.buffers());
}

/**
 * Options of `loadStateDict` (and of `loadBytes`-based loading): whether the dict must hold every
 * parameter. Like PyTorch's `load_state_dict(strict=)`, except that an unknown key is an error either way.
 *
 * @example
 * const model = new Sequential(new Dense(2, 3), new Dense(3, 1));
 * const head = stateDict(model).filter((_, k) => k.startsWith('layers.1.')); // the last layer only
 * loadStateDict(model, head, { strict: false }); // the first layer keeps its parameters
 */
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
export function loadStateDict<M extends AnyModule>(model: M, dict: OrderedMap<string, Tensor> | Iterable<readonly [string, Tensor]>, options: LoadOptions = {}): M {
  return loadChecked('loadStateDict', model, OrderedMap(dict as Iterable<[string, Tensor]>), options.strict ?? true, '');
}

/**
 * @internal `loadStateDict` under the caller's op name, naming the file (`source`) the dict came from.
 * The model finds what is wrong (`checkParameters`, the checks `setParameters` makes); this only says it
 * as a loading error.
 */
export function loadChecked<M extends AnyModule>(op: string, model: M, dict: OrderedMap<string, Tensor>, strict: boolean, source: string): M {
  // buffers (BatchNorm's running statistics) are loaded beside the parameters, checked the same way
  const buffers = model.buffers();
  const params = dict.filter((_, k) => !buffers.has(k));
  const problem = model.checkParameters(params, strict) ?? model.setBuffers(dict.filter((_, k) => buffers.has(k)), strict, false);
  if (problem !== null) throw loadError(op, problem, source);
  model.setParameters(params, { strict });
  model.setBuffers(dict.filter((_, k) => buffers.has(k)), strict);
  return model;
}

function loadError(op: string, p: ParameterProblem, source: string): SerializationError {
  const where = source ? ` (in ${source})` : '';
  const from = source ? 'file' : 'state dict';
  switch (p.kind) {
    case 'unknown':
      return new SerializationError(op, `is not a parameter of the model, whose parameters are ${quoted(p.known)}${where}`, p.name);
    case 'twice':
      return new SerializationError(op, `is given twice${where}`, p.name);
    case 'notTensor':
      return new SerializationError(op, `expected a Tensor, got ${describeValue(p.value)}${where}`, p.name);
    case 'shape':
      return new SerializationError(op, `shape mismatch: the ${from} has ${fmtShape(p.given)} but the model has ${fmtShape(p.model)}${where}`, p.name);
    case 'missing':
      return new SerializationError(op, `missing from the ${from}: ${quoted(p.names)} (pass { strict: false } to load only some)${where}`, p.names[0]);
  }
}

/**
 * Options of `saveBytes` and `saveBlob`: extra metadata for the safetensors header.
 *
 * @example
 * const bytes = saveBytes(new Sequential(new Dense(2, 1)), { metadata: { epochs: '100' } });
 * safetensorsMetadata(bytes); // { format: 'pt', epochs: '100' }
 */
export interface SaveOptions {
  /** String key/values stored in the file's `__metadata__` (PyTorch writes `{ format: 'pt' }`). */
  metadata?: Readonly<Record<string, string>>;
}

/** @internal The named tensors to save: a model's `stateDict`, or the map itself. */
export const tensorsOf = (model: AnyModule | OrderedMap<string, Tensor>): OrderedMap<string, Tensor> =>
  OrderedMap.isOrderedMap(model) ? (model as OrderedMap<string, Tensor>) : stateDict(model as AnyModule);

/**
 * A model's parameters (or any named tensors) as the bytes of a safetensors file, with PyTorch's
 * `{ format: 'pt' }` metadata plus `options.metadata`: the bytes `save` of `@tapegrad/nn/node` writes.
 *
 * @example
 * const bytes = saveBytes(model, { metadata: { epochs: '100' } });
 * loadStateDict(otherModel, loadBytes(bytes));
 */
export function saveBytes(model: AnyModule | OrderedMap<string, Tensor>, options: SaveOptions = {}): Uint8Array {
  const int64 = OrderedMap.isOrderedMap(model) ? [] : (model as AnyModule).int64Buffers(); // as PyTorch saves them
  return encodeSafetensors(tensorsOf(model), { format: 'pt', ...options.metadata }, { int64 });
}

/**
 * `saveBytes` as a `Blob` (type `application/octet-stream`), for a download in a browser.
 *
 * @example
 * const link = document.createElement('a');
 * link.href = URL.createObjectURL(saveBlob(model));
 * link.download = 'model.safetensors';
 * link.click();
 */
export function saveBlob(model: AnyModule | OrderedMap<string, Tensor>, options: SaveOptions = {}): Blob {
  // saveBytes allocates its array, over a plain ArrayBuffer (what BlobPart asks for), so no copy is needed
  return new Blob([saveBytes(model, options) as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' });
}

/**
 * The tensors of safetensors bytes, by name, bit-exact: `decodeSafetensors` under the name that pairs
 * with `saveBytes`. In a browser, the bytes of a `File` or a fetched `Response` are
 * `new Uint8Array(await file.arrayBuffer())`.
 *
 * @example
 * loadStateDict(model, loadBytes(new Uint8Array(await file.arrayBuffer())));
 */
export function loadBytes(bytes: Uint8Array): OrderedMap<string, Tensor> {
  return decodeAs('loadBytes', bytes, '');
}
