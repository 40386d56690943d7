import type { Backend } from '../backend/backend.js';

/**
 * One valid call per op, used to check that a declared-unsupported op throws UnsupportedOpError
 * instead of computing something.
 */
export const OP_INVOKERS: Readonly<Record<string, (b: Backend) => unknown>> = {
  matmul: (b) => b.matmul(b.zeros([2, 3]), b.zeros([3, 2])),
  layerNorm: (b) => b.layerNorm(b.zeros([2, 3]), b.zeros([3]), b.zeros([3]), 1e-5),
  topKAbs: (b) => b.topKAbs(b.zeros([2, 3]), 1),
  adamUpdate: (b) =>
    b.adamUpdate(b.zeros([2]), b.zeros([2]), b.zeros([2]), b.zeros([2]), {
      lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, decoupled: false, step: 1,
    }),
};
