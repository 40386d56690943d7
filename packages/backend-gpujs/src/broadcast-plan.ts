import { broadcastShape, shapeToString, sizeOf, UnsupportedOpError, type Shape } from '@deeplens/core';
import type { Broadcast } from './kernels/elementwise.js';

/** A tensor's shape as the kernels see it: [rows, cols] (a vector is one row; leading axes fold into rows). */
export function matrixView(shape: Shape): [number, number] {
  if (shape.length === 0) return [1, 1];
  if (shape.length === 1) return [1, shape[0]!];
  const cols = shape[shape.length - 1]!;
  return [sizeOf(shape) / Math.max(cols, 1), cols];
}

export interface BroadcastPlan {
  shape: number[];
  rows: number;
  cols: number;
  modes: Broadcast[];
}

/**
 * How each operand of an elementwise op broadcasts to the result (NumPy's rule): its own element,
 * one value, a row vector along the last axis, or a column (one value per row). Other patterns (a
 * middle axis of a 3-D tensor) are not needed by DeepLens and are refused by name.
 */
export function planBroadcast(backend: string, op: string, shapes: readonly Shape[]): BroadcastPlan {
  const shape = broadcastShape(op, ...shapes);
  const [rows, cols] = matrixView(shape);
  const total = rows * cols;
  const modes = shapes.map((s): Broadcast => {
    const n = sizeOf(s);
    if (n === total) return 'full';
    if (n === 1) return 'scalar';
    const last = s.length === 0 ? 1 : s[s.length - 1]!;
    if (last === cols && n === cols) return 'row';
    if (last === 1 && n === rows && shape.length >= 2) return 'col';
    throw new UnsupportedOpError(backend, `${op} broadcasting ${shapes.map(shapeToString).join(' with ')} (only same shape, a single value, a row vector or a column)`);
  });
  return { shape, rows, cols, modes };
}
