import type { BackendRegistry, ConfigRuleIssue, DataLoader, Optimizer, SparseAutoencoder } from '@deeplens/core';
import { TrainerOptionsError } from './errors.js';
import type { GradientTransform } from './gradients/gradient-transform.js';
import type { HookRegistration } from './hooks/hook-runner.js';
import type { TrainerHooks } from './hooks/trainer-hooks.js';
import type { TrainerLogger } from './hooks/trainer-logger.js';
import type { RunStorage } from './checkpoint/run-storage.js';
import type { LrsType } from './schedules/build-schedule.js';

/** SAETrainer options: DeepLens's table (camelCase) plus hooks, loggers and where to write. */
export interface SAETrainerOptions {
  model: SparseAutoencoder;
  /** Run folders go to {outputDir}/{modelName}/run_{timestamp}. Default "sae". */
  modelName?: string;
  trainDataloader: DataLoader;
  evalDataloader?: DataLoader;
  /** Default: Adam(model) with torch defaults. */
  optim?: Optimizer;
  /** Default 20. */
  epochs?: number;
  /** bfloat16 matmul inputs with float32 weights and accumulation (default false). */
  bf16?: boolean;
  /** Default 42. Recorded with the run. The deeplens CLI seeds model init and data order with it; in code, pass the same seed to SparseAutoencoder.create and ActivationsDatasetBuilder. */
  randomSeed?: number;
  /** Write run folders (default true). false writes nothing. */
  saveCheckpoints?: boolean;
  /** "auto" (default) or a backend name; resolved through `registry`. */
  device?: string;
  /** Clip the global gradient norm (default null: no clipping). */
  gradClipNorm?: number | null;
  /** Default null (constant lr). */
  lrsType?: LrsType;
  /** Evaluate every this many steps, and at each epoch end (default 5000). */
  evalSteps?: number;
  /** Default 0.1. */
  warmupFraction?: number;
  /** Keep only best_model (default true); false also keeps sae_step_N / sae_epoch_N files. */
  saveBestOnly?: boolean;
  /** Attach the W&B logger (DeepLens default true). The trainer itself only records it; @deeplens/loggers provides the logger. */
  logToWandb?: boolean;
  hooks?: ReadonlyArray<TrainerHooks | HookRegistration>;
  loggers?: readonly TrainerLogger[];
  /** Cadence of loggers' train metrics, in batches of an epoch (default 100). */
  logEverySteps?: number;
  /** Root folder for runs (default "saved_models"). */
  outputDir?: string;
  /**
   * Where runs keep their files (default: run folders on disk from `@deeplens/trainer`, memory from
   * `@deeplens/trainer/browser`). See RunStorage.
   */
  storage?: RunStorage;
  /** Backends for `device`; without it the model's own backend is used. */
  registry?: BackendRegistry;
  /** Finish the step, save and return on SIGINT/SIGTERM (default true). */
  handleSignals?: boolean;
  /** Training tokens after which a silent latent counts as dead (default 10M); AuxK revives these. */
  deadWindowTokens?: number;
  /**
   * Remove from W_dec's gradient its component along each (unit-norm) feature direction before the
   * optimiser step (default false), so the step changes directions, not lengths.
   */
  removeParallelGrad?: boolean;
  /** Ramp the sparsity penalty (beta_l1, l0_coefficient) linearly from 0 over this many steps (default 0: off). */
  l1WarmupSteps?: number;
  /** Extra gradient transforms, applied after clipping. */
  gradientTransforms?: readonly GradientTransform[];
  /**
   * Update each parameter as soon as the backward pass has made its gradient (default false):
   * the decoder weights are updated and their gradient freed before the encoder weights' gradient
   * exists, so one weight-sized gradient is alive at a time instead of two (PyTorch's "optimizer
   * step in backward"). Same numbers as the default. Needs an optimiser with `beginStep` (Adam
   * and AdamW have it); cannot be combined with gradClipNorm, gradientTransforms or an
   * onBeforeOptimizerStep hook, which all need every gradient before the first update.
   */
  optimizerInBackward?: boolean;
  /**
   * Run each batch through the model in row blocks of at most this many rows and add their
   * gradients up before the one optimiser step (default null: the whole batch at once). The
   * step, its losses and its metrics are those of the whole batch (up to float32 rounding); only
   * one block's [rows, n_features] intermediates are alive at a time, which is most of an L1
   * step's memory. Smaller blocks use less memory; blocks much smaller than the backend's row
   * block (132 rows for wasm) are slower.
   */
  microBatchSize?: number | null;
  /**
   * Also save the training state every this many optimiser steps (default null: not by steps).
   * With checkpointEveryMinutes, whichever comes first; the clock restarts at every save.
   */
  checkpointEverySteps?: number | null;
  /**
   * Also save the training state when this many minutes have passed since the last save (default
   * 10), so a run killed without warning (SIGKILL, a lost spot instance) loses at most this much
   * work and can always be resumed. null: only at epoch ends and on a stop.
   */
  checkpointEveryMinutes?: number | null;
  /** Warnings (default: console.warn). */
  warn?: (message: string) => void;
}

