import * as tf from '@tensorflow/tfjs-core';
import type { GatherStrategy, NanRanking } from './tfjs-engine.js';

/**
 * The TopK path's sparse products as tfjs gathers and scatter-adds, never a dense [rows, cols]
 * product. Every function runs inside the caller's `tf.tidy`. Work that would materialise a
 * [rows, k, n] tensor is done in row blocks of at most BLOCK_ELEMENTS, so a 4096-row batch does
 * not hold 4096·32·768 floats at once.
 */
export const BLOCK_ELEMENTS = 1 << 24;

/** [start, count] row blocks with count·perRow ≤ limit (at least one row per block). */
export function rowBlocks(rows: number, perRow: number, limit = BLOCK_ELEMENTS): Array<[number, number]> {
  const step = Math.max(1, Math.floor(limit / Math.max(1, perRow)));
  const blocks: Array<[number, number]> = [];
  for (let start = 0; start < rows; start += step) blocks.push([start, Math.min(step, rows - start)]);
  return blocks;
}

/** Rows of w [cols, n] at idx (int32, any shape) → [idx.size, n]. */
export function gatherRows(w: tf.Tensor, idx: tf.Tensor, strategy: GatherStrategy): tf.Tensor2D {
  const flat = tf.reshape(idx, [idx.size]);
  return (strategy === 'gatherND' ? tf.gatherND(w, tf.reshape(flat, [idx.size, 1])) : tf.gather(w, flat)) as tf.Tensor2D;
}

/** out[r, j] = x[r, idx[r, j]] for x [rows, cols], idx [rows, k]. */
export function gatherCols(x: tf.Tensor, idx: tf.Tensor, strategy: GatherStrategy): tf.Tensor2D {
  const [rows, cols] = x.shape as [number, number];
  const k = idx.shape[1]!;
  const rowIds = tf.broadcastTo(tf.reshape(tf.range(0, rows, 1, 'int32'), [rows, 1]), [rows, k]);
  if (strategy === 'gatherND') return tf.gatherND(x, tf.stack([rowIds, idx], 2)) as tf.Tensor2D;
  const flatIdx = tf.add(tf.mul(rowIds, tf.scalar(cols, 'int32')), idx);
  return tf.reshape(tf.gather(tf.reshape(x, [rows * cols]), tf.reshape(flatIdx, [rows * k])), [rows, k]);
}

/** Dense [rows, cols] from values/idx [rows, k]; duplicate positions add up. */
export function scatterToDense(values: tf.Tensor, idx: tf.Tensor, cols: number): tf.Tensor2D {
  const [rows, k] = values.shape as [number, number];
  const rowIds = tf.broadcastTo(tf.reshape(tf.range(0, rows, 1, 'int32'), [rows, 1]), [rows, k]);
  const nd = tf.reshape(tf.stack([rowIds, idx], 2), [rows * k, 2]);
  return tf.scatterND(nd, tf.reshape(values, [rows * k]), [rows, cols]) as tf.Tensor2D;
}

/** Σ_j values[r, j]·W[idx[r, j], :] with W [cols, n] → [rows, n]. */
export function sparseMatmul(values: tf.Tensor, idx: tf.Tensor, w: tf.Tensor, strategy: GatherStrategy, limit = BLOCK_ELEMENTS): tf.Tensor2D {
  const [rows, k] = values.shape as [number, number];
  const n = w.shape[1]!;
  const parts = rowBlocks(rows, k * n, limit).map(([start, count]) => {
    const wg = tf.reshape(gatherRows(w, tf.slice(idx, [start, 0], [count, k]), strategy), [count, k, n]);
    const v = tf.reshape(tf.slice(values, [start, 0], [count, k]), [count, 1, k]);
    return tf.reshape(tf.matMul(v, wg), [count, n]);
  });
  return (parts.length === 1 ? parts[0]! : tf.concat(parts, 0)) as tf.Tensor2D;
}

/** out[r, j] = ⟨a[r, :], W[idx[r, j], :]⟩ with a [rows, n], W [cols, n] → [rows, k]. */
export function sampledMatmul(a: tf.Tensor, w: tf.Tensor, idx: tf.Tensor, strategy: GatherStrategy, limit = BLOCK_ELEMENTS): tf.Tensor2D {
  const [rows, n] = a.shape as [number, number];
  const k = idx.shape[1]!;
  const parts = rowBlocks(rows, k * n, limit).map(([start, count]) => {
    const wg = tf.reshape(gatherRows(w, tf.slice(idx, [start, 0], [count, k]), strategy), [count, k, n]);
    const col = tf.reshape(tf.slice(a, [start, 0], [count, n]), [count, n, 1]);
    return tf.reshape(tf.matMul(wg, col), [count, k]);
  });
  return (parts.length === 1 ? parts[0]! : tf.concat(parts, 0)) as tf.Tensor2D;
}

/** spᵀ·y: Σ_r values[r, j]·y[r, :] added into row idx[r, j] of a [cols, n] result. */
export function sparseTransposeMatmul(values: tf.Tensor, idx: tf.Tensor, y: tf.Tensor, cols: number, limit = BLOCK_ELEMENTS): tf.Tensor2D {
  const [rows, k] = values.shape as [number, number];
  const n = y.shape[1]!;
  let out: tf.Tensor | undefined;
  for (const [start, count] of rowBlocks(rows, k * n, limit)) {
    const v = tf.reshape(tf.slice(values, [start, 0], [count, k]), [count, k, 1]);
    const yr = tf.reshape(tf.slice(y, [start, 0], [count, n]), [count, 1, n]);
    const updates = tf.reshape(tf.mul(v, yr), [count * k, n]);
    const at = tf.reshape(tf.slice(idx, [start, 0], [count, k]), [count * k, 1]);
    const part = tf.scatterND(at, updates, [cols, n]);
    out = out ? tf.add(out, part) : part;
  }
  return (out ?? tf.zeros([cols, n])) as tf.Tensor2D;
}

/** Column sums of the sparse matrix → [cols]. */
export function sparseColumnSum(values: tf.Tensor, idx: tf.Tensor, cols: number): tf.Tensor1D {
  return tf.scatterND(tf.reshape(idx, [idx.size, 1]), tf.reshape(values, [values.size]), [cols]) as tf.Tensor1D;
}

/** The largest float32: NaN and +∞ are ranked as it (tfjs's cpu top-k misorders rows holding +∞). */
const FLOAT32_MAX = 3.4028234663852886e38;

/**
 * Per row, the k positions of largest key (key ≥ 0: |x| or relu(x)), ties to the lower column. NaN
 * ranks first, as in torch.topk: tfjs's top-k treats NaN as unordered and then loses real maxima,
 * so NaN and +∞ are ranked as the largest float32 (only an exact float32-max entry could tie them).
 */
export function topKPositions(key: tf.Tensor, k: number, ranking: NanRanking): tf.Tensor2D {
  const max = tf.scalar(FLOAT32_MAX);
  const ranked = ranking === 'minimum' ? tf.minimum(max, key) : tf.where(tf.logicalOr(tf.isNaN(key), tf.isInf(key)), max, key);
  const { values, indices } = tf.topk(ranked, k);
  values.dispose();
  return indices as tf.Tensor2D;
}
