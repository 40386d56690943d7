import { describe, expect, it } from 'vitest';
import { encodeSafetensors, parseSafetensors, readSafetensorsFloat32, readSafetensorsFloat64, safetensorsHeaderLength, tensorBytesToFloat32 } from './safetensors.js';

/** A file with this header object (JSON) and `dataBytes` bytes of data after it. */
function file(header: unknown, dataBytes = 16): Uint8Array {
  const json = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + dataBytes);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  return out;
}
const t = (extra: Record<string, unknown>) => ({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8], ...extra } });
const bad = (bytes: Uint8Array) => () => parseSafetensors(bytes, 'f.safetensors');

describe('safetensors: every malformed header is a FileFormatError naming the problem (never wrong numbers)', () => {
  it('accepts a well-formed header, its metadata, and a tensor ending exactly at the end of the data', () => {
    const h = parseSafetensors(file({ __metadata__: { k: 'v' }, ...t({ data_offsets: [8, 16] }) }), 'ok');
    expect(h.metadata).toEqual({ k: 'v' });
    expect(h.tensors.get('a')).toEqual({ dtype: 'F32', shape: [2], begin: 8, end: 16 });
    expect(parseSafetensors(file({ z: { dtype: 'F32', shape: [0], data_offsets: [0, 0] } }), 'empty').tensors.get('z')!.shape).toEqual([0]);
  });

  it('rejects files too short for the length field, and lengths past the end or over 100 MB', () => {
    expect(() => safetensorsHeaderLength(new Uint8Array(8), 'f', 7)).toThrow(/is 7 bytes, too short for a safetensors file/);
    expect(() => safetensorsHeaderLength(new Uint8Array(7), 'f', 100)).toThrow(/too short/);
    expect(safetensorsHeaderLength(Uint8Array.of(2, 0, 0, 0, 0, 0, 0, 0), 'f', 10)).toBe(2); // exactly fits
    expect(() => safetensorsHeaderLength(Uint8Array.of(3, 0, 0, 0, 0, 0, 0, 0), 'f', 10)).toThrow(/declares a 3-byte header but the file has 10 bytes/);
    const huge = new Uint8Array(8);
    new DataView(huge.buffer).setBigUint64(0, 100_000_001n, true);
    expect(() => safetensorsHeaderLength(huge, 'f', 200_000_000)).toThrow(/declares a 100000001-byte header/);
    new DataView(huge.buffer).setBigUint64(0, 100_000_000n, true);
    expect(safetensorsHeaderLength(huge, 'f', 200_000_000)).toBe(100_000_000);
  });

  it('rejects JSON that is invalid or not an object', () => {
    expect(bad(file('{nope'))).toThrow(/not valid JSON/);
    for (const h of ['[]', 'null', '3', '"x"']) expect(bad(file(h)), h).toThrow(/safetensors header is not a JSON object/);
  });

  it('rejects a tensor with an unknown dtype, a bad shape, bad offsets, or data past the end', () => {
    expect(bad(file(t({ dtype: 'F99' })))).toThrow(/tensor 'a' has unsupported dtype F99/);
    expect(bad(file(t({ dtype: 7 })))).toThrow(/unsupported dtype 7/);
    expect(bad(file(t({ dtype: 'toString' })))).toThrow(/unsupported dtype toString/);
    for (const shape of ['2', [2.5], [-1], [2, 'x']]) expect(bad(file(t({ shape }))), JSON.stringify(shape)).toThrow(/tensor 'a' has an invalid shape/);
    for (const offsets of [undefined, [0], [0, 8, 9], 'x']) expect(bad(file(t({ data_offsets: offsets }))), JSON.stringify(offsets)).toThrow(/tensor 'a' has no valid data_offsets/);
    for (const offsets of [[0, 4], [0.5, 8.5], [-8, 0], [0, 9]]) {
      expect(bad(file(t({ data_offsets: offsets }))), JSON.stringify(offsets)).toThrow(/tensor 'a': data_offsets \[.*\] do not match F32 shape \[2\]/);
    }
    expect(bad(file(t({ data_offsets: [12, 20] })))).toThrow(/tensor 'a' ends at byte 20 of the data section, which has only 16 bytes/);
  });
});

describe('safetensors: reading tensors', () => {
  const bytes = () => {
    const parts = encodeSafetensors(new Map<string, { shape: number[]; data: Float32Array | Float64Array }>([
      ['f64', { shape: [2], data: Float64Array.of(1 + 2 ** -40, -3) }],
      ['f32', { shape: [3], data: Float32Array.of(1.5, -2, 4) }],
    ]));
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  };

  it('reads F64 exactly and refuses a missing or non-F64 tensor', () => {
    const b = bytes();
    const h = parseSafetensors(b, 'x');
    expect(Array.from(readSafetensorsFloat64(b, h, 'f64', 'x'))).toEqual([1 + 2 ** -40, -3]);
    expect(() => readSafetensorsFloat64(b, h, 'f32', 'x')).toThrow(/x: has no F64 tensor named 'f32'|has no F64 tensor named 'f32'/);
    expect(() => readSafetensorsFloat64(b, h, 'nope', 'x')).toThrow(/has no F64 tensor named 'nope'/);
    expect(Array.from(readSafetensorsFloat32(b, h, 'f32', 'x'))).toEqual([1.5, -2, 4]);
    expect(Array.from(readSafetensorsFloat32(b, h, 'f64', 'x'))).toEqual([1, -3]);
    expect(() => readSafetensorsFloat32(b, h, 'nope', 'x')).toThrow(/has no tensor named 'nope' \(it has: f32, f64\)/);
  });

  it('writes no __metadata__ without metadata, and names F32/F64 by their arrays', () => {
    const h = parseSafetensors(bytes(), 'x');
    expect(h.metadata).toEqual({});
    const json = new TextDecoder().decode(encodeSafetensors(new Map([['a', { shape: [1], data: Float32Array.of(1) }]]))[1]!);
    expect(json).not.toContain('__metadata__');
    expect(JSON.parse(json).a.dtype).toBe('F32');
  });

  it('decodes half floats by dtype and refuses integer tensors as floats', () => {
    const one = Uint8Array.of(0x00, 0x3c); // float16 1.0
    expect(Array.from(tensorBytesToFloat32(one, 'F16', 'x', 'h'))).toEqual([1]);
    expect(Array.from(tensorBytesToFloat32(Uint8Array.of(0x80, 0x3f), 'BF16', 'x', 'b'))).toEqual([1]); // bfloat16 1.0
    expect(Array.from(tensorBytesToFloat32(Uint8Array.of(0x00, 0x3c), 'BF16', 'x', 'b'))).not.toEqual([1]);
    for (const dtype of ['I32', 'U8', 'BOOL', 'I64'] as const) expect(() => tensorBytesToFloat32(new Uint8Array(8), dtype, 'x', 'i')).toThrow(new RegExp(`tensor 'i' is ${dtype}; a float tensor`));
  });
});
