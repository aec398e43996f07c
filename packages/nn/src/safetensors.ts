import { OrderedMap } from 'immutable';
import { Tensor, TapegradError, fmtShape, isTensor } from '@tapegrad/core';
import { describeValue } from './check.js';

/**
 * The safetensors format (huggingface/safetensors), so weights move to and from PyTorch:
 *
 *     [8 bytes]  N, the header length, as a little-endian u64
 *     [N bytes]  a UTF-8 JSON object {"name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]},
 *                ..., "__metadata__": {"key": "string value"}}, padded with spaces to a multiple of 8
 *     [rest]     the tensors' raw little-endian bytes; data_offsets are [begin, end) within this section
 *
 * The reader validates what the reference implementation validates: the header fits in the file, is a
 * JSON object of well-formed entries, and the entries tile the data section exactly (no gap, no
 * overlap, nothing out of bounds), each with exactly prod(shape) · itemsize bytes.
 *
 * Tensors here are float32 or float64. I64 entries — PyTorch's integer buffers, such as BatchNorm's
 * `num_batches_tracked` — are read into float64 tensors (exact up to 2⁵³, larger values are refused)
 * and written for the names the writer is told are integers. Other dtypes (F16, BF16, I32, …) are refused.
 */

/**
 * A file or buffer that is not valid safetensors, or does not fit the model it is loaded into.
 *
 * @example
 * try {
 *   loadInto(model, 'other.safetensors');
 * } catch (e) {
 *   if (e instanceof SerializationError) console.error(e.key, e.message); // 'layers.0.W', '... has [5, 3] but the model has [4, 3] ...'
 * }
 */
export class SerializationError extends TapegradError {
  /** The tensor name the problem is about, when there is one. */
  readonly key: string | undefined;
  constructor(op: string, message: string, key?: string) {
    super(op, key === undefined ? message : `key '${key}': ${message}`);
    this.name = 'SerializationError';
    this.key = key;
  }
}

const ITEMSIZE = { F32: 4, F64: 8, I64: 8 } as const;
type StDType = keyof typeof ITEMSIZE;

/**
 * The reference implementation refuses headers over 100 MB; so do we, when reading (a corrupt length is
 * usually huge) and when writing (so a file we write can be read back).
 */
export const MAX_HEADER = 100_000_000;
/** The most bytes a file may have: what one Uint8Array holds (2³² in Node 20; more in later engines is not assumed). */
export const MAX_BYTES = 2 ** 32;
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The bytes of a typed array in little-endian order. */
function leBytes(data: Float32Array | Float64Array): Uint8Array {
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (LITTLE_ENDIAN) return bytes;
  const out = new Uint8Array(bytes.length); // big-endian host: reverse each element's bytes
  const w = data.BYTES_PER_ELEMENT;
  for (let i = 0; i < bytes.length; i += w) for (let k = 0; k < w; k++) out[i + k] = bytes[i + w - 1 - k];
  return out;
}

/**
 * Options of `encodeSafetensors`.
 *
 * @example
 * const bytes = encodeSafetensors([['steps', tensor(3)]], undefined, { int64: ['steps'] });
 * decodeSafetensors(bytes).get('steps')!.item(); // 3, read back as a float64 tensor
 */
export interface EncodeOptions {
  /** Names of tensors to write as I64 (each value must be an integer within ±2⁵³), as PyTorch writes an int64 buffer. */
  int64?: Iterable<string>;
}

/**
 * Serializes named tensors (float32 → F32, float64 → F64, or I64 for the names in `options.int64`)
 * with optional string metadata, in the map's order.
 *
 * @example
 * const bytes = encodeSafetensors(OrderedMap({ W: tensor([[1, 2]]) }), { format: 'pt' });
 * decodeSafetensors(bytes).get('W')!.toArray(); // [[1, 2]]
 */
