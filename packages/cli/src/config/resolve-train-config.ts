import { readFileSync } from 'node:fs';
import { DataFileNotFoundError } from '@deeplens/core';
import { ConfigValidationError, normalizeYamlValue, parseYaml, resolveRunConfig, type RunConfig } from '@deeplens/trainer';

export type TrainConfig = RunConfig;

/** Command-line flag → config key path (a path without a dot is a top-level model key). Every key has one. */
export const FLAG_PATHS: Readonly<Record<string, string>> = {
  'input-dims': 'input_dims',
  'n-features': 'n_features',
  activation: 'activation',
  'input-norm': 'input_norm',
  k: 'k',
  'beta-l1': 'beta_l1',
  'tie-weights': 'tie_weights',
  'unit-norm-decoder': 'unit_norm_decoder',
  backend: 'trainer.device',
  'model-name': 'trainer.model_name',
  epochs: 'trainer.epochs',
  'batch-size': 'data.batch_size',
  lr: 'optim.lr',
  betas: 'optim.betas',
  eps: 'optim.eps',
  'decay-biases': 'optim.decay_biases',
  optim: 'optim.type',
  'weight-decay': 'optim.weight_decay',
  'eval-steps': 'trainer.eval_steps',
  'lrs-type': 'trainer.lrs_type',
  'warmup-fraction': 'trainer.warmup_fraction',
  'grad-clip-norm': 'trainer.grad_clip_norm',
  'optimizer-in-backward': 'trainer.optimizer_in_backward',
  'micro-batch-size': 'trainer.micro_batch_size',
  threads: 'trainer.threads',
  'tfjs-engine': 'trainer.tfjs_engine',
  'log-every-steps': 'trainer.log_every_steps',
  'checkpoint-every-steps': 'trainer.checkpoint_every_steps',
  'checkpoint-every-minutes': 'trainer.checkpoint_every_minutes',
  'save-checkpoints': 'trainer.save_checkpoints',
  'save-best-only': 'trainer.save_best_only',
  seed: 'trainer.random_seed',
  out: 'trainer.output_dir',
  bf16: 'trainer.bf16',
  wandb: 'trainer.log_to_wandb',
  'no-shuffle': 'data.shuffle',
  'no-norm': 'data.norm',
  'data-seed': 'data.seed',
  splits: 'data.splits',
  key: 'data.key',
  flatten: 'data.flatten',
  'skip-non-finite': 'data.skip_non_finite',
  'normalize-activations': 'data.normalize_activations',
  architecture: 'architecture',
  'aux-k-coef': 'aux_k_coef',
  'aux-k': 'aux_k',
  'b-dec-init': 'b_dec_init',
  'decoder-init': 'decoder_init',
  'l0-coefficient': 'l0_coefficient',
  'jumprelu-bandwidth': 'jumprelu_bandwidth',
  'jumprelu-init-threshold': 'jumprelu_init_threshold',
  'target-l0': 'target_l0',
  'matryoshka-prefixes': 'matryoshka_prefixes',
  'dead-window-tokens': 'trainer.dead_window_tokens',
  'remove-parallel-grad': 'trainer.remove_parallel_grad',
  'l1-warmup-steps': 'trainer.l1_warmup_steps',
};

/** Read config.yaml (the tutorial's model keys, plus optional data/optim/trainer sections). */
export function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new DataFileNotFoundError(`config file ${path} cannot be read`, { cause: error, hint: 'pass --config <path to config.yaml>' });
  }
  const raw = parseYaml(text, path) ?? {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new ConfigValidationError(path, [{ path: '', message: 'must be a mapping of keys to values' }]);
  return raw as Record<string, unknown>;
}

/** Flags whose value is a comma-separated list, and flags whose value is kept as written. */
const LIST_FLAGS = new Set(['splits', 'betas', 'matryoshka-prefixes']);
const TEXT_FLAGS = new Set(['model-name', 'out', 'key', 'backend', 'activation', 'architecture', 'b-dec-init', 'decoder-init', 'normalize-activations']);

/** The config key paths that flags set, each with its flag (for blaming a bad value on the flag, not the file). */
export function flaggedPaths(flags: Record<string, unknown>): Map<string, string> {
  return new Map(Object.entries(FLAG_PATHS).filter(([flag]) => flags[flag] !== undefined && flags[flag] !== false).map(([flag, path]) => [path, `--${flag}`]));
}

/** Apply flag values on top of the file's values (flags win), typed the same way as YAML values. */
export function applyFlags(raw: Record<string, unknown>, flags: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = structuredClone(raw);
  for (const [flag, path] of Object.entries(FLAG_PATHS)) {
    let value = flags[flag];
    if (value === undefined || value === false) continue;
    if (flag.startsWith('no-')) value = false;
    else if (LIST_FLAGS.has(flag)) value = String(value).split(',').map((s) => normalizeYamlValue(s.trim()));
    else if (typeof value === 'string' && !TEXT_FLAGS.has(flag)) value = normalizeYamlValue(value);
    const [section, key] = path.includes('.') ? (path.split('.') as [string, string]) : [undefined, path];
    const target = section === undefined ? out : ((out[section] ??= {}) as Record<string, unknown>);
    if (typeof target !== 'object' || target === null) continue;
    target[key] = value;
  }
  return out;
}

/** The CLI's name for the trainer's one run-config validation (flags merged in by applyFlags). */
export const resolveTrainConfig = resolveRunConfig;
