import { PassThrough, type Readable } from 'node:stream';
import yauzl from 'yauzl';
import { FileFormatError } from '../errors.js';
import { le, type ByteReader } from './byte-reader.js';
import type { TorchArchive } from './torch-archive.js';

export interface ZipEntryInfo {
  name: string;
  compressionMethod: number;
  localHeaderOffset: number;
  compressedSize: number;
  uncompressedSize: number;
}

/** yauzl's random access over a ByteReader, so the zip directory is read the same way from a disk file or a bucket. */
class ByteReaderAccess extends yauzl.RandomAccessReader {
  constructor(private readonly reader: ByteReader) {
    super();
  }

  override _readStreamForRange(start: number, end: number): Readable {
    const stream = new PassThrough();
    this.reader.read(start, end - start).then((bytes) => stream.end(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)), (error: Error) => stream.destroy(error));
    return stream;
  }
}

/** The central directory of a zip file (zip64 included), read with yauzl through the file's reader. */
export function listZipEntries(reader: ByteReader): Promise<Map<string, ZipEntryInfo>> {
  const file = reader.name;
  return new Promise((resolve, reject) => {
    const access = new ByteReaderAccess(reader);
    yauzl.fromRandomAccessReader(access, reader.size, { lazyEntries: true, autoClose: false, validateEntrySizes: true }, (err, zip) => {
      if (err || !zip) {
        reject(new FileFormatError(file, `is not a readable zip archive: ${err?.message ?? 'unknown error'}`, {
          cause: err,
          hint: 'PyTorch ≥ 1.6 saves .pt files as zip archives; a truncated copy also fails here',
        }));
        return;
      }
      const entries = new Map<string, ZipEntryInfo>();
      zip.on('entry', (e: yauzl.Entry) => {
        entries.set(e.fileName, {
          name: e.fileName,
          compressionMethod: e.compressionMethod,
          localHeaderOffset: e.relativeOffsetOfLocalHeader,
          compressedSize: e.compressedSize,
          uncompressedSize: e.uncompressedSize,
        });
        zip.readEntry();
      });
      zip.on('end', () => resolve(entries));
      zip.on('error', (e: Error) => reject(new FileFormatError(file, `zip archive is corrupt: ${e.message}`, { cause: e })));
      zip.readEntry();
    });
  });
}

/** Absolute file offset of a stored (uncompressed) entry's data, from its local header. */
async function storedEntryDataOffset(reader: ByteReader, entry: ZipEntryInfo): Promise<number> {
  const file = reader.name;
  if (entry.compressionMethod !== 0) {
    throw new FileFormatError(file, `zip entry '${entry.name}' is compressed; torch.save stores tensors uncompressed`, {
      hint: 'do not re-zip .pt files; save them again with torch.save',
    });
  }
  const header = entry.localHeaderOffset + 30 <= reader.size ? await reader.read(entry.localHeaderOffset, 30) : new Uint8Array(0);
  if (header.length < 30 || le.u32(header, 0) !== 0x04034b50) {
    throw new FileFormatError(file, `zip entry '${entry.name}' has a bad local header at byte ${entry.localHeaderOffset}`);
  }
  return entry.localHeaderOffset + 30 + le.u16(header, 26) + le.u16(header, 28);
}

/** A torch.save archive on disk: the zip directory from yauzl, entries read in place through the file's reader. */
export async function fileTorchArchive(reader: ByteReader): Promise<TorchArchive> {
  const entries = await listZipEntries(reader);
  return {
    names: [...entries.keys()],
    entrySize: (name) => entries.get(name)!.uncompressedSize,
    async locate(name) {
      return { reader, offset: await storedEntryDataOffset(reader, entries.get(name)!) };
    },
  };
}
