import type { Backend } from '../backend/backend.js';
import { DisposeBag } from '../backend/dispose-bag.js';
import type { Tensor } from '../backend/tensor.js';

/**
 * How fast BatchTopK's inference threshold follows the batches: θ ← (1 − r)·θ + r·m with m the
 * smallest activation a training batch kept (SAELens's `topk_threshold_lr`, 0.01). The first
 * estimate is the first batch's m; a batch that kept no positive activation leaves θ alone.
 */
export const BATCH_THRESHOLD_RATE = 0.01;

/** θ [1] updated in place from a step's smallest kept activation m [1] (−1: none), on the device. */
export function updateBatchThreshold(backend: Backend, theta: Tensor, minKept: Tensor, rate = BATCH_THRESHOLD_RATE): void {
  const bag = new DisposeBag();
  try {
    const zero = bag.add(backend.fill([1], 0));
    const moved = bag.add(backend.add(bag.add(backend.scale(theta, 1 - rate)), bag.add(backend.scale(minKept, rate))));
    const unset = bag.add(backend.greater(zero, theta));
    const next = bag.add(backend.where(unset, minKept, moved));
    const valid = bag.add(backend.greater(minKept, zero));
    backend.assignInPlace(theta, bag.add(backend.where(valid, next, theta)));
  } finally {
    bag.dispose();
  }
}
