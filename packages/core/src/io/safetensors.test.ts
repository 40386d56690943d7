import { describe, expect, it } from 'vitest';
import { FileFormatError } from '../errors.js';
import { encodeSafetensors, parseSafetensors, readSafetensorsFloat32 } from './safetensors.js';

const concat = (parts: Uint8Array[]) => Buffer.concat(parts.map((p) => Buffer.from(p.buffer, p.byteOffset, p.byteLength)));

describe('safetensors', () => {
  const tensors = new Map([
    ['b', { shape: [3], data: Float32Array.of(1, 2, 3) }],
    ['a', { shape: [2, 2], data: Float32Array.of(-1, 0.5, 1e-3, 7) }],
  ]);

  it('round-trips float32 tensors and metadata, with an 8-byte aligned header', () => {
    const bytes = concat(encodeSafetensors(tensors, { format: 'x' }));
    const h = parseSafetensors(bytes, 'mem');
    expect(h.dataStart % 8).toBe(0);
    expect(h.metadata).toEqual({ format: 'x' });
    expect([...h.tensors.keys()]).toEqual(['a', 'b']);
    expect(readSafetensorsFloat32(bytes, h, 'a', 'mem')).toEqual(Float32Array.of(-1, 0.5, 1e-3, 7));
    expect(readSafetensorsFloat32(bytes, h, 'b', 'mem')).toEqual(Float32Array.of(1, 2, 3));
  });

  it('pads the JSON header to a multiple of 8 bytes (not 4) with spaces, whatever its length', () => {
    for (let n = 0; n < 16; n++) {
      const parts = encodeSafetensors(tensors, { format: 'x'.repeat(n), note: 'é' });
      const len = Number(new DataView(parts[0]!.buffer).getBigUint64(0, true));
      expect(len % 8, `metadata of ${n} characters`).toBe(0);
      expect(parts[1]!.length).toBe(len);
      const json = new TextDecoder().decode(parts[1]!);
      expect(new TextEncoder().encode(json.trimEnd()).length, "at most 7 spaces of padding").toBeGreaterThan(len - 8);
      expect(JSON.parse(json).__metadata__.note).toBe('é');
    }
  });

  it('decodes F16, BF16 and F64 tensors to float32', () => {
    const header = JSON.stringify({
      h: { dtype: 'F16', shape: [2], data_offsets: [0, 4] },
      b: { dtype: 'BF16', shape: [2], data_offsets: [4, 8] },
      d: { dtype: 'F64', shape: [1], data_offsets: [8, 16] },
    });
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(header.length));
    const data = Buffer.alloc(16);
    data.writeUInt16LE(0x3c00, 0); // 1.0
    data.writeUInt16LE(0xc000, 2); // -2.0
    data.writeUInt16LE(0x3fc0, 4); // 1.5 in bfloat16
    data.writeUInt16LE(0x4049, 6); // 3.140625 in bfloat16
    data.writeDoubleLE(0.1, 8);
    const bytes = Buffer.concat([len, Buffer.from(header), data]);
    const h = parseSafetensors(bytes, 'mem');
    expect(readSafetensorsFloat32(bytes, h, 'h', 'mem')).toEqual(Float32Array.of(1, -2));
    expect(readSafetensorsFloat32(bytes, h, 'b', 'mem')).toEqual(Float32Array.of(1.5, 3.140625));
    expect(readSafetensorsFloat32(bytes, h, 'd', 'mem')).toEqual(Float32Array.of(0.1));
  });

  it('reports truncated, corrupt and mis-described files with the file name', () => {
    const good = concat(encodeSafetensors(tensors));
    expect(() => parseSafetensors(good.subarray(0, 4), 'tiny.safetensors')).toThrow(FileFormatError);
    expect(() => parseSafetensors(good.subarray(0, good.length - 4), 'cut.safetensors')).toThrow(/cut.safetensors.*truncated/);
    const garbage = Buffer.concat([good.subarray(0, 8), Buffer.from('{not json'.padEnd(Number(good.readBigUInt64LE(0)), ' ')), good.subarray(8 + Number(good.readBigUInt64LE(0)))]);
    expect(() => parseSafetensors(garbage, 'bad.safetensors')).toThrow(/bad.safetensors.*not valid JSON/);
    const huge = Buffer.alloc(16);
    huge.writeBigUInt64LE(1n << 40n);
    expect(() => parseSafetensors(huge, 'huge.safetensors')).toThrow(/header/);
    const h = parseSafetensors(good, 'ok');
    expect(() => readSafetensorsFloat32(good, h, 'zzz', 'ok')).toThrow(/no tensor named 'zzz'/);
  });
});
