import { describe, expect, it } from 'vitest';
import { OrderedMap } from 'immutable';
import { TapegradError, Tensor, tensor } from '@tapegrad/core';
import { decodeSafetensors, encodeSafetensors, safetensorsMetadata, SerializationError } from '@tapegrad/nn';

/** A safetensors file assembled by hand: u64 LE header length, the header text, then the data. */
function build(header: string | object, data: Uint8Array | number[] = []): Uint8Array {
  const json = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

const f64Bytes = (...xs: number[]) => new Uint8Array(new Float64Array(xs).buffer);
const bytesOf = (t: Tensor) => Array.from(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));

describe('encodeSafetensors writes the format byte for byte', () => {
  it('u64 little-endian header length, JSON header padded with spaces to 8 bytes, little-endian data', () => {
    const bytes = encodeSafetensors(OrderedMap({ a: tensor([1.5]) }));
    const json = '{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}'; // 54 bytes → padded to 56
    expect(json.length).toBe(54);
    expect(Array.from(bytes.subarray(0, 8))).toEqual([56, 0, 0, 0, 0, 0, 0, 0]);
    expect(new TextDecoder().decode(bytes.subarray(8, 64))).toBe(json + '  ');
    expect(Array.from(bytes.subarray(64))).toEqual([0x00, 0x00, 0xc0, 0x3f]); // 1.5f = 0x3FC00000
    expect(bytes.length).toBe(68);
  });

  it('writes offsets contiguously in the map order, with metadata', () => {
    const bytes = encodeSafetensors(OrderedMap({ W: tensor([[1, 2], [3, 4]], { dtype: 'float64' }), b: tensor([[5], [6]]) }), { format: 'pt' });
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(n % 8).toBe(0);
    expect(JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)))).toEqual({
      __metadata__: { format: 'pt' },
      W: { dtype: 'F64', shape: [2, 2], data_offsets: [0, 32] },
      b: { dtype: 'F32', shape: [2, 1], data_offsets: [32, 40] },
    });
    expect(bytes.length).toBe(8 + n + 40);
  });
});

describe('decodeSafetensors', () => {
  it('reads a hand-built file whose header order differs from its data order', () => {
    const file = build(
      { y: { dtype: 'F32', shape: [], data_offsets: [16, 20] }, x: { dtype: 'F64', shape: [2], data_offsets: [0, 16] }, __metadata__: { note: 'hi' } },
      [...f64Bytes(0.25, -3), 0, 0, 0x80, 0xbf], // -1.0f = 0xBF800000
    );
    const out = decodeSafetensors(file);
    expect([...out.keys()]).toEqual(['x', 'y']); // in data order
    expect(out.get('x')!.dtype).toBe('float64');
    expect(Array.from(out.get('x')!.data)).toEqual([0.25, -3]);
    expect(out.get('y')!.shape).toEqual([]);
    expect(out.get('y')!.item()).toBe(-1);
    expect(safetensorsMetadata(file)).toEqual({ note: 'hi' });
  });

  it('reads from a Node Buffer that is a view into a larger pool', () => {
    const file = encodeSafetensors(OrderedMap({ w: tensor([1, 2, 3], { dtype: 'float64' }) }));
    const pooled = Buffer.concat([Buffer.from([9, 9, 9]), Buffer.from(file)]).subarray(3);
    expect(Array.from(decodeSafetensors(pooled).get('w')!.data)).toEqual([1, 2, 3]);
  });
});

