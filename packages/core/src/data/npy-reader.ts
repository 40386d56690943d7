import { open } from 'node:fs/promises';
import { FileFormatError } from '../errors.js';
import type { OpenActivationsOptions, StoredFloatDType } from './activation-source.js';
import { contiguousStrides, fortranStrides, toMatrixView } from './matrix-shape.js';
import { StridedFileMatrix } from './strided-file-matrix.js';

const NPY_DTYPES: Readonly<Record<string, StoredFloatDType>> = { '<f4': 'float32', '<f2': 'float16', '<f8': 'float64' };

/** Open a NumPy .npy file (format 1.0–3.0; little-endian float32/float16/float64; C or Fortran order). */
export async function openNpy(file: string, options: OpenActivationsOptions = {}): Promise<StridedFileMatrix> {
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    const head = Buffer.alloc(Math.min(size, 12));
    await handle.read(head, 0, head.length, 0);
    if (head.length < 10 || head.toString('latin1', 0, 6) !== '\x93NUMPY') {
      throw new FileFormatError(file, 'is not a NumPy .npy file (bad magic bytes)');
    }
    const major = head[6]!;
    const headerLen = major === 1 ? head.readUInt16LE(8) : head.readUInt32LE(8);
    const prefix = major === 1 ? 10 : 12;
    if (prefix + headerLen > size) throw new FileFormatError(file, 'is truncated inside its .npy header');
    const headerBuf = Buffer.alloc(headerLen);
    await handle.read(headerBuf, 0, headerLen, prefix);
    const header = headerBuf.toString(major === 3 ? 'utf8' : 'latin1');
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
    return StridedFileMatrix.create(file, file, handle, { byteOffset: prefix + headerLen, dtype, ...view }, size);
  } catch (error) {
    await handle.close();
    throw error;
  }
}
