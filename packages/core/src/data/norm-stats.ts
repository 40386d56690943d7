import { DataShapeError } from '../errors.js';

/** Per-dimension z-score statistics of the training split, saved with checkpoints. */
export interface NormStats {
  mean: Float32Array;
  std: Float32Array;
  /** Rows the statistics were computed from. */
  rows: number;
}

/** std below this counts as a constant dimension and is replaced by 1 (so it is only centred). */
export const MIN_STD = 1e-6;

/**
 * Streaming mean and unbiased standard deviation per column (Chan et al.'s parallel merge of
 * per-block Welford statistics, in float64).
 */
export class NormStatsAccumulator {
  readonly #mean: Float64Array;
  readonly #m2: Float64Array;
  #n = 0;

  constructor(readonly cols: number) {
    this.#mean = new Float64Array(cols);
    this.#m2 = new Float64Array(cols);
  }

  /** Add `rows` rows of `data` ([rows, cols] row-major). */
  add(data: Float32Array, rows: number): void {
    if (rows === 0) return;
    const c = this.cols;
    const bMean = new Float64Array(c);
    for (let r = 0; r < rows; r++) for (let j = 0; j < c; j++) bMean[j]! += data[r * c + j]!;
    for (let j = 0; j < c; j++) bMean[j]! /= rows;
    const bM2 = new Float64Array(c);
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < c; j++) {
        const d = data[r * c + j]! - bMean[j]!;
        bM2[j]! += d * d;
      }
    }
    const n = this.#n + rows;
    for (let j = 0; j < c; j++) {
      const delta = bMean[j]! - this.#mean[j]!;
      this.#mean[j]! += (delta * rows) / n;
      this.#m2[j]! += bM2[j]! + (delta * delta * this.#n * rows) / n;
    }
    this.#n = n;
  }

  /** Every column is constant over the rows seen (and there are at least two). */
  get allConstant(): boolean {
    return this.#n > 1 && this.#m2.every((m) => m === 0);
  }

  result(): NormStats {
    const std = new Float32Array(this.cols);
    for (let j = 0; j < this.cols; j++) {
      const s = this.#n > 1 ? Math.sqrt(this.#m2[j]! / (this.#n - 1)) : 1;
      std[j] = s < MIN_STD ? 1 : s;
    }
    return { mean: Float32Array.from(this.#mean), std, rows: this.#n };
  }
}

/** x ← (x − mean) / std, in place, for `rows` rows. */
export function applyNorm(data: Float32Array, rows: number, stats: NormStats): void {
  const c = stats.mean.length;
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < c; j++) data[r * c + j] = (data[r * c + j]! - stats.mean[j]!) / stats.std[j]!;
  }
}

export function checkNormStats(stats: NormStats, cols: number): void {
  if (stats.mean.length !== cols || stats.std.length !== cols) {
    throw new DataShapeError(`normalisation statistics have width ${stats.mean.length}, the activations ${cols}`, {
      hint: 'the checkpoint was trained on activations of another layer or model',
    });
  }
}

/** JSON-friendly form (for config.json). */
export function normStatsToJson(s: NormStats): { mean: number[]; std: number[]; rows: number } {
  return { mean: Array.from(s.mean), std: Array.from(s.std), rows: s.rows };
}

export function normStatsFromJson(j: { mean: number[]; std: number[]; rows: number }): NormStats {
  return { mean: Float32Array.from(j.mean), std: Float32Array.from(j.std), rows: j.rows };
}
