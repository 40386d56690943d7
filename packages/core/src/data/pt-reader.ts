import { open } from 'node:fs/promises';
import { FileFormatError } from '../errors.js';
import type { OpenActivationsOptions } from './activation-source.js';
import { ELEMENT_BYTES } from './element-decoding.js';
import { toMatrixView } from './matrix-shape.js';
import { StridedFileMatrix } from './strided-file-matrix.js';
import { storedEntryDataOffset, listZipEntries } from './torch-zip.js';
import { unpickleTorch, type PickleValue, type TensorRef } from './torch-pickle.js';

const isTensor = (v: PickleValue | undefined): v is TensorRef =>
  v !== null && typeof v === 'object' && 'kind' in v && v.kind === 'tensor';

/**
 * Open a tensor saved with torch.save (the zip format of PyTorch ≥ 1.6): one 2-D float tensor, or a
 * dict of tensors with `key` naming the one to read. Strided views (transposes, slices) read
 * correctly; the pickle is interpreted as data and never executed.
 */
export async function openPt(file: string, options: OpenActivationsOptions = {}): Promise<StridedFileMatrix> {
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    const magic = Buffer.alloc(2);
    await handle.read(magic, 0, 2, 0);
    if (magic.toString('latin1') !== 'PK') {
      throw new FileFormatError(file, 'is not a zip-format PyTorch file', {
        hint: 'files from torch.save in PyTorch < 1.6 (or with _use_new_zipfile_serialization=False) are not supported; load and save them again with a current PyTorch',
      });
    }
    const entries = await listZipEntries(file);
    const pkl = [...entries.keys()].filter((n) => n.endsWith('/data.pkl') || n === 'data.pkl');
    if (pkl.length !== 1) throw new FileFormatError(file, `zip archive has ${pkl.length} data.pkl records; is this a torch.save file?`);
    const prefix = pkl[0]!.slice(0, -'data.pkl'.length);
    const pklEntry = entries.get(pkl[0]!)!;
    const pklBytes = Buffer.alloc(pklEntry.uncompressedSize);
    await handle.read(pklBytes, 0, pklBytes.length, await storedEntryDataOffset(handle, file, pklEntry));
    const root = unpickleTorch(pklBytes, file);
    const tensor = pickTensor(root, file, options.key);
    const { storage } = tensor;
    if (storage.dtype.startsWith('unsupported:')) {
      throw new FileFormatError(file, `tensor has storage type ${storage.dtype.slice(12)}; activations must be float32, float16, bfloat16 or float64`);
    }
    const dtype = storage.dtype as keyof typeof ELEMENT_BYTES;
    const dataEntry = entries.get(`${prefix}data/${storage.key}`);
    if (!dataEntry) throw new FileFormatError(file, `storage record '${prefix}data/${storage.key}' is missing from the archive`);
    const view = toMatrixView(file, tensor.shape, tensor.stride, options.flatten ?? false);
    const last = tensor.storageOffset + (view.rows - 1) * view.rowStride + (view.cols - 1) * view.colStride;
    if (view.rows > 0 && last >= storage.numel) {
      throw new FileFormatError(file, `tensor view reaches element ${last} of a storage of ${storage.numel} elements (corrupt file)`);
    }
    if (dataEntry.uncompressedSize < storage.numel * ELEMENT_BYTES[dtype]) {
      throw new FileFormatError(file, `storage record '${dataEntry.name}' has ${dataEntry.uncompressedSize} bytes, needs ${storage.numel * ELEMENT_BYTES[dtype]}`);
    }
    const dataStart = await storedEntryDataOffset(handle, file, dataEntry);
    const byteOffset = dataStart + tensor.storageOffset * ELEMENT_BYTES[dtype];
    const description = options.key ? `${file}[${options.key}]` : file;
    return StridedFileMatrix.create(description, file, handle, { byteOffset, dtype, ...view }, size);
  } catch (error) {
    await handle.close();
    throw error;
  }
}

function pickTensor(root: PickleValue, file: string, key: string | undefined): TensorRef {
  if (isTensor(root)) {
    if (key !== undefined) throw new FileFormatError(file, `holds a single tensor, not a dict; drop key '${key}'`);
    return root;
  }
  if (root instanceof Map) {
    const tensorKeys = [...root.entries()].filter(([, v]) => isTensor(v)).map(([k]) => String(k));
    if (key === undefined) {
      if (tensorKeys.length === 1) return root.get(tensorKeys[0]!) as TensorRef;
      throw new FileFormatError(file, `holds a dict with tensors ${tensorKeys.map((k) => `'${k}'`).join(', ') || '(none)'}; say which one holds the activations`, {
        hint: 'pass key: "<name>" (CLI: --key <name>)',
      });
    }
    const v = root.get(key);
    if (!isTensor(v)) {
      throw new FileFormatError(file, `has no tensor under key '${key}' (tensor keys: ${tensorKeys.join(', ') || 'none'})`);
    }
    return v;
  }
  throw new FileFormatError(file, 'holds neither a tensor nor a dict of tensors');
}
