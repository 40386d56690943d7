import type { OpenActivationsOptions } from './activation-source.js';
import { closeOnError } from './close-on-error.js';
import { openFileReader } from './file-byte-reader.js';
import { checkZipMagic, parsePt } from './pt-format.js';
import type { StridedFileMatrix } from './strided-file-matrix.js';
import { fileTorchArchive } from './torch-zip.js';

/**
 * Open a tensor saved with torch.save (the zip format of PyTorch ≥ 1.6): one 2-D float tensor, or a
 * dict of tensors with `key` naming the one to read. The zip directory is read with yauzl and the
 * tensor's rows in place, so files larger than memory work.
 */
export async function openPt(file: string, options: OpenActivationsOptions = {}): Promise<StridedFileMatrix> {
  const reader = await openFileReader(file);
  return closeOnError(reader, async () => {
    await checkZipMagic(reader);
    return parsePt(file, await fileTorchArchive(reader), options);
  });
}
