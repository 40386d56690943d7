import { FileFormatError } from '../errors.js';
import type { OpenActivationsOptions, StoredFloatDType } from './activation-source.js';
import { latin1, le, type ByteReader } from './byte-reader.js';
import { contiguousStrides, fortranStrides, toMatrixView } from './matrix-shape.js';
import { StridedFileMatrix } from './strided-file-matrix.js';

const NPY_DTYPES: Readonly<Record<string, StoredFloatDType>> = { '<f4': 'float32', '<f2': 'float16', '<f8': 'float64' };

/** Read a NumPy .npy header (format 1.0–3.0; little-endian float32/float16/float64; C or Fortran order) and map its rows. */
export async function parseNpy(reader: ByteReader, options: OpenActivationsOptions = {}): Promise<StridedFileMatrix> {
  const file = reader.name;
  const head = await reader.read(0, Math.min(reader.size, 12));
  if (head.length < 10 || latin1(head, 0, 6) !== '\x93NUMPY') {
    throw new FileFormatError(file, 'is not a NumPy .npy file (bad magic bytes)');
  }
  const major = head[6]!;
  if (major !== 1 && head.length < 12) throw new FileFormatError(file, 'is truncated inside its .npy header');
  const headerLen = major === 1 ? le.u16(head, 8) : le.u32(head, 8);
  const prefix = major === 1 ? 10 : 12;
  if (prefix + headerLen > reader.size) throw new FileFormatError(file, 'is truncated inside its .npy header');
  const headerBytes = await reader.read(prefix, headerLen);
  const header = major === 3 ? new TextDecoder().decode(headerBytes) : latin1(headerBytes);
  const descr = /'descr'\s*:\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || !fortran || shapeText === undefined) throw new FileFormatError(file, `has an unreadable .npy header: ${header.trim()}`);
  const dtype = NPY_DTYPES[descr];
  if (!dtype) {
    throw new FileFormatError(file, `has dtype '${descr}'; supported: little-endian float32 ('<f4'), float16 ('<f2'), float64 ('<f8')`, {
      hint: "convert with np.save(path, x.astype('<f4'))",
    });
  }
  const shape = shapeText.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  const strides = fortran === 'True' ? fortranStrides(shape) : contiguousStrides(shape);
  const view = toMatrixView(file, shape, strides, options.flatten ?? false);
  return StridedFileMatrix.create(file, reader, { byteOffset: prefix + headerLen, dtype, ...view });
}
