import type { OpenActivationsOptions } from './activation-source.js';
import { openFileReader } from './file-byte-reader.js';
import { parseNpy } from './npy-format.js';
import type { StridedFileMatrix } from './strided-file-matrix.js';
import { closeOnError } from './close-on-error.js';

/** Open a NumPy .npy file (format 1.0–3.0; little-endian float32/float16/float64; C or Fortran order). */
export async function openNpy(file: string, options: OpenActivationsOptions = {}): Promise<StridedFileMatrix> {
  const reader = await openFileReader(file);
  return closeOnError(reader, () => parseNpy(reader, options));
}
