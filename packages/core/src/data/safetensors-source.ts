import type { OpenActivationsOptions } from './activation-source.js';
import { closeOnError } from './close-on-error.js';
import { openFileReader } from './file-byte-reader.js';
import { parseSafetensorsActivations } from './safetensors-format.js';
import type { StridedFileMatrix } from './strided-file-matrix.js';

/** Open one tensor of a safetensors file (the only one, or the one named by `key`) for row reads. */
export async function openSafetensorsActivations(file: string, options: OpenActivationsOptions = {}): Promise<StridedFileMatrix> {
  const reader = await openFileReader(file);
  return closeOnError(reader, () => parseSafetensorsActivations(reader, options));
}
