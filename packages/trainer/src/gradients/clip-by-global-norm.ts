import { InvalidConfigError } from '@deeplens/core';
import type { GradientTransform } from './gradient-transform.js';

/**
 * Scale all gradients by maxNorm / (norm + 1e-6) when their global norm exceeds maxNorm
 * (torch.nn.utils.clip_grad_norm_).
 */
export function clipByGlobalNorm(maxNorm: number): GradientTransform {
  if (!(maxNorm > 0 && Number.isFinite(maxNorm))) {
    throw new InvalidConfigError('grad_clip_norm', `must be a positive number, got ${maxNorm}`);
  }
  return {
    name: `clipByGlobalNorm(${maxNorm})`,
    apply(grads, backend, { globalNorm }) {
      const coef = maxNorm / (globalNorm + 1e-6);
      if (coef >= 1) return;
      for (const g of grads.values()) backend.scaleInPlace(g, coef);
    },
  };
}
