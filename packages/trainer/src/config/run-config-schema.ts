import { adamOptionIssues, splitIssues } from '@deeplens/core';
import { z } from 'zod';
import { TRAINER_DEFAULTS, trainerOptionIssues, type TrainerRuleInput } from '../trainer-options.js';
import { toIssue, type ConfigIssue } from './config-issues.js';
import { MODEL_CONFIG_KEYS } from './model-config-schema.js';

/**
 * The sections of a run's config.yaml beside the model keys: one schema, used by configFromYaml,
 * resolveRunConfig and the deeplens CLI. Types and defaults live here; the trainer's value rules
 * come from trainerOptionIssues (the same function SAETrainer's options go through).
 */

const positiveInt = z.number().int().positive();

export const dataSectionSchema = z
  .object({
    splits: z.array(z.number()).default([0.8, 0.2]),
    batch_size: positiveInt.default(32),
    norm: z.boolean().default(true),
    shuffle: z.boolean().default(true),
    /** Defaults to trainer.random_seed. */
    seed: z.number().int().nullable().default(null),
    key: z.string().nullable().default(null),
    flatten: z.boolean().default(false),
    skip_non_finite: z.boolean().default(false),
    /** expected_norm: also scale rows so that E‖x‖ = √d (kept with the normalisation statistics). */
    normalize_activations: z.enum(['none', 'expected_norm']).default('none'),
    /** Where the activations are (files, folders, globs, s3:// prefixes) when --activations is not given. */
    activations: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).nullable().default(null),
  })
  .strict();

/** The split rules (core's `splitIssues`, as the dataset builder applies them) on a raw data: section. */
export function dataRuleIssues(raw: unknown): ConfigIssue[] {
  const d = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  const splits = d['splits'];
  if (!Array.isArray(splits) || !splits.every((x) => typeof x === 'number')) return [];
  return splitIssues(splits).map(toIssue('data'));
}

export const optimSectionSchema = z
  .object({
    type: z.enum(['adam', 'adamw']).default('adam'),
    lr: z.number().default(1e-3),
    betas: z.tuple([z.number(), z.number()]).default([0.9, 0.999]),
    eps: z.number().default(1e-8),
    weight_decay: z.number().nullable().default(null),
    /** Keep weight decay off biases and LayerNorm parameters (DeepLens decays everything). */
    decay_biases: z.boolean().default(true),
  })
  .strict();

/** Adam's rules (core's `adamOptionIssues`, as its constructor applies them) on a raw optim: section. */
export function optimRuleIssues(raw: unknown): ConfigIssue[] {
  const o = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  const num = (v: unknown, fallback: number) => (typeof v === 'number' ? v : fallback);
  const betas = Array.isArray(o['betas']) && o['betas'].every((b) => typeof b === 'number') ? (o['betas'] as number[]) : [0.9, 0.999];
  return adamOptionIssues({ lr: num(o['lr'], 1e-3), betas, eps: num(o['eps'], 1e-8), weightDecay: num(o['weight_decay'], 0) }).map(toIssue('optim'));
}

export const trainerSectionSchema = z
  .object({
    model_name: z.string().default(TRAINER_DEFAULTS.modelName),
    epochs: z.number().default(TRAINER_DEFAULTS.epochs),
    bf16: z.boolean().default(false),
    random_seed: z.number().int().default(42),
    save_checkpoints: z.boolean().default(true),
    device: z.string().default('auto'),
    grad_clip_norm: z.number().nullable().default(null),
    lrs_type: z.enum(['cosine', 'linear', 'plateau']).nullable().default(null),
    eval_steps: z.number().default(TRAINER_DEFAULTS.evalSteps),
    warmup_fraction: z.number().default(TRAINER_DEFAULTS.warmupFraction),
    save_best_only: z.boolean().default(true),
    /** The CLI logs to W&B only when asked (DeepLens's library default is true). */
    log_to_wandb: z.boolean().default(false),
    log_every_steps: z.number().default(TRAINER_DEFAULTS.logEverySteps),
    output_dir: z.string().default('saved_models'),
    /** Update each parameter as soon as its gradient is made (one weight-sized gradient alive, not two). */
    optimizer_in_backward: z.boolean().default(false),
    /** Rows per block when a batch is run in pieces with one optimiser step (null: the whole batch). */
    micro_batch_size: z.number().nullable().default(null),
    /** Worker threads of a backend that runs on CPU threads (wasm); null: one per available core. */
    threads: positiveInt.nullable().default(null),
    /** Engine of the tfjs backend (auto, tensorflow, webgpu, webgl, wasm, cpu; null: auto); checked by that backend. */
    tfjs_engine: z.string().nullable().default(null),
    /** Also save the training state every N optimiser steps (null: not by steps). */
    checkpoint_every_steps: z.number().nullable().default(null),
    /** Also save the training state when this many minutes passed since the last save (null: only at epoch ends and stops). */
    checkpoint_every_minutes: z.number().nullable().default(10),
    /** Training tokens after which a silent latent counts as dead (AuxK revives these). */
    dead_window_tokens: z.number().default(TRAINER_DEFAULTS.deadWindowTokens),
    /** Remove W_dec's gradient component along each unit-norm feature direction before the step. */
    remove_parallel_grad: z.boolean().default(false),
    /** Ramp beta_l1 / l0_coefficient linearly from 0 over this many steps. */
    l1_warmup_steps: z.number().default(0),
  })
  .strict();

const TRAINER_RULE_KEYS = {
  epochs: 'epochs', evalSteps: 'eval_steps', warmupFraction: 'warmup_fraction', lrsType: 'lrs_type', gradClipNorm: 'grad_clip_norm',
  microBatchSize: 'micro_batch_size', checkpointEverySteps: 'checkpoint_every_steps', checkpointEveryMinutes: 'checkpoint_every_minutes',
  optimizerInBackward: 'optimizer_in_backward', modelName: 'model_name', logEverySteps: 'log_every_steps',
  deadWindowTokens: 'dead_window_tokens', removeParallelGrad: 'remove_parallel_grad', l1WarmupSteps: 'l1_warmup_steps',
} as const satisfies Record<keyof TrainerRuleInput, string>;

/** The trainer's value rules (`trainerOptionIssues`, as for SAETrainer's options) on a raw trainer: section. */
export function trainerRuleIssues(raw: unknown): ConfigIssue[] {
  const section = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  const input = Object.fromEntries(Object.entries(TRAINER_RULE_KEYS).map(([camel, snake]) => [
    camel, snake in section ? section[snake] : (TRAINER_DEFAULTS as Record<string, unknown>)[camel],
  ])) as unknown as TrainerRuleInput;
  return trainerOptionIssues(input).map(toIssue('trainer'));
}

export const SECTION_SCHEMAS = { data: dataSectionSchema, optim: optimSectionSchema, trainer: trainerSectionSchema } as const;
export type SectionName = keyof typeof SECTION_SCHEMAS;
export const TOP_LEVEL_KEYS = [...MODEL_CONFIG_KEYS, ...Object.keys(SECTION_SCHEMAS)];

export type DataSection = z.infer<typeof dataSectionSchema>;
export type OptimSection = z.infer<typeof optimSectionSchema>;
export type TrainerSection = z.infer<typeof trainerSectionSchema>;

/** The keys of the optim: and trainer: sections. */
export const OPTIM_KEYS = Object.keys(optimSectionSchema.shape) as readonly string[];
export const TRAINER_KEYS = Object.keys(trainerSectionSchema.shape) as readonly string[];
