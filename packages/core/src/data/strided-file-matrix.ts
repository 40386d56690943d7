import { FileFormatError, InvalidArgumentError } from '../errors.js';
import type { ActivationSource, StoredFloatDType } from './activation-source.js';
import type { ByteReader } from './byte-reader.js';
import { decodeElements, ELEMENT_BYTES } from './element-decoding.js';

export interface StridedLayout {
  /** Absolute byte offset of element (0, 0). */
  byteOffset: number;
  dtype: StoredFloatDType;
  rows: number;
  cols: number;
  /** Element strides: (r, c) lives at byteOffset + (r·rowStride + c·colStride)·elementBytes. */
  rowStride: number;
  colStride: number;
}

/**
 * A 2-D matrix stored anywhere in a file with arbitrary (non-negative) strides: row-major, column-major
 * (NumPy Fortran order, transposed torch tensors) or padded. The bytes come through a ByteReader (a
 * file on disk, or bytes in a browser); reads are sized to the rows asked for.
 */
export class StridedFileMatrix implements ActivationSource {
  readonly rows: number;
  readonly cols: number;
  readonly dtype: StoredFloatDType;
  readonly #layout: StridedLayout;
  readonly #size: number;

  readonly file: string;

  private constructor(
    readonly description: string,
    readonly reader: ByteReader,
    layout: StridedLayout,
  ) {
    this.file = reader.name;
    this.#layout = layout;
    this.rows = layout.rows;
    this.cols = layout.cols;
    this.dtype = layout.dtype;
    this.#size = ELEMENT_BYTES[layout.dtype];
  }

  /** Check that the file holds every element the layout describes. */
  static create(description: string, reader: ByteReader, layout: StridedLayout): StridedFileMatrix {
    const { name: file, size: fileSize } = reader;
    const size = ELEMENT_BYTES[layout.dtype];
    const lastElement = layout.rows > 0 && layout.cols > 0 ? (layout.rows - 1) * layout.rowStride + (layout.cols - 1) * layout.colStride : -1;
    const needed = layout.byteOffset + (lastElement + 1) * size;
    if (needed > fileSize) {
      throw new FileFormatError(file, `is truncated: its ${layout.rows}×${layout.cols} ${layout.dtype} data needs ${needed} bytes, the file has ${fileSize}`, {
        hint: 'the file was probably cut short while copying or saving; write it again',
      });
    }
    return new StridedFileMatrix(description, reader, layout);
  }

  locate(row: number): { file: string; row: number } {
    return { file: this.file, row };
  }

  async readRows(start: number, count: number, out: Float32Array): Promise<void> {
    if (start < 0 || count < 0 || start + count > this.rows) {
      throw new InvalidArgumentError(`${this.description}: rows [${start}, ${start + count}) are outside [0, ${this.rows})`);
    }
    if (count === 0) return;
    const { rowStride, colStride, cols } = this.#layout;
    if (colStride === 1) {
      // Row-major (possibly padded rows): one read covering the rows.
      const span = (count - 1) * rowStride + cols;
      const bytes = await this.#read(start * rowStride, span);
      for (let r = 0; r < count; r++) {
        decodeElements(bytes.subarray(r * rowStride * this.#size), this.dtype, cols, 1, out, r * cols, 1);
      }
    } else if (rowStride === 1) {
      // Column-major: one contiguous read per column.
      for (let c = 0; c < cols; c++) {
        const bytes = await this.#read(c * colStride + start, count);
        decodeElements(bytes, this.dtype, count, 1, out, c, cols);
      }
    } else {
      for (let r = 0; r < count; r++) {
        const bytes = await this.#read((start + r) * rowStride, (cols - 1) * colStride + 1);
        decodeElements(bytes, this.dtype, cols, colStride, out, r * cols, 1);
      }
    }
  }

  async close(): Promise<void> {
    await this.reader.close();
  }

  #read(elementOffset: number, elements: number): Promise<Uint8Array> {
    return this.reader.read(this.#layout.byteOffset + elementOffset * this.#size, elements * this.#size);
  }
}
