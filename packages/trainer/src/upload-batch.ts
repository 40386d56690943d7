import type { Backend, Batch, Tensor } from '@deeplens/core';

/**
 * A batch on the backend: one [rows, d] tensor, or with `microBatchSize` row blocks of at most that
 * many rows (the model accumulates one set of gradients over them). The caller disposes them.
 */
export function uploadBatch(backend: Backend, batch: Batch, microBatchSize: number | null): Tensor[] {
  const per = microBatchSize === null ? batch.rows : Math.max(1, microBatchSize);
  const parts: Tensor[] = [];
  try {
    for (let r0 = 0; r0 < batch.rows || parts.length === 0; r0 += per) {
      const r1 = Math.min(batch.rows, r0 + per);
      parts.push(backend.fromArray(batch.data.subarray(r0 * batch.cols, r1 * batch.cols), [r1 - r0, batch.cols]));
    }
  } catch (error) {
    for (const t of parts) t.dispose();
    throw error;
  }
  return parts;
}
