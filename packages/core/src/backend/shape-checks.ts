import { DTypeMismatchError, ShapeMismatchError } from '../errors.js';
import type { MatmulOptions } from './backend.js';
import { shapeToString, type DType, type Tensor } from './tensor.js';

/** Shape validation shared by every backend, so all of them report mismatches the same way. */

export function assertRank(op: string, name: string, t: Tensor, rank: number): void {
  if (t.shape.length !== rank) {
    throw new ShapeMismatchError(`${op}: '${name}' must be ${rank}-D, got shape ${shapeToString(t.shape)}`);
  }
}

export function assertDType(op: string, name: string, t: Tensor, dtype: DType): void {
  if (t.dtype !== dtype) {
    throw new DTypeMismatchError(`${op}: '${name}' must be ${dtype}, got ${t.dtype}`);
  }
}

export function assertSameShape(op: string, a: Tensor, b: Tensor): void {
  if (a.shape.length !== b.shape.length || a.shape.some((s, i) => s !== b.shape[i])) {
    throw new ShapeMismatchError(`${op}: shapes ${shapeToString(a.shape)} and ${shapeToString(b.shape)} differ`);
  }
}

export interface MatmulDims {
  m: number;
  k: number;
  n: number;
}

export function matmulDims(op: string, a: Tensor, b: Tensor, options: MatmulOptions = {}): MatmulDims {
  assertRank(op, 'a', a, 2);
  assertRank(op, 'b', b, 2);
  const [a0, a1] = a.shape as [number, number];
  const [b0, b1] = b.shape as [number, number];
  const m = options.transposeA ? a1 : a0;
  const k = options.transposeA ? a0 : a1;
  const kb = options.transposeB ? b1 : b0;
  const n = options.transposeB ? b0 : b1;
  if (k !== kb) {
    throw new ShapeMismatchError(
      `${op}: inner dimensions differ: a ${shapeToString(a.shape)}${options.transposeA ? 'ᵀ' : ''} · b ${shapeToString(b.shape)}${options.transposeB ? 'ᵀ' : ''}`,
    );
  }
  return { m, k, n };
}

/** matmulDims, plus: `out` (accumulated into) must be the product's [m, n]. */
export function matmulAccumulateDims(op: string, out: Tensor, a: Tensor, b: Tensor, options: MatmulOptions = {}): MatmulDims {
  const dims = matmulDims(op, a, b, options);
  if (out.shape.length !== 2 || out.shape[0] !== dims.m || out.shape[1] !== dims.n) {
    throw new ShapeMismatchError(`${op}: the product is [${dims.m}, ${dims.n}] but the output it is added to is ${shapeToString(out.shape)}`);
  }
  return dims;
}

/** rows and k of a [rows, k] values/indices pair, checked against each other. */
export function sparseDims(op: string, values: Tensor, indices: Tensor): { rows: number; k: number } {
  assertRank(op, 'values', values, 2);
  assertRank(op, 'indices', indices, 2);
  assertDType(op, 'indices', indices, 'int32');
  assertSameShape(op, values, indices);
  return { rows: values.shape[0]!, k: values.shape[1]! };
}

/** The other dimension of W when one of its axes must be `cols` (features). */
export function featureMatrixWidth(op: string, w: Tensor, cols: number, transposed: boolean): number {
  assertRank(op, 'w', w, 2);
  const featureAxis = transposed ? w.shape[1]! : w.shape[0]!;
  if (featureAxis !== cols) {
    throw new ShapeMismatchError(
      `${op}: W ${shapeToString(w.shape)} must have ${cols} features along axis ${transposed ? 1 : 0}`,
    );
  }
  return transposed ? w.shape[0]! : w.shape[1]!;
}
