import { InvalidConfigError } from '../errors.js';
import type { ActivationKind } from '../backend/backend.js';

/** The model options of DeepLens's config.yaml, in camelCase. */
export interface SaeConfig {
  /** Width of the activation vectors (e.g. 3072 for GPT-2 MLP activations). */
  inputDims: number;
  /** Dictionary size (number of latents). */
  nFeatures: number;
  activation: ActivationKind;
  /** LayerNorm with learnable weight and bias on the encoder input. */
  inputNorm: boolean;
  /** TopK sparsity: keep the k latents of largest magnitude per row. null: L1 mode. */
  k: number | null;
  /** L1 coefficient (L1 mode only; null with TopK). */
  betaL1: number | null;
  /** Decoder is the encoder's transpose. */
  tieWeights: boolean;
  /** Renormalise each feature's decoder direction to unit norm after every step (untied only). */
  unitNormDecoder: boolean;
}

export type SaeConfigInput = Pick<SaeConfig, 'inputDims' | 'nFeatures'> & Partial<Omit<SaeConfig, 'inputDims' | 'nFeatures'>>;

export const SAE_CONFIG_DEFAULTS = {
  activation: 'relu',
  inputNorm: false,
  k: null,
  betaL1: null,
  tieWeights: false,
  unitNormDecoder: true,
} as const satisfies Partial<SaeConfig>;

/** camelCase option → the snake_case key of DeepLens's config.yaml. */
export const SAE_CONFIG_KEYS: Readonly<Record<keyof SaeConfig, string>> = {
  inputDims: 'input_dims',
  nFeatures: 'n_features',
  activation: 'activation',
  inputNorm: 'input_norm',
  k: 'k',
  betaL1: 'beta_l1',
  tieWeights: 'tie_weights',
  unitNormDecoder: 'unit_norm_decoder',
};

/** Fill defaults and check every option; errors name the snake_case key and how to fix it. */
export function resolveSaeConfig(input: SaeConfigInput): SaeConfig {
  const c = { ...SAE_CONFIG_DEFAULTS, ...stripUndefined(input) } as SaeConfig;
  const key = (k: keyof SaeConfig): string => SAE_CONFIG_KEYS[k];
  for (const k of ['inputDims', 'nFeatures'] as const) {
    if (!Number.isInteger(c[k]) || c[k] < 1) {
      throw new InvalidConfigError(key(k), `must be a positive integer, got ${String(c[k])}`);
    }
  }
  if (c.activation !== 'relu' && c.activation !== 'silu') {
    throw new InvalidConfigError('activation', `must be 'relu' or 'silu', got ${JSON.stringify(c.activation)}`);
  }
  for (const k of ['inputNorm', 'tieWeights', 'unitNormDecoder'] as const) {
    if (typeof c[k] !== 'boolean') throw new InvalidConfigError(key(k), `must be true or false, got ${String(c[k])}`);
  }
  if (c.k !== null && (!Number.isInteger(c.k) || c.k < 1 || c.k > c.nFeatures)) {
    throw new InvalidConfigError('k', `must be an integer between 1 and n_features (${c.nFeatures}), got ${String(c.k)}`);
  }
  if (c.betaL1 !== null && (typeof c.betaL1 !== 'number' || !Number.isFinite(c.betaL1) || c.betaL1 < 0)) {
    throw new InvalidConfigError('beta_l1', `must be a non-negative number or null, got ${String(c.betaL1)}`);
  }
  if (c.k !== null && c.betaL1 !== null) {
    throw new InvalidConfigError('beta_l1', 'is set together with k; TopK and L1 sparsity are alternatives', {
      hint: 'use k for TopK with beta_l1: null, or k: null with beta_l1 for L1',
    });
  }
  if (c.k === null && c.betaL1 === null) {
    throw new InvalidConfigError('k', 'no sparsity is configured', {
      hint: 'set k (TopK, e.g. 3% of n_features) or beta_l1 (L1, e.g. 0.001)',
    });
  }
  return c;
}

/** The snake_case form written next to model files and read from config.yaml. */
export function saeConfigToSnakeCase(c: SaeConfig): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [camel, snake] of Object.entries(SAE_CONFIG_KEYS)) out[snake] = c[camel as keyof SaeConfig];
  return out;
}

/** Inverse of saeConfigToSnakeCase; keys that are not model options are ignored. */
export function saeConfigFromSnakeCase(obj: Record<string, unknown>): SaeConfig {
  const input: Record<string, unknown> = {};
  for (const [camel, snake] of Object.entries(SAE_CONFIG_KEYS)) if (snake in obj) input[camel] = obj[snake];
  return resolveSaeConfig(input as unknown as SaeConfigInput);
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
