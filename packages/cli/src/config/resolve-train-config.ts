import { readFileSync } from 'node:fs';
import { DataFileNotFoundError, type SaeConfigInput } from '@deeplens/core';
import {
  ConfigValidationError, didYouMean, MODEL_CONFIG_KEYS, modelConfigSchema, modelConfigToInput, normalizeYamlValue, parseYaml,
  toConfigIssues, type ConfigIssue,
} from '@deeplens/trainer';
import {
  SECTION_SCHEMAS, TOP_LEVEL_KEYS, type DataSection, type OptimSection, type SectionName, type TrainerSection,
} from './train-config-schema.js';

export interface TrainConfig {
  model: SaeConfigInput;
  /** The model keys as written (snake_case), for printing. */
  modelYaml: Record<string, unknown>;
  data: DataSection;
  optim: OptimSection;
  trainer: TrainerSection;
}

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
const LIST_FLAGS = new Set(['splits', 'betas']);
const TEXT_FLAGS = new Set(['model-name', 'out', 'key', 'backend', 'activation']);

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

/**
 * Validate everything at once; every problem names its key path, unknown keys get a suggestion.
 * Problems with values that flags set name the flag, and are not blamed on the file.
 */
export function resolveTrainConfig(raw: Record<string, unknown>, source: string, flagged: ReadonlyMap<string, string> = new Map()): TrainConfig {
  const issues: ConfigIssue[] = [];
  const modelRaw: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    if ((MODEL_CONFIG_KEYS as readonly string[]).includes(key)) modelRaw[key] = value;
    else if (!(key in SECTION_SCHEMAS)) {
      const guess = didYouMean(key, TOP_LEVEL_KEYS);
      issues.push({ path: key, message: 'unknown key', hint: guess ? `did you mean '${guess}'?` : `known keys: ${TOP_LEVEL_KEYS.join(', ')}` });
    }
  }
  const model = modelConfigSchema.safeParse(modelRaw);
  if (!model.success) issues.push(...toConfigIssues(model.error, () => MODEL_CONFIG_KEYS));
  const sections: Partial<Record<SectionName, unknown>> = {};
  for (const [name, schema] of Object.entries(SECTION_SCHEMAS) as Array<[SectionName, (typeof SECTION_SCHEMAS)[SectionName]]>) {
    const value = raw[name] ?? {};
    const parsed = schema.safeParse(value);
    if (parsed.success) sections[name] = parsed.data;
    else issues.push(...toConfigIssues(parsed.error, () => Object.keys(schema.shape), name));
  }
  if (issues.length || !model.success) {
    const blamed = issues.map((i) => (flagged.has(i.path) ? { ...i, path: `${i.path} (from ${flagged.get(i.path)})` } : i));
    const fromFlags = blamed.filter((i, n) => i !== issues[n]).length;
    const where = fromFlags === 0 ? source : fromFlags === issues.length ? 'command-line flags' : `${source} and command-line flags`;
    throw new ConfigValidationError(where, blamed);
  }
  return {
    model: modelConfigToInput(model.data),
    modelYaml: model.data as unknown as Record<string, unknown>,
    data: sections.data as DataSection,
    optim: sections.optim as OptimSection,
    trainer: sections.trainer as TrainerSection,
  };
}
