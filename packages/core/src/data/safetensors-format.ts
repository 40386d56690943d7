import { FileFormatError } from '../errors.js';
import { parseSafetensorsHeader, safetensorsHeaderLength, type SafetensorsDType } from '../io/safetensors.js';
import type { OpenActivationsOptions, StoredFloatDType } from './activation-source.js';
import type { ByteReader } from './byte-reader.js';
import { contiguousStrides, toMatrixView } from './matrix-shape.js';
import { StridedFileMatrix } from './strided-file-matrix.js';

const FLOAT_DTYPES: Partial<Record<SafetensorsDType, StoredFloatDType>> = { F32: 'float32', F16: 'float16', BF16: 'bfloat16', F64: 'float64' };

/**
 * Read a safetensors header and map the rows of one tensor: the one named by `key`, else the only
 * one, else the one named `activations` (as `deeplens extract` writes beside tokens, doc and pos).
 */
export async function parseSafetensorsActivations(reader: ByteReader, options: OpenActivationsOptions = {}): Promise<StridedFileMatrix> {
  const { name: file, size } = reader;
  const first8 = await reader.read(0, Math.min(8, size));
  const n = safetensorsHeaderLength(first8, file, size);
  const json = await reader.read(8, n);
  const header = parseSafetensorsHeader(json, file, size - 8 - n);
  const names = [...header.tensors.keys()];
  const name = options.key ?? (names.length === 1 ? names[0] : names.includes('activations') ? 'activations' : undefined);
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
  return StridedFileMatrix.create(`${file}:${name}`, reader, { byteOffset: header.dataStart + entry.begin, dtype, ...view });
}
