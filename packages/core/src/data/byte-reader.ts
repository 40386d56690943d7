import { FileFormatError, InvalidArgumentError } from '../errors.js';

/**
 * Random access to the bytes of one activation file, wherever they live: a file on disk
 * (`@deeplens/core/node`), a `File` a user dropped on a web page, or bytes already in memory.
 * The format parsers read headers and row ranges through it and never touch a file system.
 */
export interface ByteReader {
  /** What error messages call the file (its path or name). */
  readonly name: string;
  /** Total size in bytes. */
  readonly size: number;
  /** Exactly `length` bytes from `position`; fails when the file ends before that. */
  read(position: number, length: number): Promise<Uint8Array>;
  close(): Promise<void>;
}

/** A ByteReader over bytes in memory (for example `new Uint8Array(await file.arrayBuffer())` in a browser). */
export function bytesReader(name: string, bytes: Uint8Array): ByteReader {
  return {
    name,
    size: bytes.length,
    read(position: number, length: number): Promise<Uint8Array> {
      if (position < 0 || length < 0) return Promise.reject(new InvalidArgumentError(`${name}: cannot read ${length} bytes at byte ${position}`));
      if (position + length > bytes.length) {
        return Promise.reject(new FileFormatError(name, `ended early at byte ${bytes.length} (needed ${position + length}; truncated?)`));
      }
      return Promise.resolve(bytes.subarray(position, position + length));
    },
    close: () => Promise.resolve(),
  };
}

/** Little-endian views over header bytes, shared by the format parsers. */
export const le = {
  u16: (b: Uint8Array, at: number): number => new DataView(b.buffer, b.byteOffset, b.byteLength).getUint16(at, true),
  u32: (b: Uint8Array, at: number): number => new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(at, true),
  u64: (b: Uint8Array, at: number): bigint => new DataView(b.buffer, b.byteOffset, b.byteLength).getBigUint64(at, true),
};

/** Bytes as latin-1 text (each byte one character), for magic numbers and ASCII headers. */
export function latin1(b: Uint8Array, start = 0, end = b.length): string {
  let s = '';
  for (let i = start; i < Math.min(end, b.length); i++) s += String.fromCharCode(b[i]!);
  return s;
}