describe('interoperability with the reference implementation', () => {
  // Written by huggingface safetensors 0.8.0 (Python): save_file({ W: np.arange(6, dtype=float64).reshape(2, 3) / 7,
  // b: float32 [[1.5], [-2]], z: float32 [nan, -0.0, inf] }, metadata={ format: 'np' }).
  const reference = Uint8Array.from(atob(
    'yAAAAAAAAAB7Il9fbWV0YWRhdGFfXyI6eyJmb3JtYXQiOiJucCJ9LCJXIjp7ImR0eXBlIjoiRjY0Iiwic2hhcGUiOlsyLDNdLCJkYXRhX29mZnNldHMiOlswLDQ4XX0sImIiOnsiZHR5cGUiOiJGMzIiLCJzaGFwZSI6WzIsMV0sImRhdGFfb2Zmc2V0cyI6WzQ4LDU2XX0sInoiOnsiZHR5cGUiOiJGMzIiLCJzaGFwZSI6WzNdLCJkYXRhX29mZnNldHMiOls1Niw2OF19fQAAAAAAAAAAkiRJkiRJwj+SJEmSJEnSP9u2bdu2bds/kiRJkiRJ4j+3bdu2bdvmPwAAwD8AAADAAADAfwAAAIAAAIB/',
  ), (c) => c.charCodeAt(0));

  it('reads a file written by Python safetensors', () => {
    const m = decodeSafetensors(reference);
    expect([...m.keys()]).toEqual(['W', 'b', 'z']);
    expect(m.get('W')!.shape).toEqual([2, 3]);
    expect(Array.from(m.get('W')!.data)).toEqual([0, 1, 2, 3, 4, 5].map((i) => i / 7));
    expect(m.get('b')!.toArray()).toEqual([[1.5], [-2]]);
    const z = Array.from(m.get('z')!.data);
    expect([Number.isNaN(z[0]), Object.is(z[1], -0), z[2]]).toEqual([true, true, Infinity]);
    expect(safetensorsMetadata(reference)).toEqual({ format: 'np' });
  });

  it('writes the same tensors to the very same bytes', () => {
    const W = tensor([0, 1, 2, 3, 4, 5].map((i) => i / 7), { dtype: 'float64', shape: [2, 3] });
    const ours = encodeSafetensors(OrderedMap({ W, b: tensor([[1.5], [-2]]), z: tensor([NaN, -0, Infinity]) }), { format: 'np' });
    expect(Array.from(ours)).toEqual(Array.from(reference));
  });
});

describe('round trips are bit-exact', () => {
  it.each(['float32', 'float64'] as const)('%s, including NaN (with its payload), −0, ±∞ and subnormals', (dtype) => {
    const values = [0, -0, 1, -1.5, Math.PI, Infinity, -Infinity, NaN, 1e-40, 5e-324, 3.4e38, 1e-7];
    const t = tensor(values, { dtype, shape: [3, 4] });
    // a NaN with a payload: bits 0x7FC00123 (float32) / 0x7FF8000000000123 (float64)
    const view = new DataView(t.data.buffer);
    if (dtype === 'float32') view.setUint32(4, 0x7fc00123, true);
    else view.setBigUint64(8, 0x7ff8000000000123n, true);
    const u = tensor(Float64Array.from({ length: 6 }, (_, i) => Math.sin(i + 1) * 10 ** (i - 3)), { dtype });
    const back = decodeSafetensors(encodeSafetensors(OrderedMap({ t, u })));
    for (const [name, orig] of [['t', t], ['u', u]] as const) {
      const got = back.get(name)!;
      expect(got.dtype).toBe(dtype);
      expect(got.shape).toEqual(orig.shape);
      expect(bytesOf(got)).toEqual(bytesOf(orig));
      got.data.forEach((v, i) => expect(Object.is(v, orig.data[i])).toBe(true));
    }
  });

  it('empty tensors and an empty file', () => {
    const back = decodeSafetensors(encodeSafetensors(OrderedMap({ e: tensor([], { shape: [0, 3] }) })));
    expect(back.get('e')!.shape).toEqual([0, 3]);
    expect(decodeSafetensors(encodeSafetensors(OrderedMap())).size).toBe(0);
  });
});

