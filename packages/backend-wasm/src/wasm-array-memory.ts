import { OutOfMemoryError, type ArrayMemory } from '@deeplens/core';

const PAGE = 65536;
/** Bytes below this offset are never handed out (null pointer, kernels' static data). */
const HEAP_START = PAGE;
/** 16-byte alignment for SIMD loads. */
const ALIGN = 16;

/**
 * First-fit allocator of typed arrays inside one shared WebAssembly.Memory, so kernels on any
 * thread read and write tensor data in place. Freed blocks merge with free neighbours; the memory
 * grows (up to 4 GiB, wasm32's limit) when nothing fits.
 */
export class WasmArrayMemory implements ArrayMemory {
  readonly memory: WebAssembly.Memory;
  /** Free blocks sorted by offset. */
  readonly #free: Array<{ offset: number; size: number }> = [];
  readonly #sizes = new Map<number, number>();
  #end = HEAP_START;

  /**
   * The whole wasm32 address space is reserved up front (pages are committed only when touched, so
   * this costs no RSS): growing a shared memory while worker threads sleep can leave their instances
   * with stale bounds.
   */
  constructor(initialPages = 65536) {
    this.memory = new WebAssembly.Memory({ initial: initialPages, maximum: 65536, shared: true });
  }

  get usedBytes(): number {
    let free = 0;
    for (const b of this.#free) free += b.size;
    return this.#end - HEAP_START - free;
  }

  get capacityBytes(): number {
    return this.memory.buffer.byteLength;
  }

  allocFloat32(length: number): Float32Array {
    const offset = this.#alloc(length * 4); // may grow the memory: take the buffer afterwards
    return new Float32Array(this.memory.buffer, offset, length);
  }

  allocInt32(length: number): Int32Array {
    const offset = this.#alloc(length * 4);
    return new Int32Array(this.memory.buffer, offset, length);
  }

  free(array: Float32Array | Int32Array): void {
    const offset = array.byteOffset;
    const size = this.#sizes.get(offset);
    if (size === undefined) return;
    this.#sizes.delete(offset);
    let i = 0;
    while (i < this.#free.length && this.#free[i]!.offset < offset) i++;
    this.#free.splice(i, 0, { offset, size });
    // Merge with the next block, then with the previous one.
    const cur = this.#free[i]!;
    const next = this.#free[i + 1];
    if (next && cur.offset + cur.size === next.offset) {
      cur.size += next.size;
      this.#free.splice(i + 1, 1);
    }
    const prev = this.#free[i - 1];
    if (prev && prev.offset + prev.size === cur.offset) {
      prev.size += cur.size;
      this.#free.splice(i, 1);
    }
    // Give the tail back to the bump pointer.
    const last = this.#free[this.#free.length - 1];
    if (last && last.offset + last.size === this.#end) {
      this.#end = last.offset;
      this.#free.pop();
    }
  }

  #alloc(bytes: number): number {
    const size = Math.max(ALIGN, Math.ceil(bytes / ALIGN) * ALIGN);
    for (let i = 0; i < this.#free.length; i++) {
      const b = this.#free[i]!;
      if (b.size < size) continue;
      const offset = b.offset;
      if (b.size === size) this.#free.splice(i, 1);
      else {
        b.offset += size;
        b.size -= size;
      }
      this.#sizes.set(offset, size);
      return offset;
    }
    const offset = this.#end;
    const needed = offset + size;
    const have = this.memory.buffer.byteLength;
    if (needed > have) {
      const pages = Math.ceil((needed - have) / PAGE);
      try {
        this.memory.grow(Math.max(pages, Math.ceil(have / PAGE / 4)));
      } catch {
        try {
          this.memory.grow(pages);
        } catch (error) {
          throw new OutOfMemoryError(`the wasm backend cannot grow its memory to ${(needed / 2 ** 30).toFixed(2)} GiB: WebAssembly (wasm32) is limited to 4 GiB for all tensors together`, {
            cause: error,
            hint: 'use micro_batch_size or optimizer_in_backward to need less, a smaller n_features, or the cpu backend (--backend cpu), which only the machine\'s memory bounds',
          });
        }
      }
    }
    this.#end = needed;
    this.#sizes.set(offset, size);
    return offset;
  }
}
