import { writeFileAtomic } from './atomic-write.js';

/** Write a little-endian float32 C-order .npy file (format 1.0), atomically. */
export async function writeNpy(path: string, data: Float32Array, shape: readonly number[]): Promise<void> {
  const dims = shape.length === 1 ? `${shape[0]},` : shape.join(', ');
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${dims}), }`;
  // Pad so that the data starts at a multiple of 64 bytes; the header ends with a newline.
  header = header.padEnd(Math.ceil((10 + header.length + 1) / 64) * 64 - 10 - 1, ' ') + '\n';
  const prefix = Buffer.alloc(10);
  prefix.write('\x93NUMPY', 0, 'latin1');
  prefix[6] = 1;
  prefix[7] = 0;
  prefix.writeUInt16LE(header.length, 8);
  await writeFileAtomic(path, [prefix, Buffer.from(header, 'latin1'), new Uint8Array(data.buffer, data.byteOffset, data.byteLength)]);
}
