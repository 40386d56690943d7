import { InvalidConfigError, type Tensor } from '@deeplens/core';
import type { GradientTransform } from './gradient-transform.js';

/**
 * Scale all gradients by min(1, maxNorm / (norm + 1e-6)) — torch.nn.utils.clip_grad_norm_, on the
 * backend: the norm is never read back, so clipping costs no host round trip.
 */
export function clipByGlobalNorm(maxNorm: number): GradientTransform {
  if (!(maxNorm > 0 && Number.isFinite(maxNorm))) {
    throw new InvalidConfigError('grad_clip_norm', `must be a positive number, got ${maxNorm}`);
  }
  return {
    name: `clipByGlobalNorm(${maxNorm})`,
    apply(grads, backend, context) {
      const held: Tensor[] = [];
      const keep = (t: Tensor) => (held.push(t), t);
      try {
        const norm = keep(context.globalNorm());
        const coef = keep(backend.div(keep(backend.fill([1], maxNorm)), keep(backend.addScalar(norm, 1e-6))));
        const clamped = keep(backend.minimum(coef, keep(backend.fill([1], 1))));
        for (const g of grads.values()) {
          const scaled = backend.mul(g, clamped);
          try {
            backend.assignInPlace(g, scaled);
          } finally {
            scaled.dispose();
          }
        }
      } finally {
        for (const t of held) t.dispose();
      }
    },
  };
}