export const TRAINER_DEFAULTS = {
  modelName: 'sae',
  epochs: 20,
  bf16: false,
  randomSeed: 42,
  saveCheckpoints: true,
  device: 'auto',
  gradClipNorm: null,
  lrsType: null,
  evalSteps: 5000,
  warmupFraction: 0.1,
  saveBestOnly: true,
  logToWandb: true,
  logEverySteps: 100,
  outputDir: 'saved_models',
  handleSignals: true,
  optimizerInBackward: false,
  microBatchSize: null,
  checkpointEverySteps: null,
  checkpointEveryMinutes: 10,
  deadWindowTokens: 10_000_000,
  removeParallelGrad: false,
  l1WarmupSteps: 0,
} as const;

export type ResolvedTrainerOptions = Omit<SAETrainerOptions, keyof typeof TRAINER_DEFAULTS> & {
  modelName: string; epochs: number; bf16: boolean; randomSeed: number; saveCheckpoints: boolean; device: string;
  gradClipNorm: number | null; lrsType: LrsType; evalSteps: number; warmupFraction: number; saveBestOnly: boolean;
  logToWandb: boolean; logEverySteps: number; outputDir: string; handleSignals: boolean; optimizerInBackward: boolean;
  microBatchSize: number | null; checkpointEverySteps: number | null; checkpointEveryMinutes: number | null;
  deadWindowTokens: number; removeParallelGrad: boolean; l1WarmupSteps: number;
};

/** The trainer options' value rules (one place: the library API, YAML configs and the CLI all report these). */
export type TrainerRuleInput = Pick<ResolvedTrainerOptions,
  'epochs' | 'evalSteps' | 'warmupFraction' | 'lrsType' | 'gradClipNorm' | 'microBatchSize' | 'checkpointEverySteps' |
  'checkpointEveryMinutes' | 'optimizerInBackward' | 'modelName' | 'logEverySteps' | 'deadWindowTokens' | 'removeParallelGrad' | 'l1WarmupSteps'>;

export function trainerOptionIssues(r: TrainerRuleInput): ConfigRuleIssue[] {
  const issues: ConfigRuleIssue[] = [];
  const bad = (key: string, message: string, hint?: string) => void issues.push(hint ? { key, message, hint } : { key, message });
  const positiveInt = (v: number) => Number.isInteger(v) && v >= 1;
  if (!positiveInt(r.epochs)) bad('epochs', `must be a positive integer, got ${r.epochs}`);
  if (!positiveInt(r.evalSteps)) bad('eval_steps', `must be a positive integer, got ${r.evalSteps}`);
  if (!positiveInt(r.logEverySteps)) bad('log_every_steps', `must be a positive integer, got ${r.logEverySteps}`);
  if (!(r.warmupFraction >= 0 && r.warmupFraction < 1)) bad('warmup_fraction', `must be in [0, 1), got ${r.warmupFraction}`);
  if (r.lrsType !== null && !['cosine', 'linear', 'plateau'].includes(r.lrsType)) bad('lrs_type', `must be cosine, linear, plateau or null, got ${String(r.lrsType)}`);
  if (r.gradClipNorm !== null && !(r.gradClipNorm > 0)) bad('grad_clip_norm', `must be a positive number or null, got ${r.gradClipNorm}`);
  if (r.microBatchSize !== null && !positiveInt(r.microBatchSize)) bad('micro_batch_size', `must be a positive integer (rows per block) or null, got ${r.microBatchSize}`);
  if (r.checkpointEverySteps !== null && !positiveInt(r.checkpointEverySteps)) bad('checkpoint_every_steps', `must be a positive integer or null, got ${r.checkpointEverySteps}`);
  if (r.checkpointEveryMinutes !== null && !(r.checkpointEveryMinutes > 0)) bad('checkpoint_every_minutes', `must be a positive number or null, got ${r.checkpointEveryMinutes}`);
  if (r.optimizerInBackward && r.gradClipNorm !== null) {
    bad('optimizer_in_backward', `cannot be combined with grad_clip_norm (clipping by the global norm), ${IN_BACKWARD_WHY}`);
  }
  if (!positiveInt(r.deadWindowTokens)) bad('dead_window_tokens', `must be a positive integer (training tokens), got ${r.deadWindowTokens}`);
  if (!(Number.isInteger(r.l1WarmupSteps) && r.l1WarmupSteps >= 0)) bad('l1_warmup_steps', `must be a non-negative integer, got ${r.l1WarmupSteps}`);
  if (typeof r.removeParallelGrad !== 'boolean') bad('remove_parallel_grad', `must be true or false, got ${String(r.removeParallelGrad)}`);
  if (r.optimizerInBackward && r.removeParallelGrad) {
    bad('optimizer_in_backward', `cannot be combined with remove_parallel_grad (a gradient transform), ${IN_BACKWARD_WHY}`);
  }
  if (typeof r.modelName !== 'string' || !/^[\w.-]+$/.test(r.modelName)) bad('model_name', `may only hold letters, digits, '_', '-' and '.', got '${r.modelName}'`);
  return issues;
}

