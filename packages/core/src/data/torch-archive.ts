import { unzipSync } from 'fflate';
import { FileFormatError } from '../errors.js';
import { bytesReader, type ByteReader } from './byte-reader.js';

/** The entries of a torch.save zip archive, however they are stored. */
export interface TorchArchive {
  readonly names: readonly string[];
  /** An entry's size in bytes, uncompressed. */
  entrySize(name: string): number;
  /** The reader that holds an entry's bytes and where in it they start. */
  locate(name: string): Promise<{ reader: ByteReader; offset: number }>;
}

/** A torch.save archive held in memory (a file dropped on a web page), unpacked with fflate. */
export function memoryTorchArchive(name: string, bytes: Uint8Array): TorchArchive {
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(bytes);
  } catch (error) {
    throw new FileFormatError(name, `is not a readable zip archive: ${(error as Error).message}`, {
      cause: error,
      hint: 'PyTorch ≥ 1.6 saves .pt files as zip archives; a truncated copy also fails here',
    });
  }
  return {
    names: Object.keys(entries),
    entrySize: (entry) => entries[entry]!.length,
    locate: (entry) => Promise.resolve({ reader: bytesReader(name, entries[entry]!), offset: 0 }),
  };
}
