import { FileFormatError } from '../errors.js';
import { decodeHalf } from './half-float.js';

/**
 * The safetensors format: an 8-byte little-endian header length N, N bytes of JSON mapping tensor
 * names to {dtype, shape, data_offsets} (plus optional string `__metadata__`), then raw
 * little-endian data with offsets relative to its start.
 */

export type SafetensorsDType = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';

const DTYPE_BYTES: Readonly<Record<SafetensorsDType, number>> = {
  F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1,
};

/** Refuse headers over 100 MB (the reference implementation's limit): they mean a corrupt file. */
const MAX_HEADER_BYTES = 100_000_000;

export interface SafetensorsEntry {
  dtype: SafetensorsDType;
  shape: number[];
  /** Byte range within the data section. */
  begin: number;
  end: number;
}

export interface SafetensorsHeader {
  /** Absolute byte offset where the data section starts (8 + header length). */
  dataStart: number;
  tensors: Map<string, SafetensorsEntry>;
  metadata: Record<string, string>;
}

/** Length of the JSON header, from the first 8 bytes. */
export function safetensorsHeaderLength(first8: Uint8Array, file: string, fileSize: number): number {
  if (fileSize < 8 || first8.length < 8) throw new FileFormatError(file, `is ${fileSize} bytes, too short for a safetensors file`);
  const n = Number(new DataView(first8.buffer, first8.byteOffset, 8).getBigUint64(0, true));
  if (n > MAX_HEADER_BYTES || 8 + n > fileSize) {
    throw new FileFormatError(file, `declares a ${n}-byte header but the file has ${fileSize} bytes: truncated or not safetensors`);
  }
  return n;
}

/** Parse and validate the JSON header; `dataBytes` is the size of the data section. */
export function parseSafetensorsHeader(json: Uint8Array, file: string, dataBytes: number): SafetensorsHeader {
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder().decode(json));
  } catch (error) {
    throw new FileFormatError(file, 'has a safetensors header that is not valid JSON (corrupt file?)', { cause: error });
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new FileFormatError(file, 'safetensors header is not a JSON object');
  const tensors = new Map<string, SafetensorsEntry>();
  let metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw as Record<string, unknown>)) {
    if (name === '__metadata__') {
      metadata = (value ?? {}) as Record<string, string>;
      continue;
    }
    const v = value as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    const dtype = v.dtype as SafetensorsDType;
    if (!(typeof dtype === 'string' && Object.hasOwn(DTYPE_BYTES, dtype))) throw new FileFormatError(file, `tensor '${name}' has unsupported dtype ${String(v.dtype)}`);
    if (!Array.isArray(v.shape) || !v.shape.every((s) => Number.isInteger(s) && s >= 0)) throw new FileFormatError(file, `tensor '${name}' has an invalid shape`);
    const offsets = v.data_offsets;
    if (!Array.isArray(offsets) || offsets.length !== 2) throw new FileFormatError(file, `tensor '${name}' has no valid data_offsets`);
    const [begin, end] = offsets as [number, number];
    const expected = (v.shape as number[]).reduce((a, b) => a * b, 1) * DTYPE_BYTES[dtype];
    if (!(Number.isInteger(begin) && Number.isInteger(end) && begin >= 0 && end - begin === expected)) {
      throw new FileFormatError(file, `tensor '${name}': data_offsets [${begin}, ${end}] do not match ${dtype} shape [${(v.shape as number[]).join(', ')}]`);
    }
    if (end > dataBytes) {
      throw new FileFormatError(file, `tensor '${name}' ends at byte ${end} of the data section, which has only ${dataBytes} bytes: the file is truncated`);
    }
    tensors.set(name, { dtype, shape: v.shape as number[], begin, end });
  }
  return { dataStart: 8 + json.length, tensors, metadata };
}

/** Parse a whole safetensors file held in memory. */
export function parseSafetensors(bytes: Uint8Array, file: string): SafetensorsHeader {
  const n = safetensorsHeaderLength(bytes.subarray(0, 8), file, bytes.length);
  return parseSafetensorsHeader(bytes.subarray(8, 8 + n), file, bytes.length - 8 - n);
}

/** Convert raw little-endian tensor bytes to float32 (float dtypes only). */
export function tensorBytesToFloat32(raw: Uint8Array, dtype: SafetensorsDType, file: string, name: string): Float32Array {
  switch (dtype) {
    case 'F32':
      return new Float32Array(new Uint8Array(raw).buffer);
    case 'F16':
      return decodeHalf(raw, 'float16');
    case 'BF16':
      return decodeHalf(raw, 'bfloat16');
    case 'F64':
      return Float32Array.from(new Float64Array(new Uint8Array(raw).buffer));
    default:
      throw new FileFormatError(file, `tensor '${name}' is ${dtype}; a float tensor (F32, F16, BF16, F64) is needed`);
  }
}

/** float64 data of an F64 tensor (exact; for counters that float32 would round). */
export function readSafetensorsFloat64(bytes: Uint8Array, header: SafetensorsHeader, name: string, file: string): Float64Array {
  const e = header.tensors.get(name);
  if (!e || e.dtype !== 'F64') throw new FileFormatError(file, `has no F64 tensor named '${name}'`);
  return new Float64Array(new Uint8Array(bytes.subarray(header.dataStart + e.begin, header.dataStart + e.end)).buffer);
}

/** float32 data of one tensor of an in-memory file. */
export function readSafetensorsFloat32(bytes: Uint8Array, header: SafetensorsHeader, name: string, file: string): Float32Array {
  const e = header.tensors.get(name);
  if (!e) throw new FileFormatError(file, `has no tensor named '${name}' (it has: ${[...header.tensors.keys()].join(', ')})`);
  return tensorBytesToFloat32(bytes.subarray(header.dataStart + e.begin, header.dataStart + e.end), e.dtype, file, name);
}

export interface SafetensorsInput {
  shape: readonly number[];
  /** Written as F32, F64 or I32; a Uint16Array holds float16 bits and is written as F16. */
  data: Float32Array | Float64Array | Int32Array | Uint16Array;
}

function dtypeOf(data: SafetensorsInput['data']): SafetensorsDType {
  if (data instanceof Float64Array) return 'F64';
  if (data instanceof Int32Array) return 'I32';
  if (data instanceof Uint16Array) return 'F16';
  return 'F32';
}

/** Serialise tensors (names sorted, as the reference writer does). */
export function encodeSafetensors(tensors: ReadonlyMap<string, SafetensorsInput>, metadata: Record<string, string> = {}): Uint8Array[] {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header['__metadata__'] = metadata;
  const names = [...tensors.keys()].sort();
  let offset = 0;
  for (const name of names) {
    const t = tensors.get(name)!;
    const bytes = t.data.byteLength;
    header[name] = { dtype: dtypeOf(t.data), shape: [...t.shape], data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  const encoder = new TextEncoder();
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (encoder.encode(json).length % 8)) % 8);
  const jsonBytes = encoder.encode(json);
  const len = new Uint8Array(8);
  new DataView(len.buffer).setBigUint64(0, BigInt(jsonBytes.length), true);
  const parts: Uint8Array[] = [len, jsonBytes];
  for (const name of names) {
    const d = tensors.get(name)!.data;
    parts.push(new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
  }
  return parts;
}
