import type { GpuData, GpuStorage } from './gpujs-tensor.js';
import type { Dialect, KernelSpec } from './kernel-runner.js';
import { segmentStartKernel, sortedEntryKernel, sortInitKernel, sortPassKernel } from './kernels/csr-transpose.js';

/** The entries of a [rows, k] sparse matrix sorted by column: the CSR layout of its transpose. */
export interface CsrLayout {
  entries: number;
  padded: number;
  /** [features + 1]: feature f's entries are sorted positions start[f] … start[f + 1] − 1. */
  start: GpuData;
  /** [entries]: each sorted entry's row. */
  rows: GpuData;
  /** [padded]: each sorted entry's flat position r·k + j in the values. */
  pos: GpuData;
}

interface Entry {
  key: GpuStorage;
  layout: CsrLayout;
  held: GpuStorage[];
}

/**
 * Builds CSR layouts with GPU kernels (a bitonic sort of (column, position) pairs, then a binary
 * search per feature) and keeps the last two, keyed by the index tensor's storage: one training
 * step's TopK gradients (zᵀ·e and dzᵀ·x) share one index matrix, so it is sorted once per step.
 * Storage is immutable, so a storage object always means the same indices.
 */
export class CsrCache {
  #entries: Entry[] = [];

  constructor(
    private readonly exec: (spec: KernelSpec, args: readonly (GpuData | number)[]) => GpuData,
    private readonly own: (data: GpuData) => GpuStorage,
  ) {}

  layout(key: GpuStorage, idx: GpuData, d: Dialect, rows: number, k: number, features: number): CsrLayout {
    const hit = this.#entries.find((e) => e.key === key);
    if (hit) return hit.layout;
    const entries = rows * k;
    const padded = 2 ** Math.ceil(Math.log2(Math.max(entries, 2)));
    const temp: GpuStorage[] = [];
    const run = (spec: KernelSpec, args: readonly (GpuData | number)[]): GpuStorage => this.own(this.exec(spec, args));
    let keys = run(sortInitKernel(d, rows, k, padded, features, 'key'), [idx]);
    let pos = run(sortInitKernel(d, rows, k, padded, features, 'pos'), [idx]);
    for (let size = 2; size <= padded; size *= 2) {
      for (let stride = size / 2; stride >= 1; stride /= 2) {
        const nextKeys = run(sortPassKernel(d, padded, 'key'), [keys.data, pos.data, size, stride]);
        const nextPos = run(sortPassKernel(d, padded, 'pos'), [keys.data, pos.data, size, stride]);
        keys.release();
        pos.release();
        keys = nextKeys;
        pos = nextPos;
      }
    }
    temp.push(keys);
    const start = run(segmentStartKernel(d, padded, entries, features), [keys.data]);
    const sortedRows = run(sortedEntryKernel(d, k, padded, entries, 'row'), [pos.data]);
    for (const t of temp) t.release();
    const layout: CsrLayout = { entries, padded, start: start.data, rows: sortedRows.data, pos: pos.data };
    this.#entries.push({ key, layout, held: [start, sortedRows, pos] });
    while (this.#entries.length > 2) this.#evict(this.#entries.shift()!);
    return layout;
  }

  /** Each sorted entry's value, from the values tensor [rows, k] (a new buffer the caller frees). */
  sortedValues(layout: CsrLayout, values: GpuData, d: Dialect, k: number): GpuStorage {
    return this.own(this.exec(sortedEntryKernel(d, k, layout.padded, layout.entries, 'value'), [layout.pos, values]));
  }

  clear(): void {
    for (const e of this.#entries) this.#evict(e);
    this.#entries = [];
  }

  #evict(e: Entry): void {
    for (const s of e.held) s.release();
  }
}
