import { open } from 'node:fs/promises';
import { DataFileNotFoundError, FileFormatError } from '../errors.js';
import type { ByteReader } from './byte-reader.js';

/** A ByteReader over a file on disk; positions are plain numbers, so files over 4 GiB work. */
export async function openFileReader(file: string): Promise<ByteReader> {
  const handle = await open(file, 'r').catch((error: NodeJS.ErrnoException) => {
    throw new DataFileNotFoundError(`activation file ${file} cannot be opened (${error.code ?? error.message})`, { cause: error });
  });
  const { size } = await handle.stat();
  return {
    name: file,
    size,
    async read(position: number, length: number): Promise<Uint8Array> {
      const buf = Buffer.allocUnsafe(length);
      let done = 0;
      while (done < length) {
        const { bytesRead } = await handle.read(buf, done, length - done, position + done);
        if (bytesRead === 0) throw new FileFormatError(file, `ended early at byte ${position + done} (truncated while reading?)`);
        done += bytesRead;
      }
      return buf;
    },
    close: () => handle.close(),
  };
}
