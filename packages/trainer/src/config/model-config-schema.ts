import { SAE_CONFIG_DEFAULTS, SAE_CONFIG_KEYS, saeConfigIssues, withSaeConfigDefaults, type SaeConfigInput } from '@deeplens/core';
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
    // Beyond DeepLens (docs: architectures); the defaults give DeepLens's model.
    architecture: z.string().nullable().default(null),
    aux_k_coef: z.number().default(0),
    aux_k: z.number().nullable().default(null),
    b_dec_init: z.string().default('zeros'),
    decoder_init: z.string().default('xavier'),
    l0_coefficient: z.number().nullable().default(null),
    jumprelu_bandwidth: z.number().default(0.001),
    jumprelu_init_threshold: z.number().default(0.001),
    target_l0: z.number().nullable().default(null),
    matryoshka_prefixes: z.array(z.number()).nullable().default(null),
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
  const input: SaeConfigInput = {
    inputDims: c.input_dims,
    nFeatures: c.n_features,
    activation: c.activation,
    inputNorm: c.input_norm,
    k: c.k,
    betaL1: c.beta_l1,
    tieWeights: c.tie_weights,
    unitNormDecoder: c.unit_norm_decoder,
  };
  // The options beyond DeepLens appear only when set, so the tutorial's config reads as DeepLens's.
  const extended: Partial<SaeConfigInput> = {
    architecture: c.architecture as SaeConfigInput['architecture'],
    auxKCoef: c.aux_k_coef,
    auxK: c.aux_k,
    bDecInit: c.b_dec_init as SaeConfigInput['bDecInit'],
    decoderInit: c.decoder_init as SaeConfigInput['decoderInit'],
    l0Coefficient: c.l0_coefficient,
    jumpreluBandwidth: c.jumprelu_bandwidth,
    jumpreluInitThreshold: c.jumprelu_init_threshold,
    targetL0: c.target_l0,
    matryoshkaPrefixes: c.matryoshka_prefixes,
  };
  const defaults = SAE_CONFIG_DEFAULTS as Partial<Record<string, unknown>>;
  for (const [key, value] of Object.entries(extended)) {
    if (JSON.stringify(value) !== JSON.stringify(defaults[key])) (input as unknown as Record<string, unknown>)[key] = value;
  }
  return input;
}