const IN_BACKWARD_WHY = 'which needs every gradient before the first update; set optimizer_in_backward: false to use it';

export function resolveTrainerOptions(o: SAETrainerOptions): ResolvedTrainerOptions {
  const defined = Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
  const r = { ...TRAINER_DEFAULTS, ...defined } as ResolvedTrainerOptions;
  const bad = (key: string, msg: string, hint?: string) => {
    throw new TrainerOptionsError(`${key}: ${msg}`, hint ? { hint } : {});
  };
  if (!o.model) bad('model', 'is required');
  if (!o.trainDataloader) bad('train_dataloader', 'is required');
  const [first] = trainerOptionIssues(r);
  if (first) bad(first.key, first.message, first.hint);
  if (r.optimizerInBackward) {
    if ((r.gradientTransforms ?? []).length > 0) bad('optimizer_in_backward', `cannot be combined with gradientTransforms, ${IN_BACKWARD_WHY}`);
    if ((r.hooks ?? []).some((h) => ('hooks' in h ? (h as HookRegistration).hooks : (h as TrainerHooks)).onBeforeOptimizerStep)) {
      bad('optimizer_in_backward', `cannot be combined with an onBeforeOptimizerStep hook, ${IN_BACKWARD_WHY}`);
    }
    if (r.optim && typeof r.optim.beginStep !== 'function') bad('optimizer_in_backward', `needs an optimiser that takes gradients one at a time (beginStep); '${r.optim.type}' does not`);
  }
  if (r.removeParallelGrad && o.model?.config.tieWeights) bad('remove_parallel_grad', 'needs a decoder of its own (tie_weights: false); the tied decoder is the encoder');
  if (o.trainDataloader && o.trainDataloader.cols !== o.model?.config.inputDims) {
    bad('train_dataloader', `yields rows of width ${o.trainDataloader.cols}, the model's input_dims is ${o.model?.config.inputDims}`);
  }
  return r;
}

/** The options as they are recorded in config.json and sent to loggers (snake_case, no objects). */
export function describeOptions(r: ResolvedTrainerOptions): Record<string, unknown> {
  return {
    model_name: r.modelName, epochs: r.epochs, bf16: r.bf16, random_seed: r.randomSeed, save_checkpoints: r.saveCheckpoints,
    device: r.device, grad_clip_norm: r.gradClipNorm, lrs_type: r.lrsType, eval_steps: r.evalSteps,
    warmup_fraction: r.warmupFraction, save_best_only: r.saveBestOnly, log_to_wandb: r.logToWandb,
    optimizer_in_backward: r.optimizerInBackward, micro_batch_size: r.microBatchSize,
    checkpoint_every_steps: r.checkpointEverySteps, checkpoint_every_minutes: r.checkpointEveryMinutes,
    // Beyond DeepLens: recorded only when used, so DeepLens runs keep DeepLens's config.json.
    ...(r.removeParallelGrad ? { remove_parallel_grad: true } : {}),
    ...(r.l1WarmupSteps > 0 ? { l1_warmup_steps: r.l1WarmupSteps } : {}),
    ...(r.deadWindowTokens !== TRAINER_DEFAULTS.deadWindowTokens ? { dead_window_tokens: r.deadWindowTokens } : {}),
  };
}
