export type Shape = readonly number[];

/** float32 for values; int32 for indices (top-k positions). */
export type DType = 'float32' | 'int32';

/**
 * A handle to data owned by a backend. The data may live off the JS heap (wasm memory, a GPU
 * texture, a TensorFlow tensor): read it with `backend.read()`, which may be asynchronous.
 * Whoever receives a tensor from an op owns it and must `dispose()` it.
 */
export interface Tensor {
  readonly shape: Shape;
  readonly dtype: DType;
  /** Number of elements. */
  readonly size: number;
  /** Name of the backend that owns the data. */
  readonly backendName: string;
  readonly isDisposed: boolean;
  dispose(): void;
}

/**
 * Row-sparse matrix of shape [rows, cols] with exactly `k` stored entries per row: `values`
 * (float32, [rows, k]) at column positions `indices` (int32, [rows, k]). This is how TopK latents
 * travel, so the decoder and every TopK backward term cost O(rows·k·d) instead of O(rows·cols·d).
 * The order of entries within a row is unspecified. Stored values may be zero.
 */
export interface SparseRows {
  readonly values: Tensor;
  readonly indices: Tensor;
  readonly cols: number;
}

export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const s of shape) n *= s;
  return n;
}

export function shapeToString(shape: Shape): string {
  return `[${shape.join(', ')}]`;
}

export function disposeSparse(sp: SparseRows): void {
  sp.values.dispose();
  sp.indices.dispose();
}
