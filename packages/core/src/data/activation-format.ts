import { FileFormatError } from '../errors.js';
import { latin1, le } from './byte-reader.js';

export type ActivationFileFormat = 'npy' | 'pt' | 'safetensors';

const hex = (b: Uint8Array): string => [...b].map((v) => v.toString(16).padStart(2, '0')).join('');

/** Which parser a file needs, from its first 8 bytes and its size (extensions may lie). */
export function sniffActivationFormat(file: string, head: Uint8Array, size: number): ActivationFileFormat {
  if (latin1(head, 0, 6) === '\x93NUMPY') return 'npy';
  if (latin1(head, 0, 2) === 'PK') return 'pt';
  // Pickle protocol 2 whose first object is torch's legacy magic number 0x1950a86a20f9469cfc6c (LONG1, 10 bytes).
  if (head[0] === 0x80 && head[1] === 0x02 && head[2] === 0x8a && head[3] === 0x0a && head[4] === 0x6c && head[5] === 0xfc) {
    throw new FileFormatError(file, 'is a legacy PyTorch file (torch.save before PyTorch 1.6, or with _use_new_zipfile_serialization=False); only the zip format can be read safely', {
      hint: `save it again in the zip format: python -c "import torch; torch.save(torch.load('${file}'), 'resaved.pt')" (any PyTorch ≥ 1.6)`,
    });
  }
  const n = size >= 8 && head.length >= 8 ? Number(le.u64(head, 0)) : -1;
  if (file.endsWith('.safetensors') || (n > 1 && n < size && n < 100_000_000)) return 'safetensors';
  throw new FileFormatError(file, 'is not a recognised activation file', {
    hint: `supported: PyTorch .pt (torch.save), NumPy .npy, .safetensors (${size} bytes, starts with 0x${hex(head)})`,
  });
}
