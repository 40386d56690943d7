import { open } from 'node:fs/promises';
import { FileFormatError } from '../errors.js';
import { parseSafetensorsHeader, safetensorsHeaderLength, type SafetensorsDType } from '../io/safetensors.js';
import type { OpenActivationsOptions, StoredFloatDType } from './activation-source.js';
import { contiguousStrides, toMatrixView } from './matrix-shape.js';
import { StridedFileMatrix } from './strided-file-matrix.js';

const FLOAT_DTYPES: Partial<Record<SafetensorsDType, StoredFloatDType>> = { F32: 'float32', F16: 'float16', BF16: 'bfloat16', F64: 'float64' };

/** Open one tensor of a safetensors file (the only one, or the one named by `key`) for row reads. */
export async function openSafetensorsActivations(file: string, options: OpenActivationsOptions = {}): Promise<StridedFileMatrix> {
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    const first8 = Buffer.alloc(Math.min(8, size));
    await handle.read(first8, 0, first8.length, 0);
    const n = safetensorsHeaderLength(first8, file, size);
    const json = Buffer.alloc(n);
    await handle.read(json, 0, n, 8);
    const header = parseSafetensorsHeader(json, file, size - 8 - n);
    const names = [...header.tensors.keys()];
    const name = options.key ?? (names.length === 1 ? names[0] : undefined);
    if (name === undefined) {
      throw new FileFormatError(file, `holds ${names.length} tensors (${names.join(', ')}); say which one holds the activations`, {
        hint: 'pass key: "<name>" (CLI: --key <name>)',
      });
    }
    const entry = header.tensors.get(name);
    if (!entry) throw new FileFormatError(file, `has no tensor '${name}' (it has: ${names.join(', ')})`);
    const dtype = FLOAT_DTYPES[entry.dtype];
    if (!dtype) throw new FileFormatError(file, `tensor '${name}' is ${entry.dtype}; activations must be F32, F16, BF16 or F64`);
    const view = toMatrixView(`${file}:${name}`, entry.shape, contiguousStrides(entry.shape), options.flatten ?? false);
    return StridedFileMatrix.create(`${file}:${name}`, file, handle, { byteOffset: header.dataStart + entry.begin, dtype, ...view }, size);
  } catch (error) {
    await handle.close();
    throw error;
  }
}
