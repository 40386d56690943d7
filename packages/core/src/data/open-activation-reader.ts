import type { ActivationSource, OpenActivationsOptions } from './activation-source.js';
import { sniffActivationFormat, type ActivationFileFormat } from './activation-format.js';
import type { ByteReader } from './byte-reader.js';
import { closeOnError } from './close-on-error.js';
import { parseNpy } from './npy-format.js';
import { checkZipMagic, parsePt } from './pt-format.js';
import { parseSafetensorsActivations } from './safetensors-format.js';
import { fileTorchArchive } from './torch-zip.js';

/**
 * Open one activation file through any ByteReader (a disk file, an object in a bucket, ...), with the
 * same format detection, parsers, checks and errors as `openActivationFile`. The reader is closed
 * when parsing fails, and by the source's `close()` otherwise.
 */
export async function openActivationReader(reader: ByteReader, options: OpenActivationsOptions = {}): Promise<ActivationSource> {
  const format = await closeOnError(reader, async () => sniffActivationFormat(reader.name, await reader.read(0, Math.min(8, reader.size)), reader.size));
  return parseActivationReader(reader, format, options);
}

/** Parse an open reader whose format is known; the reader is closed when parsing fails. */
export function parseActivationReader(reader: ByteReader, format: ActivationFileFormat, options: OpenActivationsOptions = {}): Promise<ActivationSource> {
  return closeOnError(reader, async () => {
    switch (format) {
      case 'npy':
        return parseNpy(reader, options);
      case 'safetensors':
        return parseSafetensorsActivations(reader, options);
      case 'pt':
        await checkZipMagic(reader);
        return parsePt(reader.name, await fileTorchArchive(reader), options);
    }
  });
}
