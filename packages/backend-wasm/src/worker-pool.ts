import { BackendFailureError, InternalError } from '@deeplens/core';
import { Worker } from 'node:worker_threads';
import { KERNEL_NAMES, type KernelName } from './kernel-module.js';

/** Float64 slots per worker in the argument block: the count, then the arguments. */
const SLOTS = 32;
const MAX_ARGS = SLOTS - 1;

/**
 * Fork-join over worker threads that share the wasm memory. `run` splits a kernel's work units
 * (rows, column groups, element blocks) between the workers and the calling thread and returns
 * when every slice is done; the main thread blocks with Atomics.wait (allowed in Node), so backend
 * ops stay synchronous.
 */
export class WorkerPool {
  readonly #workers: Worker[] = [];
  readonly #ctrl: Int32Array;
  readonly #args: Float64Array;
  #seq = 0;
  #warned = false;
  /** Resolves once every worker has instantiated the kernels (rejects if one fails to start). */
  readonly ready: Promise<void>;

  constructor(module: WebAssembly.Module, memory: WebAssembly.Memory, readonly threads: number) {
    const helpers = Math.max(0, threads - 1);
    this.#ctrl = new Int32Array(new SharedArrayBuffer(Math.max(1, helpers) * 4 * 4));
    this.#args = new Float64Array(new SharedArrayBuffer(Math.max(1, helpers) * SLOTS * 8));
    for (let i = 0; i < helpers; i++) {
      const w = new Worker(new URL('./wasm-worker.mjs', import.meta.url), {
        workerData: { module, memory, control: this.#ctrl.buffer, args: this.#args.buffer, slots: SLOTS, index: i, kernels: KERNEL_NAMES },
      });
      w.unref();
      this.#workers.push(w);
    }
    this.ready = Promise.all(this.#workers.map((w) => started(w))).then(() => undefined);
    // Ops do not need to wait for it (a slice waits for its worker); keep an unobserved rejection quiet.
    this.ready.catch(() => undefined);
  }

  /**
   * Call `kernel` on unit ranges covering [0, units): helpers get the first slices, the calling
   * thread runs the last one through `local`. `argsFor(u0, u1, slice)` builds a slice's arguments
   * (slice < threads, for per-thread scratch space). Fewer than `minUnitsPerThread` units per
   * thread → fewer threads. A slice a worker failed (a trap) is recomputed on the calling thread,
   * except for kernels that update memory in place (`inPlace`), where a half-applied slice cannot
   * be redone: those throw.
   */
  run(
    kernel: KernelName, units: number, argsFor: (u0: number, u1: number, slice: number) => number[], local: (...a: number[]) => unknown,
    minUnitsPerThread = 4, inPlace = false,
  ): void {
    const parts = Math.max(1, Math.min(this.#workers.length + 1, Math.floor(units / minUnitsPerThread)));
    if (parts === 1) {
      local(...argsFor(0, units, 0));
      return;
    }
    const seq = ++this.#seq;
    const step = Math.ceil(units / parts);
    for (let w = 0; w < parts - 1; w++) {
      const a = argsFor(w * step, Math.min(units, (w + 1) * step), w);
      if (a.length > MAX_ARGS) throw new InternalError(`wasm backend: kernel '${kernel}' was given ${a.length} arguments, more than ${MAX_ARGS}`);
      const base = w * SLOTS;
      this.#args[base] = a.length;
      a.forEach((v, i) => (this.#args[base + 1 + i] = v));
      Atomics.store(this.#ctrl, w * 4 + 2, KERNEL_NAMES.indexOf(kernel));
      Atomics.store(this.#ctrl, w * 4, seq);
      Atomics.notify(this.#ctrl, w * 4);
    }
    local(...argsFor((parts - 1) * step, units, parts - 1));
    for (let w = 0; w < parts - 1; w++) {
      while (Atomics.load(this.#ctrl, w * 4 + 1) !== seq) Atomics.wait(this.#ctrl, w * 4 + 1, Atomics.load(this.#ctrl, w * 4 + 1), 1000);
      if (Atomics.exchange(this.#ctrl, w * 4 + 3, 0) !== 0) {
        if (inPlace) throw new BackendFailureError('wasm', `worker ${w} failed an in-place '${kernel}' slice; the tensor it was updating is now partly updated`);
        if (!this.#warned) process.emitWarning(`wasm backend: worker ${w} failed a '${kernel}' slice; it was recomputed on the main thread`);
        this.#warned = true;
        local(...argsFor(w * step, Math.min(units, (w + 1) * step), w));
      }
    }
  }

  async dispose(): Promise<void> {
    for (let w = 0; w < this.#workers.length; w++) {
      Atomics.store(this.#ctrl, w * 4, -1);
      Atomics.notify(this.#ctrl, w * 4);
    }
    await Promise.all(this.#workers.map((w) => w.terminate()));
  }
}

/** Resolves on the worker's 'ready' message; rejects if it fails or exits before sending it. */
function started(w: Worker): Promise<void> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number) => reject(new Error(`wasm worker exited with code ${code} before instantiating the kernels`));
    w.once('error', reject);
    w.once('exit', onExit);
    w.once('message', () => {
      w.off('error', reject);
      w.off('exit', onExit);
      resolve();
    });
  });
}
