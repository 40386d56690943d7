import { Worker } from 'node:worker_threads';

export const KERNELS = ['matmul', 'sparse_matmul', 'sampled_matmul', 'add_row_vector', 'relu', 'top_k_abs', 'transpose'] as const;
export type RowKernel = (typeof KERNELS)[number];

const MAX_ARGS = 15;

/**
 * Fork-join over worker threads that share the wasm memory. `run` splits a kernel's output rows
 * between the workers and the calling thread and returns when every slice is done; the main
 * thread blocks with Atomics.wait (allowed in Node), so backend ops stay synchronous.
 */
export class WorkerPool {
  readonly #workers: Worker[] = [];
  readonly #ctrl: Int32Array;
  readonly #args: Float64Array;
  #seq = 0;

  constructor(module: WebAssembly.Module, memory: WebAssembly.Memory, readonly threads: number) {
    const helpers = Math.max(0, threads - 1);
    this.#ctrl = new Int32Array(new SharedArrayBuffer(Math.max(1, helpers) * 4 * 4));
    this.#args = new Float64Array(new SharedArrayBuffer(Math.max(1, helpers) * 16 * 8));
    for (let i = 0; i < helpers; i++) {
      const w = new Worker(new URL('./wasm-worker.mjs', import.meta.url), {
        workerData: { module, memory, control: this.#ctrl.buffer, args: this.#args.buffer, index: i, kernels: KERNELS },
      });
      w.unref();
      this.#workers.push(w);
    }
  }

  /**
   * Call `kernel` on row ranges covering [0, rows): helpers get the first slices, the calling
   * thread runs the last one through `local`. `argsFor(r0, r1, slice)` builds a slice's arguments
   * (slice < threads, for per-thread scratch space).
   */
  run(kernel: RowKernel, rows: number, argsFor: (r0: number, r1: number, slice: number) => number[], local: (...a: number[]) => void, minRowsPerThread = 4): void {
    const parts = Math.max(1, Math.min(this.#workers.length + 1, Math.floor(rows / minRowsPerThread)));
    if (parts === 1) {
      local(...argsFor(0, rows, 0));
      return;
    }
    const seq = ++this.#seq;
    const step = Math.ceil(rows / parts);
    for (let w = 0; w < parts - 1; w++) {
      const a = argsFor(w * step, Math.min(rows, (w + 1) * step), w);
      if (a.length > MAX_ARGS) throw new RangeError('too many kernel arguments');
      const base = w * 16;
      this.#args[base] = a.length;
      a.forEach((v, i) => (this.#args[base + 1 + i] = v));
      Atomics.store(this.#ctrl, w * 4 + 2, KERNELS.indexOf(kernel));
      Atomics.store(this.#ctrl, w * 4, seq);
      Atomics.notify(this.#ctrl, w * 4);
    }
    local(...argsFor((parts - 1) * step, rows, parts - 1));
    for (let w = 0; w < parts - 1; w++) {
      while (Atomics.load(this.#ctrl, w * 4 + 1) !== seq) Atomics.wait(this.#ctrl, w * 4 + 1, Atomics.load(this.#ctrl, w * 4 + 1), 1000);
      if (Atomics.exchange(this.#ctrl, w * 4 + 3, 0) !== 0) {
        if (!this.#warned) process.emitWarning(`wasm backend: worker ${w} failed a '${kernel}' slice; it was recomputed on the main thread`);
        this.#warned = true;
        local(...argsFor(w * step, Math.min(rows, (w + 1) * step), w));
      }
    }
  }

  #warned = false;

  async dispose(): Promise<void> {
    for (let w = 0; w < this.#workers.length; w++) {
      Atomics.store(this.#ctrl, w * 4, -1);
      Atomics.notify(this.#ctrl, w * 4);
    }
    await Promise.all(this.#workers.map((w) => w.terminate()));
  }
}
