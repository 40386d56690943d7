import { SAE_CONFIG_KEYS, saeConfigIssues, withSaeConfigDefaults, type SaeConfigInput } from '@deeplens/core';
import { z } from 'zod';
import { toIssue, type ConfigIssue } from './config-issues.js';

/**
 * The model keys of DeepLens's config.yaml, exactly as the tutorial writes them. Types and
 * defaults only: the value rules are core's `saeConfigIssues` (see `modelRuleIssues`), the same
 * ones `resolveSaeConfig` applies to the library API.
 */
export const modelConfigSchema = z
  .object({
    input_dims: z.number(),
    n_features: z.number(),
    activation: z.string().default('relu'),
    input_norm: z.boolean().default(false),
    k: z.number().nullable().default(null),
    beta_l1: z.number().nullable().default(null),
    tie_weights: z.boolean().default(false),
    unit_norm_decoder: z.boolean().default(true),
  })
  .strict();

/**
 * core's model rules (`saeConfigIssues`) on raw snake_case values, as config issues: checked even
 * when the schema found other problems, so a file's every mistake is reported at once.
 */
export function modelRuleIssues(raw: Readonly<Record<string, unknown>>): ConfigIssue[] {
  const input = Object.fromEntries(Object.entries(SAE_CONFIG_KEYS).filter(([, snake]) => snake in raw).map(([camel, snake]) => [camel, raw[snake]]));
  return saeConfigIssues(withSaeConfigDefaults(input as unknown as SaeConfigInput), { partial: true }).map(toIssue(''));
}

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
