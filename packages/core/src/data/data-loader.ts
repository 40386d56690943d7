import { InvalidArgumentError } from '../errors.js';
import { contentHash } from '../io/content-hash.js';
import { deriveSeed } from '../random/derive-seed.js';
import { Rng } from '../random/rng.js';
import type { ActivationSource } from './activation-source.js';
import { applyNorm, type NormStats } from './norm-stats.js';
import { segmentRows, type Segment } from './split-plan.js';

/** One batch of activation vectors, [rows, cols] row-major float32. */
export interface Batch {
  data: Float32Array;
  rows: number;
  cols: number;
}

export interface EpochOptions {
  /** Start at this batch of the epoch (resume); the batches before it are not read. */
  startBatch?: number;
}

/** Batches of a split. `length` (batches per epoch) is known before reading anything. */
export interface DataLoader extends AsyncIterable<Batch> {
  readonly length: number;
  readonly rows: number;
  readonly cols: number;
  readonly batchSize: number;
  readonly shuffle: boolean;
  /** Statistics applied to every batch, if the loader normalises (saved with checkpoints). */
  readonly normStats?: NormStats | undefined;
  /** The batches of epoch `epoch` (0-based); a shuffling loader orders each epoch from the seed. */
  epoch(epoch: number, options?: EpochOptions): AsyncIterable<Batch>;
  /**
   * A short string that changes when the data change: the split's size and width and a hash of
   * rows sampled across it (not the file names, so moved files still match). Resume compares it
   * with the run's to refuse continuing on other data.
   */
  fingerprint?(): Promise<string>;
}

/** Rows sampled for a loader's fingerprint. */
const FINGERPRINT_ROWS = 16;

export interface ActivationLoaderOptions {
  source: ActivationSource;
  segments: readonly Segment[];
  batchSize: number;
  shuffle: boolean;
  seed: number;
  dropLast: boolean;
  norm: NormStats | undefined;
  /** Rows held (and shuffled together) at once; bounds memory whatever the file size. */
  bufferRows: number;
}

/**
 * Streams a split in windows of chunks: a shuffling loader permutes the chunk order per epoch,
 * then the rows inside each window, so extra memory is two windows (one being read ahead) and a
 * batch. Every epoch's order derives from (seed, epoch, window), so `startBatch` resumes mid-epoch
 * without reading what came before.
 */
export class ActivationLoader implements DataLoader {
  readonly length: number;
  readonly rows: number;
  readonly cols: number;
  readonly batchSize: number;
  readonly shuffle: boolean;
  #iterations = 0;

  constructor(readonly options: ActivationLoaderOptions) {
    if (!Number.isInteger(options.batchSize) || options.batchSize < 1) {
      throw new InvalidArgumentError(`batch_size must be a positive integer, got ${options.batchSize}`);
    }
    this.rows = segmentRows(options.segments);
    this.cols = options.source.cols;
    this.batchSize = options.batchSize;
    this.shuffle = options.shuffle;
    this.length = options.dropLast ? Math.floor(this.rows / this.batchSize) : Math.ceil(this.rows / this.batchSize);
  }

  get normStats(): NormStats | undefined {
    return this.options.norm;
  }

  async fingerprint(): Promise<string> {
    const { source, segments } = this.options;
    const picks = Math.min(FINGERPRINT_ROWS, this.rows);
    const row = new Float32Array(this.cols);
    const chunks: Uint8Array[] = [];
    for (let i = 0; i < picks; i++) {
      let at = picks === 1 ? 0 : Math.round((i * (this.rows - 1)) / (picks - 1));
      let s = 0;
      while (at >= segments[s]!.count) at -= segments[s++]!.count;
      await source.readRows(segments[s]!.start + at, 1, row);
      chunks.push(new Uint8Array(row.slice().buffer));
    }
    return `${this.rows}x${this.cols}:${contentHash(chunks)}`;
  }

  [Symbol.asyncIterator](): AsyncIterator<Batch> {
    return this.epoch(this.#iterations++)[Symbol.asyncIterator]();
  }

  epoch(epoch: number, options: EpochOptions = {}): AsyncIterable<Batch> {
    return { [Symbol.asyncIterator]: () => this.#batches(epoch, options.startBatch ?? 0) };
  }

  /** Windows of segments for an epoch, in reading order. */
  #windows(epoch: number): Segment[][] {
    const segs = [...this.options.segments];
    if (this.shuffle) new Rng(deriveSeed(this.options.seed, epoch)).shuffle(segs);
    const windows: Segment[][] = [];
    let current: Segment[] = [];
    let rows = 0;
    for (const s of segs) {
      current.push(s);
      rows += s.count;
      if (rows >= this.options.bufferRows) {
        windows.push(current);
        current = [];
        rows = 0;
      }
    }
    if (current.length) windows.push(current);
    return windows;
  }

  async #readWindow(epoch: number, index: number, window: Segment[]): Promise<{ data: Float32Array; order: Int32Array }> {
    const n = segmentRows(window);
    const data = new Float32Array(n * this.cols);
    let at = 0;
    for (const s of window) {
      await this.options.source.readRows(s.start, s.count, data.subarray(at * this.cols, (at + s.count) * this.cols));
      at += s.count;
    }
    const order = Int32Array.from({ length: n }, (_, i) => i);
    if (this.shuffle) new Rng(deriveSeed(this.options.seed, epoch, index + 1)).shuffle(order);
    return { data, order };
  }

  async *#batches(epoch: number, startBatch: number): AsyncGenerator<Batch> {
    if (startBatch >= this.length) return;
    const { cols, batchSize } = this;
    const windows = this.#windows(epoch);
    let skip = startBatch * batchSize;
    let w = 0;
    while (w < windows.length && segmentRows(windows[w]!) <= skip) skip -= segmentRows(windows[w++]!);
    let emitted = startBatch;
    let batch = new Float32Array(batchSize * cols);
    let filled = 0;
    let next = w < windows.length ? this.#readWindow(epoch, w, windows[w]!) : undefined;
    try {
      for (; w < windows.length; w++) {
        const { data, order } = await next!;
        next = w + 1 < windows.length ? this.#readWindow(epoch, w + 1, windows[w + 1]!) : undefined;
        for (let i = skip; i < order.length; i++) {
          const src = order[i]! * cols;
          batch.set(data.subarray(src, src + cols), filled * cols);
          if (++filled === batchSize) {
            yield this.#finish(batch, filled);
            if (++emitted >= this.length) return;
            batch = new Float32Array(batchSize * cols);
            filled = 0;
          }
        }
        skip = 0;
      }
      if (filled > 0 && emitted < this.length) yield this.#finish(batch.subarray(0, filled * cols), filled);
    } finally {
      next?.catch(() => {}); // a read-ahead abandoned by an early stop must not surface as unhandled
    }
  }

  #finish(data: Float32Array, rows: number): Batch {
    if (this.options.norm) applyNorm(data, rows, this.options.norm);
    return { data, rows, cols: this.cols };
  }
}
