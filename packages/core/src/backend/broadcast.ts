import { ShapeMismatchError } from '../errors.js';
import { shapeToString, type Shape } from './tensor.js';

/**
 * NumPy's broadcasting rule: align shapes at their last dimension; each pair of sizes must be equal
 * or one of them 1. Returns the result's shape, or throws ShapeMismatchError naming the op.
 */
export function broadcastShape(op: string, ...shapes: readonly Shape[]): number[] {
  const rank = Math.max(...shapes.map((s) => s.length));
  const out = new Array<number>(rank).fill(1);
  for (const s of shapes) {
    for (let i = 0; i < s.length; i++) {
      const j = rank - s.length + i;
      const size = s[i]!;
      if (size === out[j] || size === 1) continue;
      if (out[j] !== 1) {
        throw new ShapeMismatchError(`${op}: shapes ${shapes.map(shapeToString).join(' and ')} do not broadcast (sizes must be equal or 1 at each trailing dimension)`);
      }
      out[j] = size;
    }
  }
  return out;
}

/**
 * For each position of `outShape` (row-major), the flat index into a tensor of shape `shape` that
 * broadcasts to it. Identity when the shapes have equal size.
 */
export function broadcastIndex(shape: Shape, outShape: Shape): (flat: number) => number {
  const n = shape.reduce((a, b) => a * b, 1);
  const total = outShape.reduce((a, b) => a * b, 1);
  if (n === total) return (i) => i;
  if (n === 1) return () => 0;
  const rank = outShape.length;
  const strides = new Array<number>(rank).fill(0);
  let stride = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    const j = rank - shape.length + i;
    strides[j] = shape[i] === 1 ? 0 : stride;
    stride *= shape[i]!;
  }
  return (flat) => {
    let idx = 0;
    for (let j = rank - 1; j >= 0; j--) {
      const size = outShape[j]!;
      idx += (flat % size) * strides[j]!;
      flat = Math.floor(flat / size);
    }
    return idx;
  };
}