export function encodeSafetensors(
  tensors: OrderedMap<string, Tensor> | Iterable<readonly [string, Tensor]>,
  metadata?: Readonly<Record<string, string>>,
  options: EncodeOptions = {},
): Uint8Array {
  const op = 'encodeSafetensors';
  const int64 = new Set(options.int64 ?? []);
  // no prototype, so a tensor named 'constructor' or '__proto__' is an entry like any other
  const header: Record<string, unknown> = Object.create(null);
  if (metadata !== undefined) {
    if (metadata === null || typeof metadata !== 'object') throw new SerializationError(op, `metadata must be an object of strings, got ${metadata === null ? 'null' : typeof metadata}`);
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') throw new SerializationError(op, `metadata '${k}' must be a string, got ${typeof v}`);
    }
    header.__metadata__ = metadata;
  }
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const [name, t] of tensors as Iterable<readonly [string, Tensor]>) {
    if (typeof name !== 'string') throw new SerializationError(op, `tensor names must be strings, got ${typeof name} ${String(name)}`);
    if (!isTensor(t)) throw new SerializationError(op, `expected a Tensor, got ${describeValue(t)}`, name);
    if (name === '__metadata__' || Object.hasOwn(header, name)) throw new SerializationError(op, name === '__metadata__' ? 'the name is reserved' : 'the name is given twice', name);
    const bytes = int64.has(name) ? int64Bytes(op, name, t.data) : leBytes(t.data);
    const dtype = int64.has(name) ? 'I64' : t.dtype === 'float64' ? 'F64' : 'F32';
    header[name] = { dtype, shape: [...t.shape], data_offsets: [offset, offset + bytes.length] };
    chunks.push(bytes);
    offset += bytes.length;
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8; // spaces keep the data section 8-byte aligned
  // the reader's limits, checked here too, so nothing is written that could not be read back
  if (padded > MAX_HEADER) throw new SerializationError(op, `the header would be ${padded} bytes, over the ${MAX_HEADER}-byte limit readers enforce (too many tensors, or very long names or metadata)`);
  if (8 + padded + offset > MAX_BYTES) throw new SerializationError(op, `the file would be ${8 + padded + offset} bytes, over the ${MAX_BYTES} bytes one array can hold here`);
  if (padded !== json.length) {
    const p = new Uint8Array(padded).fill(0x20);
    p.set(json);
    json = p;
  }
  const out = new Uint8Array(8 + json.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let at = 8 + json.length;
  for (const c of chunks) (out.set(c, at), (at += c.length));
  return out;
}

/** The values of an integer tensor as little-endian int64 bytes; a value that is not a safe integer is refused. */
function int64Bytes(op: string, name: string, data: Float32Array | Float64Array): Uint8Array {
  const out = new Uint8Array(8 * data.length);
  const view = new DataView(out.buffer);
  data.forEach((v, i) => {
    if (!Number.isSafeInteger(v)) throw new SerializationError(op, `is written as I64 but holds ${v}, not an integer within ±2⁵³`, name);
    view.setBigInt64(8 * i, BigInt(v), true);
  });
  return out;
}

/** int64 little-endian bytes as float64 values; beyond ±2⁵³ a float64 would round, so that is an error. */
function fromInt64(raw: Uint8Array, fail: (message: string) => Error): Float64Array {
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const out = new Float64Array(raw.length / 8);
  for (let i = 0; i < out.length; i++) {
    const v = view.getBigInt64(8 * i, true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < -BigInt(Number.MAX_SAFE_INTEGER)) throw fail(`I64 value ${v} at index ${i} is beyond ±2⁵³, so a float64 tensor cannot hold it exactly`);
    out[i] = Number(v);
  }
  return out;
}

interface Entry {
  name: string;
  dtype: StDType;
  shape: number[];
  begin: number;
  end: number;
}

const isNatural = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/** Parses and checks the header; returns the entries sorted by offset, the metadata and the data start. */
function readHeader(op: string, bytes: Uint8Array, source: string): { entries: Entry[]; metadata: Record<string, string>; dataStart: number } {
  const where = source ? ` (in ${source})` : '';
  const fail = (message: string, key?: string) => new SerializationError(op, message + where, key);
  if (!(bytes instanceof Uint8Array)) throw fail(`expected a Uint8Array, got ${bytes === null ? 'null' : typeof bytes}`);
  if (bytes.length < 8) throw fail(`file is ${bytes.length} bytes, too short for the 8-byte header length`);
  const n = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(0, true);
  if (n > BigInt(bytes.length - 8)) throw fail(`header length ${n} is beyond the file size (${bytes.length} bytes, so at most ${bytes.length - 8}): the file is truncated or not safetensors`);
  if (n > BigInt(MAX_HEADER)) throw fail(`header length ${n} exceeds the ${MAX_HEADER}-byte limit`);
  const headerLength = Number(n);
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLength)));
  } catch (e) {
    throw fail(`header is not valid UTF-8 JSON: ${(e as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw fail('header must be a JSON object');
  const dataStart = 8 + headerLength;
  const dataLength = bytes.length - dataStart;
  const metadata: Record<string, string> = {};
  const entries: Entry[] = [];
  for (const [name, raw] of Object.entries(parsed as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw fail('__metadata__ must be an object of strings');
      for (const [k, v] of Object.entries(raw)) {
        if (typeof v !== 'string') throw fail(`__metadata__ '${k}' must be a string, got ${JSON.stringify(v)}`);
        Object.defineProperty(metadata, k, { value: v, enumerable: true, writable: true, configurable: true }); // '__proto__' too
      }
      continue;
    }
    const info = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown } | null;
    if (info === null || typeof info !== 'object') throw fail('entry must be an object with dtype, shape and data_offsets', name);
    if (typeof info.dtype !== 'string' || !Object.hasOwn(ITEMSIZE, info.dtype)) {
      throw fail(`unsupported dtype ${JSON.stringify(info.dtype)} (supported: F32, F64, and I64 read as float64)`, name);
    }
    if (!Array.isArray(info.shape) || !info.shape.every(isNatural)) throw fail(`shape ${JSON.stringify(info.shape)} is not a list of non-negative integers`, name);
    const offsets = info.data_offsets;
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isNatural) || offsets[0] > offsets[1]) {
      throw fail(`data_offsets ${JSON.stringify(offsets)} is not a pair [begin, end] with 0 ≤ begin ≤ end`, name);
    }
    const [begin, end] = offsets as [number, number];
    if (end > dataLength) throw fail(`data_offsets [${begin}, ${end}] are out of bounds: the data section has ${dataLength} bytes`, name);
    const dtype = info.dtype as StDType;
    const shape = info.shape as number[];
    const expected = shape.reduce((a, d) => a * d, 1) * ITEMSIZE[dtype];
    if (end - begin !== expected) {
      throw fail(`has ${end - begin} bytes of data but shape ${fmtShape(shape)} of ${dtype} needs ${expected}`, name);
    }
    entries.push({ name, dtype, shape, begin, end });
  }
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  for (const e of entries) {
    if (e.begin < covered) {
      const other = entries.find((o) => o !== e && o.begin < e.end && e.begin < o.end && o.end > o.begin);
      throw fail(`data_offsets [${e.begin}, ${e.end}] overlap${other ? ` those of '${other.name}' [${other.begin}, ${other.end}]` : ' another entry'}`, e.name);
    }
    if (e.begin > covered) throw fail(`data_offsets [${e.begin}, ${e.end}] leave bytes ${covered}..${e.begin} of the data section unused`, e.name);
    covered = e.end;
  }
  if (covered !== dataLength) throw fail(`the tensors cover ${covered} bytes but the data section has ${dataLength}: the file has trailing data or is corrupt`);
  return { entries, metadata, dataStart };
}

/**
 * Parses safetensors bytes into named tensors (in the order of their data), bit-exact. F32 and F64
 * tensors are read as they are, I64 ones (PyTorch's integer buffers) into float64 tensors; anything
 * malformed raises a `SerializationError` saying what is wrong.
 *
 * @example
 * const weights = decodeSafetensors(readFileSync('model.safetensors'));
 * weights.get('layers.0.W')!.shape; // [32, 64]
 */
export function decodeSafetensors(bytes: Uint8Array): OrderedMap<string, Tensor> {
  return decodeAs('decodeSafetensors', bytes, '');
}

/** @internal `decodeSafetensors` whose errors carry the caller's op name and the file they came from. */
export function decodeAs(op: string, bytes: Uint8Array, source: string): OrderedMap<string, Tensor> {
  const { entries, dataStart } = readHeader(op, bytes, source);
  return OrderedMap(
    entries.map((e): [string, Tensor] => {
      // copy into a fresh, aligned buffer (offsets need not be multiples of the item size; and a Node
      // Buffer's slice() is a view into a shared pool, so copy explicitly)
      const raw = new Uint8Array(bytes.subarray(dataStart + e.begin, dataStart + e.end));
      if (e.dtype === 'I64') return [e.name, new Tensor(fromInt64(raw, (m) => new SerializationError(op, m + (source ? ` (in ${source})` : ''), e.name)), e.shape)];
      if (!LITTLE_ENDIAN) {
        const w = ITEMSIZE[e.dtype];
        for (let i = 0; i < raw.length; i += w) raw.subarray(i, i + w).reverse();
      }
      const data = e.dtype === 'F64' ? new Float64Array(raw.buffer) : new Float32Array(raw.buffer);
      return [e.name, new Tensor(data, e.shape)]; // wraps the bytes as they are: NaN payloads survive
    }),
  );
}

/**
 * The `__metadata__` of safetensors bytes (string keys and values; empty when there is none).
 *
 * @example
 * safetensorsMetadata(encodeSafetensors(OrderedMap(), { format: 'pt' })); // { format: 'pt' }
 */
export function safetensorsMetadata(bytes: Uint8Array): Record<string, string> {
  return readHeader('safetensorsMetadata', bytes, '').metadata;
}
