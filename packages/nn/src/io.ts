import { OrderedMap } from 'immutable';
import { fmtShape, type Tensor } from '@tapegrad/core';
import type { AnyModule, ParameterProblem } from './module.js';
import { describeValue, quoted } from './check.js';
import { decodeAs, encodeSafetensors, SerializationError } from './safetensors.js';
import { Sequential } from './layers.js';

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
 * before assigning anything, so a failed load leaves the model as it was. Keys may be ours or PyTorch's
 * (`0.weight` for a Sequential's `layers.0.weight`, see `pytorchNames`), so a PyTorch state dict loads as it is.
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
export function loadChecked<M extends AnyModule>(op: string, model: M, given: OrderedMap<string, Tensor>, strict: boolean, source: string): M {
  const dict = ourNames(op, model, given, source);
  // buffers (BatchNorm's running statistics) are loaded beside the parameters, checked the same way
  const buffers = model.buffers();
  const params = dict.filter((_, k) => !buffers.has(k));
  const problem = model.checkParameters(params, strict) ?? model.setBuffers(dict.filter((_, k) => buffers.has(k)), strict, false);
  if (problem !== null) throw loadError(op, problem, source);
  model.setParameters(params, { strict });
  model.setBuffers(dict.filter((_, k) => buffers.has(k)), strict);
  return model;
}

/**
 * PyTorch's name of each of the model's state keys that PyTorch names otherwise: a PyTorch `nn.Sequential`
 * names its children `0`, `1`, …, where ours keeps them in its field `layers`, so our `layers.0.weight`
 * is PyTorch's `0.weight`, and a nested `layers.1.layers.0.weight` is `1.0.weight`. Every other module
 * (fields, arrays of modules as PyTorch's `ModuleList`) is named alike in both.
 *
 * @example
 * const net = new Sequential(new Conv2d(1, 2, 3), new Activation('relu'), new Conv2d(2, 2, 3));
 * pytorchNames(net).get('layers.2.weight'); // '2.weight'
 */
export function pytorchNames(model: AnyModule): Map<string, string> {
  const modules = model.modules();
  const out = new Map<string, string>();
  for (const key of stateDict(model).keys()) {
    const kept: string[] = [];
    let path = '';
    for (const part of key.split('.')) {
      if (!(part === 'layers' && modules.get(path) instanceof Sequential)) kept.push(part);
      path = path === '' ? part : `${path}.${part}`;
    }
    if (kept.length !== key.split('.').length) out.set(key, kept.join('.'));
  }
  return out;
}

/** `dict` with PyTorch's names turned into ours; a key given under both names is an error. */
function ourNames(op: string, model: AnyModule, dict: OrderedMap<string, Tensor>, source: string): OrderedMap<string, Tensor> {
  const torch = pytorchNames(model);
  if (torch.size === 0) return dict;
  const ours = new Map([...torch].map(([k, v]) => [v, k]));
  const out: [string, Tensor][] = [];
  const seen = new Map<string, string>();
  for (const [k, t] of dict) {
    const name = torch.has(k) ? k : (ours.get(k) ?? k);
    const twice = seen.get(name);
    if (twice !== undefined) throw new SerializationError(op, `is given twice, under our name and as PyTorch's '${torch.get(name)}'${source ? ` (in ${source})` : ''}`, name);
    seen.set(name, k);
    out.push([name, t]);
  }
  return OrderedMap(out);
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
  /**
   * The keys to write: ours (`'tapegrad'`, the default: `layers.0.weight`) or PyTorch's (`'pytorch'`:
   * `0.weight`, see `pytorchNames`), so that PyTorch's `load_state_dict` takes the file as it is. For a
   * model; a map of tensors is written under its own keys.
   */
  names?: 'tapegrad' | 'pytorch';
}

/**
 * A model's parameters (or any named tensors) as the bytes of a safetensors file, with PyTorch's
 * `{ format: 'pt' }` metadata plus `options.metadata`: the bytes `save` of `@tapegrad/nn/node` writes.
 *
 * @example
 * const bytes = saveBytes(model, { metadata: { epochs: '100' } });
 * loadStateDict(otherModel, loadBytes(bytes));
 */
export function saveBytes(model: AnyModule | OrderedMap<string, Tensor>, options: SaveOptions = {}): Uint8Array {
  if (options.names !== undefined && options.names !== 'tapegrad' && options.names !== 'pytorch') {
    throw new SerializationError('saveBytes', `option 'names' must be 'tapegrad' or 'pytorch', got ${describeValue(options.names)}`);
  }
  if (OrderedMap.isOrderedMap(model)) return encodeSafetensors(model as OrderedMap<string, Tensor>, { format: 'pt', ...options.metadata });
  const m = model as AnyModule;
  const rename = options.names === 'pytorch' ? pytorchNames(m) : new Map<string, string>();
  const key = (k: string) => rename.get(k) ?? k;
  const int64 = m.int64Buffers().map(key); // integer buffers, written as PyTorch writes them
  return encodeSafetensors(stateDict(m).mapKeys(key), { format: 'pt', ...options.metadata }, { int64 });
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
