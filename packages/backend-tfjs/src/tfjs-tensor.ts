import type * as tf from '@tensorflow/tfjs-core';
import type { DType, Shape, Tensor } from '@deeplens/core';

/** The smallest and largest value of an int32 tensor, known without reading it back. */
export interface IndexRange {
  min: number;
  max: number;
}

/**
 * A DeepLens tensor over a tfjs tensor. tfjs tensors are immutable, so the in-place ops of the
 * contract rebind the handle to a new tfjs tensor (`capabilities.inPlace: 'rebind'`); a reshape or
 * clone made earlier keeps the old data, as the contract's aliasing rules require.
 *
 * An int32 tensor carries the range of its values when the backend knows it (uploads, top-k
 * indices, fills): gathers and scatters check indices against it without a device read.
 */
export class TfjsTensor implements Tensor {
  readonly shape: Shape;
  readonly dtype: DType;
  readonly size: number;
  readonly backendName: string;
  readonly owner: object;
  #data: tf.Tensor | null;
  #range: IndexRange | undefined;

  constructor(data: tf.Tensor, dtype: DType, backendName: string, owner: object, range?: IndexRange) {
    this.#data = data;
    this.shape = [...data.shape];
    this.dtype = dtype;
    this.size = data.size;
    this.backendName = backendName;
    this.owner = owner;
    this.#range = range;
  }

  get isDisposed(): boolean {
    return this.#data === null;
  }

  /** The tfjs tensor (null once disposed). */
  get data(): tf.Tensor | null {
    return this.#data;
  }

  get range(): IndexRange | undefined {
    return this.#range;
  }

  /** Point this handle at new data of the same shape (the in-place ops), disposing the old. */
  rebind(next: tf.Tensor, range?: IndexRange): void {
    const old = this.#data;
    this.#data = next;
    this.#range = range;
    old?.dispose();
  }

  dispose(): void {
    this.#data?.dispose();
    this.#data = null;
  }
}

/** min/max of an int32 array (empty: an empty range that fits any size). */
export function rangeOf(values: ArrayLike<number>): IndexRange {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { min, max };
}

export function unionRange(ranges: ReadonlyArray<IndexRange | undefined>): IndexRange | undefined {
  let min = Infinity;
  let max = -Infinity;
  for (const r of ranges) {
    if (!r) return undefined;
    min = Math.min(min, r.min);
    max = Math.max(max, r.max);
  }
  return { min, max };
}
