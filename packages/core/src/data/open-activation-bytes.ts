import type { ActivationSource, OpenActivationsOptions } from './activation-source.js';
import { sniffActivationFormat } from './activation-format.js';
import { bytesReader } from './byte-reader.js';
import { parseNpy } from './npy-format.js';
import { parsePt } from './pt-format.js';
import { parseSafetensorsActivations } from './safetensors-format.js';
import { memoryTorchArchive } from './torch-archive.js';

/**
 * Open activations held in memory — a `.npy`, `.safetensors` or torch.save `.pt` file a user dropped
 * on a web page — with the same parsers, checks and errors as files on disk. The format comes from
 * the first bytes; `name` is what error messages call the file.
 */
export async function openActivationBytes(name: string, bytes: Uint8Array, options: OpenActivationsOptions = {}): Promise<ActivationSource> {
  const reader = bytesReader(name, bytes);
  switch (sniffActivationFormat(name, bytes.subarray(0, 8), bytes.length)) {
    case 'npy':
      return parseNpy(reader, options);
    case 'safetensors':
      return parseSafetensorsActivations(reader, options);
    case 'pt':
      // The sniff returned 'pt' for a zip's magic bytes: the archive is unpacked in memory.
      return parsePt(name, memoryTorchArchive(name, bytes), options);
  }
}
