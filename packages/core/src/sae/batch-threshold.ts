import type { Backend } from '../backend/backend.js';
import { DisposeBag } from '../backend/dispose-bag.js';
import type { Tensor } from '../backend/tensor.js';

/**
 * BatchTopK's inference threshold θ follows the smallest activation m each training batch keeps:
 *
 *   n ← n + 1,   θ ← θ + max(1/n, r)·(m − θ)
 *
 * — the running mean of m over the first 1/r batches (the first batch sets θ = m), then an
 * exponential moving average with rate r = 0.01 (SAELens's `topk_threshold_lr`), so early batches
 * of an untrained model stop weighing on θ. A batch that kept no positive activation (m = −1)
 * changes nothing. θ and n are the model's buffers `threshold` and `threshold_updates`.
 */
export const BATCH_THRESHOLD_RATE = 0.01;

/** θ [1] and n [1] updated in place from a step's smallest kept activation m [1], on the device. */
export function updateBatchThreshold(backend: Backend, theta: Tensor, updates: Tensor, minKept: Tensor, rate = BATCH_THRESHOLD_RATE): void {
  const bag = new DisposeBag();
  try {
    const zero = bag.add(backend.fill([1], 0));
    const valid = bag.add(backend.greater(minKept, zero));
    const n = bag.add(backend.add(updates, valid));
    const one = bag.add(backend.fill([1], 1));
    const step = bag.add(backend.maximum(bag.add(backend.div(one, bag.add(backend.maximum(n, one)))), bag.add(backend.fill([1], rate))));
    const moved = bag.add(backend.add(theta, bag.add(backend.mul(step, bag.add(backend.sub(minKept, theta))))));
    // The first estimate is m itself (θ + (m − θ) could round away from it).
    const first = bag.add(backend.greater(bag.add(backend.fill([1], 1.5)), n));
    const next = bag.add(backend.where(first, minKept, moved));
    backend.assignInPlace(theta, bag.add(backend.where(valid, next, theta)));
    backend.assignInPlace(updates, n);
  } finally {
    bag.dispose();
  }
}
