import { TensorDisposedError } from '../errors.js';
import type { DType, Shape, Tensor } from '../backend/tensor.js';

/** A tensor of the reference backend: a typed array on the JS heap. */
export class CpuTensor implements Tensor {
  readonly size: number;
  #data: Float32Array | Int32Array | null;
  readonly #onDispose: (t: CpuTensor, data: Float32Array | Int32Array) => void;

  constructor(
    data: Float32Array | Int32Array,
    readonly shape: Shape,
    readonly dtype: DType,
    onDispose: (t: CpuTensor, data: Float32Array | Int32Array) => void,
    readonly backendName: string,
    /** The backend instance that owns the data; ops refuse tensors of other instances. */
    readonly owner: object,
  ) {
    this.#data = data;
    this.size = data.length;
    this.#onDispose = onDispose;
  }

  get isDisposed(): boolean {
    return this.#data === null;
  }

  /** The backing array; throws when disposed. */
  dataFor(op: string): Float32Array | Int32Array {
    if (this.#data === null) throw new TensorDisposedError(op);
    return this.#data;
  }

  /** Forget the data without releasing it (its new owner releases it). */
  retire(): void {
    this.#data = null;
  }

  dispose(): void {
    const data = this.#data;
    if (data === null) return;
    this.#data = null;
    this.#onDispose(this, data);
  }
}
