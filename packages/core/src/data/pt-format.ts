import { FileFormatError } from '../errors.js';
import type { OpenActivationsOptions } from './activation-source.js';
import { latin1, type ByteReader } from './byte-reader.js';
import { ELEMENT_BYTES } from './element-decoding.js';
import { toMatrixView } from './matrix-shape.js';
import { StridedFileMatrix } from './strided-file-matrix.js';
import type { TorchArchive } from './torch-archive.js';
import { unpickleTorch, type PickleValue, type TensorRef } from './torch-pickle.js';

const isTensor = (v: PickleValue | undefined): v is TensorRef =>
  v !== null && typeof v === 'object' && 'kind' in v && v.kind === 'tensor';

/** Fail unless the first bytes are a zip archive's (torch.save's format since PyTorch 1.6). */
export async function checkZipMagic(reader: ByteReader): Promise<void> {
  if (latin1(await reader.read(0, Math.min(2, reader.size))) !== 'PK') {
    throw new FileFormatError(reader.name, 'is not a zip-format PyTorch file', {
      hint: 'files from torch.save in PyTorch < 1.6 (or with _use_new_zipfile_serialization=False) are not supported; load and save them again with a current PyTorch',
    });
  }
}

/**
 * Map the rows of a tensor saved with torch.save: one 2-D float tensor, or a dict of tensors with
 * `key` naming the one to read. Strided views (transposes, slices) read correctly; the pickle is
 * interpreted as data and never executed.
 */
export async function parsePt(file: string, archive: TorchArchive, options: OpenActivationsOptions = {}): Promise<StridedFileMatrix> {
  const pkl = archive.names.filter((n) => n.endsWith('/data.pkl') || n === 'data.pkl');
  if (pkl.length !== 1) throw new FileFormatError(file, `zip archive has ${pkl.length} data.pkl records; is this a torch.save file?`);
  const prefix = pkl[0]!.slice(0, -'data.pkl'.length);
  const pklAt = await archive.locate(pkl[0]!);
  const root = unpickleTorch(await pklAt.reader.read(pklAt.offset, archive.entrySize(pkl[0]!)), file);
  const tensor = pickTensor(root, file, options.key);
  const { storage } = tensor;
  if (storage.dtype.startsWith('unsupported:')) {
    throw new FileFormatError(file, `tensor has storage type ${storage.dtype.slice(12)}; activations must be float32, float16, bfloat16 or float64`);
  }
  const dtype = storage.dtype as keyof typeof ELEMENT_BYTES;
  const dataName = `${prefix}data/${storage.key}`;
  if (!archive.names.includes(dataName)) throw new FileFormatError(file, `storage record '${dataName}' is missing from the archive`);
  const view = toMatrixView(file, tensor.shape, tensor.stride, options.flatten ?? false);
  const last = tensor.storageOffset + (view.rows - 1) * view.rowStride + (view.cols - 1) * view.colStride;
  if (view.rows > 0 && last >= storage.numel) {
    throw new FileFormatError(file, `tensor view reaches element ${last} of a storage of ${storage.numel} elements (corrupt file)`);
  }
  if (archive.entrySize(dataName) < storage.numel * ELEMENT_BYTES[dtype]) {
    throw new FileFormatError(file, `storage record '${dataName}' has ${archive.entrySize(dataName)} bytes, needs ${storage.numel * ELEMENT_BYTES[dtype]}`);
  }
  const data = await archive.locate(dataName);
  const byteOffset = data.offset + tensor.storageOffset * ELEMENT_BYTES[dtype];
  const description = options.key ? `${file}[${options.key}]` : file;
  return StridedFileMatrix.create(description, data.reader, { byteOffset, dtype, ...view });
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
