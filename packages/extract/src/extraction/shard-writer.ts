import { join } from 'node:path';
import { encodeFloat16, encodeSafetensors, type SafetensorsInput } from '@deeplens/core';
import { writeFileAtomic } from '@deeplens/core/node';

export type ShardDType = 'float32' | 'float16';

export const shardFileName = (index: number): string => `shard-${String(index).padStart(5, '0')}.safetensors`;

/**
 * Collects rows of one site (activations with their token, document and position) and writes them
 * as safetensors shards: `activations` [n, width] (F32 or F16) and `tokens`, `doc`, `pos` [n]
 * (I32). Each shard appears whole or not at all (atomic write).
 */
export class ShardWriter {
  #acts: Float32Array[] = [];
  #tokens: number[] = [];
  #docs: number[] = [];
  #pos: number[] = [];
  #rows = 0;

  constructor(
    readonly dir: string,
    readonly width: number,
    readonly dtype: ShardDType,
  ) {}

  get bufferedRows(): number {
    return this.#rows;
  }

  /** Rows [n, width] of one sequence with their token ids, document index and position in the document. */
  add(acts: Float32Array, tokens: ArrayLike<number>, doc: number, pos: ArrayLike<number>): void {
    const n = tokens.length;
    this.#acts.push(acts.slice(0, n * this.width));
    for (let i = 0; i < n; i++) {
      this.#tokens.push(tokens[i]!);
      this.#docs.push(doc);
      this.#pos.push(pos[i]!);
    }
    this.#rows += n;
  }

  /** Write the buffered rows as shard `index`; returns the file name and rows (null when nothing is buffered). */
  async flush(index: number): Promise<{ file: string; rows: number } | null> {
    if (this.#rows === 0) return null;
    const all = new Float32Array(this.#rows * this.width);
    let o = 0;
    for (const a of this.#acts) {
      all.set(a, o);
      o += a.length;
    }
    const tensors = new Map<string, SafetensorsInput>([
      ['activations', { shape: [this.#rows, this.width], data: this.dtype === 'float16' ? encodeFloat16(all) : all }],
      ['tokens', { shape: [this.#rows], data: Int32Array.from(this.#tokens) }],
      ['doc', { shape: [this.#rows], data: Int32Array.from(this.#docs) }],
      ['pos', { shape: [this.#rows], data: Int32Array.from(this.#pos) }],
    ]);
    const file = shardFileName(index);
    await writeFileAtomic(join(this.dir, file), encodeSafetensors(tensors, { format: 'deeplens-extract' }));
    const rows = this.#rows;
    this.#acts = [];
    this.#tokens = [];
    this.#docs = [];
    this.#pos = [];
    this.#rows = 0;
    return { file, rows };
  }
}
