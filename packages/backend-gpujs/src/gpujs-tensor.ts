import type { DType, Shape, Tensor } from '@deeplens/core';

/** A gpu.js texture as DeepLens uses it: passed to kernels, read back, deleted. */
export interface GpuTexture {
  readonly output: readonly number[];
  toArray(): unknown;
  delete(): void;
}

/** Where a tensor's values live: a host Float32Array (cpu/webasm modes) or a GPU texture (GL modes). */
export type GpuData = Float32Array | GpuTexture;

/** The smallest and largest value of an int32 tensor, known without reading it back. */
export interface IndexRange {
  min: number;
  max: number;
}

/**
 * Immutable storage shared by tensors: kernels never write into existing data, so clone and
 * reshape share it and the in-place ops rebind their handle to new storage. Freed (the texture
 * deleted) when the last tensor using it lets go.
 */
export class GpuStorage {
  #refs = 1;
  constructor(
    readonly data: GpuData,
    readonly elements: number,
    private readonly free: (s: GpuStorage) => void,
  ) {}

  retain(): this {
    this.#refs++;
    return this;
  }

  release(): void {
    if (--this.#refs === 0) this.free(this);
  }
}

/**
 * A DeepLens tensor over gpu.js data. Values are float32 (int32 tensors hold their integers as
 * floats, exact below 2^24); an int32 tensor carries its value range when the backend knows it, so
 * gathers check indices without reading the GPU.
 */
export class GpujsTensor implements Tensor {
  readonly shape: Shape;
  readonly dtype: DType;
  readonly size: number;
  readonly backendName: string;
  readonly owner: object;
  #storage: GpuStorage | null;
  #range: IndexRange | undefined;
  readonly #onDispose: () => void;

  constructor(storage: GpuStorage, shape: Shape, dtype: DType, backendName: string, owner: object, onDispose: () => void, range?: IndexRange) {
    this.#storage = storage;
    this.shape = [...shape];
    this.dtype = dtype;
    this.size = storage.elements;
    this.backendName = backendName;
    this.owner = owner;
    this.#onDispose = onDispose;
    this.#range = dtype === 'int32' ? range : undefined;
  }

  get isDisposed(): boolean {
    return this.#storage === null;
  }

  get storage(): GpuStorage | null {
    return this.#storage;
  }

  get range(): IndexRange | undefined {
    return this.#range;
  }

  /** Point this handle at new storage of the same shape (the in-place ops), releasing the old. */
  rebind(next: GpuStorage, range?: IndexRange): void {
    const old = this.#storage;
    this.#storage = next;
    this.#range = this.dtype === 'int32' ? range : undefined;
    old?.release();
  }

  dispose(): void {
    if (!this.#storage) return;
    this.#storage.release();
    this.#storage = null;
    this.#onDispose();
  }
}

/** min/max of an array (empty: an empty range that fits any size). */
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
