import { DataShapeError, InvalidArgumentError } from '../errors.js';
import type { ActivationSource, StoredFloatDType } from './activation-source.js';

/** Several shards of the same width read as one dataset, rows in shard order. */
export class ConcatSource implements ActivationSource {
  readonly rows: number;
  readonly cols: number;
  readonly dtype: StoredFloatDType;
  readonly description: string;
  readonly #starts: number[];

  constructor(readonly shards: readonly ActivationSource[]) {
    if (shards.length === 0) throw new InvalidArgumentError('ConcatSource needs at least one shard');
    this.cols = shards[0]!.cols;
    for (const s of shards) {
      if (s.cols !== this.cols) {
        throw new DataShapeError(`shard ${s.description} has width ${s.cols}, but ${shards[0]!.description} has ${this.cols}`, {
          hint: 'all shards of one dataset must come from the same layer',
        });
      }
    }
    this.dtype = shards[0]!.dtype;
    this.#starts = [];
    let acc = 0;
    for (const s of shards) {
      this.#starts.push(acc);
      acc += s.rows;
    }
    this.rows = acc;
    this.description = shards.length === 1 ? shards[0]!.description : `${shards.length} shards (${shards[0]!.description}, …)`;
  }

  #shardOf(row: number): number {
    let lo = 0;
    let hi = this.shards.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.#starts[mid]! <= row) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  locate(row: number): { file: string; row: number } {
    const i = this.#shardOf(row);
    return this.shards[i]!.locate(row - this.#starts[i]!);
  }

  async readRows(start: number, count: number, out: Float32Array): Promise<void> {
    if (start < 0 || start + count > this.rows) throw new InvalidArgumentError(`rows [${start}, ${start + count}) are outside [0, ${this.rows})`);
    let done = 0;
    while (done < count) {
      const row = start + done;
      const i = this.#shardOf(row);
      const shard = this.shards[i]!;
      const local = row - this.#starts[i]!;
      const n = Math.min(count - done, shard.rows - local);
      await shard.readRows(local, n, out.subarray(done * this.cols, (done + n) * this.cols));
      done += n;
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.shards.map((s) => s.close()));
  }
}
