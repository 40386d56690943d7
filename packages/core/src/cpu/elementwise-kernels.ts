import { broadcastIndex } from '../backend/broadcast.js';
import type { Shape } from '../backend/tensor.js';

/** out[i] = f(x[bx(i)], y[by(i)]) over `outShape`, with x and y broadcast to it. */
export function binaryKernel(
  x: Float32Array, xShape: Shape, y: Float32Array, yShape: Shape, out: Float32Array, outShape: Shape, f: (a: number, b: number) => number,
): void {
  const n = out.length;
  if (x.length === n && y.length === n) {
    for (let i = 0; i < n; i++) out[i] = f(x[i]!, y[i]!);
  } else if (x.length === n && y.length === 1) {
    const v = y[0]!;
    for (let i = 0; i < n; i++) out[i] = f(x[i]!, v);
  } else if (x.length === 1 && y.length === n) {
    const v = x[0]!;
    for (let i = 0; i < n; i++) out[i] = f(v, y[i]!);
  } else if (x.length === n && isRowVector(y, yShape, outShape)) {
    // [rows, cols] with [cols]: the common bias/mask broadcast, without per-element index maths.
    const cols = y.length;
    for (let r = 0; r < n; r += cols) for (let j = 0; j < cols; j++) out[r + j] = f(x[r + j]!, y[j]!);
  } else {
    const bx = broadcastIndex(xShape, outShape);
    const by = broadcastIndex(yShape, outShape);
    for (let i = 0; i < n; i++) out[i] = f(x[bx(i)]!, y[by(i)]!);
  }
}

/** v holds one value per position of the last axis of `outShape` (shape [cols] or [1, …, cols]). */
function isRowVector(v: Float32Array, shape: Shape, outShape: Shape): boolean {
  const cols = outShape[outShape.length - 1];
  return cols !== undefined && cols > 0 && v.length === cols && shape[shape.length - 1] === cols;
}

/** out[i] = c[i] ≠ 0 ? a[i] : b[i], each broadcast to `outShape`. */
export function whereKernel(
  c: Float32Array, cShape: Shape, a: Float32Array, aShape: Shape, b: Float32Array, bShape: Shape, out: Float32Array, outShape: Shape,
): void {
  const [bc, ba, bb] = [broadcastIndex(cShape, outShape), broadcastIndex(aShape, outShape), broadcastIndex(bShape, outShape)];
  for (let i = 0; i < out.length; i++) out[i] = c[bc(i)] !== 0 ? a[ba(i)]! : b[bb(i)]!;
}

export const BINARY_FUNCTIONS = {
  add: (a: number, b: number) => a + b,
  sub: (a: number, b: number) => a - b,
  mul: (a: number, b: number) => a * b,
  div: (a: number, b: number) => a / b,
  maximum: (a: number, b: number) => (a !== a || b !== b ? NaN : Math.max(a, b)),
  minimum: (a: number, b: number) => (a !== a || b !== b ? NaN : Math.min(a, b)),
  greater: (a: number, b: number) => (a > b ? 1 : 0),
  equal: (a: number, b: number) => (a === b ? 1 : 0),
} as const;

export const UNARY_FUNCTIONS = {
  abs: Math.abs,
  neg: (x: number) => -x,
  sqrt: Math.sqrt,
  exp: Math.exp,
  log: Math.log,
  sigmoid: (x: number) => 1 / (1 + Math.exp(-x)),
  sign: (x: number) => (x > 0 ? 1 : x < 0 ? -1 : x === 0 ? 0 : NaN),
} as const;
