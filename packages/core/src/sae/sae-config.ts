import { InvalidConfigError } from '../errors.js';
import { isKnownActivation } from '../backend/activations.js';
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

/** A problem with one option: its snake_case key, what is wrong, and how to fix it. */
export interface ConfigRuleIssue {
  key: string;
  message: string;
  hint?: string;
}

/**
 * Every rule a model config must follow, in one place: the library (`resolveSaeConfig`), YAML
 * configs and the CLI (the trainer's schema) all report these, worded the same. `partial`: the
 * input may lack input_dims/n_features (reported elsewhere); the other rules still apply.
 */
export function saeConfigIssues(c: SaeConfig, options: { partial?: boolean } = {}): ConfigRuleIssue[] {
  const issues: ConfigRuleIssue[] = [];
  const key = (k: keyof SaeConfig): string => SAE_CONFIG_KEYS[k];
  for (const k of ['inputDims', 'nFeatures'] as const) {
    // partial: a missing value is reported by whoever parsed the input (e.g. the YAML schema).
    if (options.partial && c[k] === undefined) continue;
    if (!Number.isInteger(c[k]) || c[k] < 1) issues.push({ key: key(k), message: `must be a positive integer, got ${String(c[k])}` });
  }
  if (typeof c.activation !== 'string' || !isKnownActivation(c.activation)) {
    issues.push({ key: 'activation', message: `must be 'relu' or 'silu' (or an activation registered with defineActivation), got ${JSON.stringify(c.activation)}` });
  }
  for (const k of ['inputNorm', 'tieWeights', 'unitNormDecoder'] as const) {
    if (typeof c[k] !== 'boolean') issues.push({ key: key(k), message: `must be true or false, got ${String(c[k])}` });
  }
  const fUnknown = options.partial && !Number.isInteger(c.nFeatures);
  if (c.k !== null && (!Number.isInteger(c.k) || c.k < 1 || (!fUnknown && c.k > c.nFeatures))) {
    issues.push({ key: 'k', message: fUnknown ? `must be a positive integer, got ${String(c.k)}` : `must be an integer between 1 and n_features (${c.nFeatures}), got ${String(c.k)}` });
  }
  if (c.betaL1 !== null && (typeof c.betaL1 !== 'number' || !Number.isFinite(c.betaL1) || c.betaL1 < 0)) {
    issues.push({ key: 'beta_l1', message: `must be a non-negative number or null, got ${String(c.betaL1)}` });
  }
  if (c.k !== null && c.betaL1 !== null) {
    issues.push({ key: 'beta_l1', message: 'is set together with k; TopK and L1 sparsity are alternatives', hint: 'use k for TopK with beta_l1: null, or k: null with beta_l1 for L1' });
  }
  if (c.k === null && c.betaL1 === null) {
    issues.push({ key: 'k', message: 'no sparsity is configured', hint: 'set k (TopK, e.g. 3% of n_features) or beta_l1 (L1, e.g. 0.001)' });
  }
  return issues;
}

/** The defaults filled in (undefined means "use the default"). */
export function withSaeConfigDefaults(input: SaeConfigInput): SaeConfig {
  return { ...SAE_CONFIG_DEFAULTS, ...stripUndefined(input) } as SaeConfig;
}

/** Fill defaults and check every option (`saeConfigIssues`); the first problem is thrown as InvalidConfigError. */
export function resolveSaeConfig(input: SaeConfigInput): SaeConfig {
  const c = withSaeConfigDefaults(input);
  const [first] = saeConfigIssues(c);
  if (first) throw new InvalidConfigError(first.key, first.message, first.hint ? { hint: first.hint } : undefined);
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