describe('corrupt files give a SerializationError saying what is wrong', () => {
  const good = encodeSafetensors(OrderedMap({ W: tensor([[1, 2]], { dtype: 'float64' }) }));
  const cases: [string, Uint8Array, RegExp][] = [
    ['fewer than 8 bytes', new Uint8Array(5), /5 bytes, too short for the 8-byte header length/],
    ['truncated in the header', good.subarray(0, 20), /header length 64 is beyond the file size \(20 bytes, so at most 12\)/],
    ['a header length with its high bits set', (() => { const b = good.slice(); b[7] = 0x80; return b; })(), /header length \d+ is beyond the file size/],
    ['bad JSON', build('{"W": {"dtype": "F32",', []), /header is not valid UTF-8 JSON/],
    ['a header that is not an object', build('[1, 2]'), /header must be a JSON object/],
    ['an unsupported dtype', build({ W: { dtype: 'BF16', shape: [1], data_offsets: [0, 2] } }, [0, 0]), /key 'W'.*unsupported dtype "BF16" \(supported: F32, F64, and I64 read as float64\)/],
    ['a dtype named like an Object method', build({ W: { dtype: 'toString', shape: [1], data_offsets: [0, 4] } }, [0, 0, 0, 0]), /unsupported dtype "toString"/],
    ['a bad shape', build({ W: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }, [0, 0, 0, 0]), /shape \[-1\] is not a list of non-negative integers/],
    ['offsets out of bounds', build({ W: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, [0, 0, 0, 0]), /key 'W'.*data_offsets \[0, 8\] are out of bounds: the data section has 4 bytes/],
    ['reversed offsets', build({ W: { dtype: 'F32', shape: [0], data_offsets: [4, 0] } }, [0, 0, 0, 0]), /is not a pair \[begin, end\]/],
    ['overlapping offsets', build({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } }, new Array(12).fill(0)), /key 'b'.*data_offsets \[4, 12\] overlap those of 'a' \[0, 8\]/],
    ['a gap between tensors', build({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] }, b: { dtype: 'F32', shape: [1], data_offsets: [8, 12] } }, new Array(12).fill(0)), /leave bytes 4\.\.8 of the data section unused/],
    ['data length ≠ shape · itemsize', build({ W: { dtype: 'F64', shape: [2], data_offsets: [0, 8] } }, new Array(8).fill(0)), /key 'W'.*has 8 bytes of data but shape \[2\] of F64 needs 16/],
    ['trailing data', build({ W: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, new Array(8).fill(0)), /cover 4 bytes but the data section has 8/],
    ['non-string metadata', build({ __metadata__: { epochs: 3 } }), /__metadata__ 'epochs' must be a string/],
  ];
  it.each(cases)('%s', (_, bytes, message) => {
    expect(() => decodeSafetensors(bytes)).toThrow(SerializationError);
    expect(() => decodeSafetensors(bytes)).toThrow(message);
    try {
      decodeSafetensors(bytes);
    } catch (e) {
      expect(e).toBeInstanceOf(TapegradError);
      expect((e as SerializationError).op).toBe('decodeSafetensors');
    }
  });

  it('names the key in .key', () => {
    const bytes = build({ 'layers.0.W': { dtype: 'F16', shape: [1], data_offsets: [0, 2] } }, [0, 0]);
    expect(() => decodeSafetensors(bytes)).toThrow(expect.objectContaining({ key: 'layers.0.W' }));
  });
});

describe('I64, as PyTorch saves integer buffers (BatchNorm’s num_batches_tracked)', () => {
  const i64Bytes = (...xs: bigint[]) => new Uint8Array(new BigInt64Array(xs).buffer);

  it('reads I64 into float64 tensors, exactly up to ±(2⁵³ − 1)', () => {
    const max = BigInt(Number.MAX_SAFE_INTEGER);
    const t = decodeSafetensors(build({ n: { dtype: 'I64', shape: [], data_offsets: [0, 8] }, v: { dtype: 'I64', shape: [3], data_offsets: [8, 32] } }, i64Bytes(7n, -3n, max, -max)));
    expect(t.get('n')!.dtype).toBe('float64');
    expect(t.get('n')!.shape).toEqual([]);
    expect(t.get('n')!.item()).toBe(7);
    expect(t.get('v')!.toArray()).toEqual([-3, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER]);
  });

  it('refuses an I64 value a float64 cannot hold exactly, naming the key', () => {
    const bytes = build({ n: { dtype: 'I64', shape: [2], data_offsets: [0, 16] } }, i64Bytes(1n, 2n ** 53n));
    expect(() => decodeSafetensors(bytes)).toThrow(SerializationError);
    expect(() => decodeSafetensors(bytes)).toThrow("decodeSafetensors: key 'n': I64 value 9007199254740992 at index 1 is beyond ±2⁵³");
  });

  it('writes the names in options.int64 as I64, little-endian, and refuses a value that is not an integer', () => {
    const bytes = encodeSafetensors([['w', tensor([0.5])], ['n', tensor(258, { dtype: 'float64' })]], undefined, { int64: ['n'] });
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))).n).toEqual({ dtype: 'I64', shape: [], data_offsets: [4, 12] });
    expect(Array.from(bytes.subarray(8 + n + 4))).toEqual([2, 1, 0, 0, 0, 0, 0, 0]); // 258 = 0x0102
    expect(decodeSafetensors(bytes).get('n')!.item()).toBe(258);
    expect(() => encodeSafetensors([['n', tensor(2.5)]], undefined, { int64: ['n'] })).toThrow("encodeSafetensors: key 'n': is written as I64 but holds 2.5, not an integer within ±2⁵³");
  });
});
