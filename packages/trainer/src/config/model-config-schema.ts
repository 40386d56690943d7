import type { SaeConfigInput } from '@deeplens/core';
import { z } from 'zod';

/** The model keys of DeepLens's config.yaml, exactly as the tutorial writes them. */
export const modelConfigSchema = z
  .object({
    input_dims: z.number().int().positive(),
    n_features: z.number().int().positive(),
    activation: z.enum(['relu', 'silu']).default('relu'),
    input_norm: z.boolean().default(false),
    k: z.number().int().positive().nullable().default(null),
    beta_l1: z.number().nonnegative().nullable().default(null),
    tie_weights: z.boolean().default(false),
    unit_norm_decoder: z.boolean().default(true),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.k !== null && c.k > c.n_features) ctx.addIssue({ code: 'custom', path: ['k'], message: `must not exceed n_features (${c.n_features}), got ${c.k}` });
    if (c.k !== null && c.beta_l1 !== null) ctx.addIssue({ code: 'custom', path: ['beta_l1'], message: 'must be null when k is set (TopK and L1 are alternatives)' });
    if (c.k === null && c.beta_l1 === null) ctx.addIssue({ code: 'custom', path: ['k'], message: 'set k (TopK) or beta_l1 (L1)' });
  });

export type ModelConfigYaml = z.infer<typeof modelConfigSchema>;
export const MODEL_CONFIG_KEYS = Object.keys(modelConfigSchema.shape) as readonly string[];

export function modelConfigToInput(c: ModelConfigYaml): SaeConfigInput {
  return {
    inputDims: c.input_dims,
    nFeatures: c.n_features,
    activation: c.activation,
    inputNorm: c.input_norm,
    k: c.k,
    betaL1: c.beta_l1,
    tieWeights: c.tie_weights,
    unitNormDecoder: c.unit_norm_decoder,
  };
}
