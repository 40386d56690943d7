import type { ByteReader } from './byte-reader.js';

/** Run a parser over an open reader; when it fails, close the reader before passing the error on. */
export async function closeOnError<T>(reader: ByteReader, parse: () => Promise<T>): Promise<T> {
  try {
    return await parse();
  } catch (error) {
    await reader.close();
    throw error;
  }
}
