import type { ActivationSource } from './activation-source.js';
import { applyNorm, type NormStats } from './norm-stats.js';
import type { Segment } from './split-plan.js';

/** Rows of the train split the expected-norm scale is measured on. */
export const EXPECTED_NORM_SAMPLE_ROWS = 8192;

/**
 * normalize_activations: expected_norm (Anthropic's "scale so E‖x‖ = √d"): the factor s = √d / mean‖x‖
 * over the first train rows (after z-scoring, when the data is z-scored). The scale becomes part of
 * the normalisation statistics (std / s, or mean 0 and std 1/s without z-scoring), so every loader,
 * `deeplens eval` and the SAELens export apply or fold it exactly as they do the z-score.
 */
export async function expectedNormStats(source: ActivationSource, train: readonly Segment[], stats: NormStats | undefined): Promise<{ stats: NormStats; scale: number }> {
  const cols = source.cols;
  let rows = 0;
  let sumNorm = 0;
  for (const seg of train) {
    if (rows >= EXPECTED_NORM_SAMPLE_ROWS) break;
    const n = Math.min(seg.count, EXPECTED_NORM_SAMPLE_ROWS - rows);
    const buf = new Float32Array(n * cols);
    await source.readRows(seg.start, n, buf);
    if (stats) applyNorm(buf, n, stats);
    for (let r = 0; r < n; r++) {
      let ss = 0;
      for (let c = 0; c < cols; c++) ss += buf[r * cols + c]! ** 2;
      sumNorm += Math.sqrt(ss);
    }
    rows += n;
  }
  const meanNorm = sumNorm / Math.max(rows, 1);
  const scale = meanNorm > 0 ? Math.sqrt(cols) / meanNorm : 1;
  const std = stats ? stats.std.map((s) => s / scale) : new Float32Array(cols).fill(1 / scale);
  return { stats: { mean: stats ? stats.mean : new Float32Array(cols), std, rows: stats?.rows ?? rows }, scale };
}
