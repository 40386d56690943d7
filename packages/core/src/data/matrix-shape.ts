import { DataShapeError } from '../errors.js';

export interface MatrixView {
  rows: number;
  cols: number;
  rowStride: number;
  colStride: number;
}

/**
 * Turn an N-D shape with element strides into a 2-D [rows, cols] view: 2-D as is; N-D only with
 * `flatten` and when the leading axes collapse into one (as `x.reshape(-1, d)` would without a copy).
 */
export function toMatrixView(file: string, shape: readonly number[], strides: readonly number[], flatten: boolean): MatrixView {
  const shown = `[${shape.join(', ')}]`;
  if (shape.length === 2) return { rows: shape[0]!, cols: shape[1]!, rowStride: strides[0]!, colStride: strides[1]! };
  if (shape.length < 2) {
    throw new DataShapeError(`${file}: activations must be a 2-D [n_tokens, d] matrix, got shape ${shown}`, {
      hint: 'save the activations as one row per token, e.g. x.reshape(-1, d)',
    });
  }
  const d = shape.at(-1)!;
  if (!flatten) {
    throw new DataShapeError(`${file}: activations have shape ${shown}; a 2-D [n_tokens, d] matrix is needed`, {
      hint: `flatten the leading axes to [${shape.slice(0, -1).join('·')}, ${d}] (x.reshape(-1, ${d}) before saving), or pass flatten: true`,
    });
  }
  for (let i = 0; i < shape.length - 2; i++) {
    if (shape[i + 1]! > 1 && strides[i]! !== strides[i + 1]! * shape[i + 1]!) {
      throw new DataShapeError(`${file}: the leading axes of shape ${shown} (strides [${strides.join(', ')}]) are not laid out contiguously and cannot be flattened in place`, {
        hint: 'save a contiguous copy: x.contiguous().reshape(-1, d)',
      });
    }
  }
  const rows = shape.slice(0, -1).reduce((a, b) => a * b, 1);
  return { rows, cols: d, rowStride: strides.at(-2)!, colStride: strides.at(-1)! };
}

/** Row-major element strides of a shape. */
export function contiguousStrides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i]!;
  }
  return s;
}

/** Column-major (Fortran) element strides of a shape. */
export function fortranStrides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = 0; i < shape.length; i++) {
    s[i] = acc;
    acc *= shape[i]!;
  }
  return s;
}
