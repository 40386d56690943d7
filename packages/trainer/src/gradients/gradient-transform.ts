import type { Backend, Tensor } from '@deeplens/core';
import { globalNormSquared } from './global-norm.js';

/** What a transform may measure, on the backend and on demand (nothing is read back unless it reads). */
export interface GradientContext {
  /** √Σg² over every gradient as they are now (after earlier transforms), as a new [1] tensor the caller disposes. */
  globalNorm(): Tensor;
}

/**
 * A transformation of the gradients before the optimiser step (optax style): it may rescale them
 * in place. Transforms compose with `chainTransforms`; each sees the gradients the previous one
 * left. A transform that reads a value back costs a host round trip on every step.
 */
export interface GradientTransform {
  readonly name: string;
  apply(grads: ReadonlyMap<string, Tensor>, backend: Backend, context: GradientContext): Promise<void> | void;
}

/** The context for a set of gradients: the norm is computed when (and each time) a transform asks. */
export function gradientContext(grads: ReadonlyMap<string, Tensor>, backend: Backend): GradientContext {
  return {
    globalNorm: () => {
      const sq = globalNormSquared(grads, backend);
      try {
        return backend.sqrt(sq);
      } finally {
        sq.dispose();
      }
    },
  };
}

export function chainTransforms(...transforms: GradientTransform[]): GradientTransform {
  return {
    name: transforms.map((t) => t.name).join(' → ') || 'identity',
    async apply(grads, backend, context) {
      for (const t of transforms) await t.apply(grads, backend, context);
    },
  };
}
