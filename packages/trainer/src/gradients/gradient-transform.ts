import type { Backend, Tensor } from '@deeplens/core';

/**
 * A transformation of the gradients before the optimiser step (optax style): it may rescale them
 * in place and reports what it measured. Transforms compose with `chainTransforms`.
 */
export interface GradientTransform {
  readonly name: string;
  apply(grads: ReadonlyMap<string, Tensor>, backend: Backend, context: { globalNorm: number }): Promise<void> | void;
}

export function chainTransforms(...transforms: GradientTransform[]): GradientTransform {
  return {
    name: transforms.map((t) => t.name).join(' → ') || 'identity',
    async apply(grads, backend, context) {
      for (const t of transforms) await t.apply(grads, backend, context);
    },
  };
}
