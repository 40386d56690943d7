import type { SparseRows, Tensor } from './tensor.js';

/** Collects intermediate tensors so one call frees them all (explicit ownership, no GC reliance). */
export class DisposeBag {
  readonly #items: Tensor[] = [];

  add<T extends Tensor>(t: T): T {
    this.#items.push(t);
    return t;
  }

  addSparse(sp: SparseRows): SparseRows {
    this.#items.push(sp.values, sp.indices);
    return sp;
  }

  /** Dispose `t` now (it is not needed any more) instead of with the rest of the bag. */
  release(t: Tensor): void {
    const i = this.#items.indexOf(t);
    if (i >= 0) this.#items.splice(i, 1);
    t.dispose();
  }

  /** Take `t` out of the bag without disposing it: the caller owns it from now on. */
  take<T extends Tensor>(t: T): T {
    const i = this.#items.indexOf(t);
    if (i >= 0) this.#items.splice(i, 1);
    return t;
  }

  dispose(): void {
    for (const t of this.#items) t.dispose();
    this.#items.length = 0;
  }
}

/** Read a one-element tensor as a number. */
export async function readScalar(read: (t: Tensor) => Promise<Float32Array | Int32Array>, t: Tensor): Promise<number> {
  const data = await read(t);
  return data[0]!;
}
