import { InvalidConfigError } from '../errors.js';
import { isKnownActivation } from '../backend/activations.js';
import type { ActivationKind } from '../backend/backend.js';
import { SAE_ARCHITECTURES, type BDecInit, type DecoderInit, type SaeArchitecture } from './architecture.js';
import { extendedIssues, sparsityIssues } from './architecture-rules.js';

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
  /**
   * The sparsity mechanism (architectures.md in the docs). null: DeepLens's, read from the other
   * keys (k set → 'topk', beta_l1 set → 'l1').
   */
  architecture: SaeArchitecture | null;
  /** AuxK loss coefficient α (0: off). TopK-style architectures only. */
  auxKCoef: number;
  /** Latents the AuxK loss revives per row (null: input_dims / 2); only dead latents are chosen. */
  auxK: number | null;
  /** How b_dec starts: zeros (DeepLens), or the mean / geometric median of a first sample of training rows. */
  bDecInit: BDecInit;
  /** 'xavier' (DeepLens) or 'encoder_transpose': W_enc starts as W_decᵀ (OpenAI). */
  decoderInit: DecoderInit;
  /** JumpReLU: coefficient λ of the L0 penalty. */
  l0Coefficient: number | null;
  /** JumpReLU: width ε of the rectangle kernel of the straight-through estimators. */
  jumpreluBandwidth: number;
  /** JumpReLU: the thresholds' starting value. */
  jumpreluInitThreshold: number;
  /** JumpReLU: penalise (L0 / target_l0 − 1)² instead of L0 (null: plain L0 penalty). */
  targetL0: number | null;
  /** Matryoshka: nested prefix sizes, increasing, the last equal to n_features. */
  matryoshkaPrefixes: readonly number[] | null;
}

export type SaeConfigInput = Pick<SaeConfig, 'inputDims' | 'nFeatures'> & Partial<Omit<SaeConfig, 'inputDims' | 'nFeatures'>>;

export const SAE_CONFIG_DEFAULTS = {
  activation: 'relu',
  inputNorm: false,
  k: null,
  betaL1: null,
  tieWeights: false,
  unitNormDecoder: true,
  architecture: null,
  auxKCoef: 0,
  auxK: null,
  bDecInit: 'zeros',
  decoderInit: 'xavier',
  l0Coefficient: null,
  jumpreluBandwidth: 0.001,
  jumpreluInitThreshold: 0.001,
  targetL0: null,
  matryoshkaPrefixes: null,
} as const satisfies Partial<SaeConfig>;

/** Options beyond DeepLens's: written to config.json only when they differ from their default. */
export const EXTENDED_SAE_CONFIG_KEYS = [
  'architecture', 'auxKCoef', 'auxK', 'bDecInit', 'decoderInit', 'l0Coefficient', 'jumpreluBandwidth', 'jumpreluInitThreshold', 'targetL0', 'matryoshkaPrefixes',
] as const satisfies readonly (keyof SaeConfig)[];

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
  architecture: 'architecture',
  auxKCoef: 'aux_k_coef',
  auxK: 'aux_k',
  bDecInit: 'b_dec_init',
  decoderInit: 'decoder_init',
  l0Coefficient: 'l0_coefficient',
  jumpreluBandwidth: 'jumprelu_bandwidth',
  jumpreluInitThreshold: 'jumprelu_init_threshold',
  targetL0: 'target_l0',
  matryoshkaPrefixes: 'matryoshka_prefixes',
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
  const fUnknown = options.partial === true && !Number.isInteger(c.nFeatures);
  if (c.k !== null && (!Number.isInteger(c.k) || c.k < 1 || (!fUnknown && c.k > c.nFeatures))) {
    issues.push({ key: 'k', message: fUnknown ? `must be a positive integer, got ${String(c.k)}` : `must be an integer between 1 and n_features (${c.nFeatures}), got ${String(c.k)}` });
  }
  if (c.betaL1 !== null && (typeof c.betaL1 !== 'number' || !Number.isFinite(c.betaL1) || c.betaL1 < 0)) {
    issues.push({ key: 'beta_l1', message: `must be a non-negative number or null, got ${String(c.betaL1)}` });
  }
  if (c.architecture !== null && !(SAE_ARCHITECTURES as readonly unknown[]).includes(c.architecture)) {
    issues.push({ key: 'architecture', message: `must be one of ${SAE_ARCHITECTURES.join(', ')} (or null for DeepLens's choice from k / beta_l1), got ${JSON.stringify(c.architecture)}` });
    return issues;
  }
  issues.push(...sparsityIssues(c), ...extendedIssues(c, fUnknown));
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
  const defaults = SAE_CONFIG_DEFAULTS as Partial<Record<keyof SaeConfig, unknown>>;
  for (const [camel, snake] of Object.entries(SAE_CONFIG_KEYS)) {
    const key = camel as keyof SaeConfig;
    // DeepLens configs keep DeepLens's config.json: the newer options appear only when used.
    if ((EXTENDED_SAE_CONFIG_KEYS as readonly string[]).includes(key) && JSON.stringify(c[key]) === JSON.stringify(defaults[key])) continue;
    out[snake] = Array.isArray(c[key]) ? [...(c[key] as readonly number[])] : c[key];
  }
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
