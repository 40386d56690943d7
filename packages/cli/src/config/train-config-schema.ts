import { MODEL_CONFIG_KEYS } from '@deeplens/trainer';
import { z } from 'zod';

const positiveInt = z.number().int().positive();

export const dataSectionSchema = z
  .object({
    splits: z.array(z.number().nonnegative()).min(1).max(2).default([0.8, 0.2]),
    batch_size: positiveInt.default(32),
    norm: z.boolean().default(true),
    shuffle: z.boolean().default(true),
    /** Defaults to trainer.random_seed. */
    seed: z.number().int().nullable().default(null),
    key: z.string().nullable().default(null),
    flatten: z.boolean().default(false),
    skip_non_finite: z.boolean().default(false),
  })
  .strict()
  .refine((d) => d.splits.every(Number.isInteger) || Math.abs(d.splits.reduce((a, b) => a + b, 0) - 1) < 1e-6, {
    path: ['splits'],
    message: 'fractions must sum to 1 (or give integer row counts)',
  });

export const optimSectionSchema = z
  .object({
    type: z.enum(['adam', 'adamw']).default('adam'),
    lr: z.number().positive().default(1e-3),
    betas: z.tuple([z.number().min(0).lt(1), z.number().min(0).lt(1)]).default([0.9, 0.999]),
    eps: z.number().nonnegative().default(1e-8),
    weight_decay: z.number().nonnegative().nullable().default(null),
    /** Keep weight decay off biases and LayerNorm parameters (DeepLens decays everything). */
    decay_biases: z.boolean().default(true),
  })
  .strict();

export const trainerSectionSchema = z
  .object({
    model_name: z.string().regex(/^[\w.-]+$/, 'letters, digits, _, - and . only').default('sae'),
    epochs: positiveInt.default(20),
    bf16: z.boolean().default(false),
    random_seed: z.number().int().default(42),
    save_checkpoints: z.boolean().default(true),
    device: z.string().default('auto'),
    grad_clip_norm: z.number().positive().nullable().default(null),
    lrs_type: z.enum(['cosine', 'linear', 'plateau']).nullable().default(null),
    eval_steps: positiveInt.default(5000),
    warmup_fraction: z.number().min(0).lt(1).default(0.1),
    save_best_only: z.boolean().default(true),
    /** The CLI logs to W&B only when asked (DeepLens's library default is true). */
    log_to_wandb: z.boolean().default(false),
    log_every_steps: positiveInt.default(100),
    output_dir: z.string().default('saved_models'),
    /** Update each parameter as soon as its gradient is made (one weight-sized gradient alive, not two). */
    optimizer_in_backward: z.boolean().default(false),
    /** Rows per block when a batch is run in pieces with one optimiser step (null: the whole batch). */
    micro_batch_size: positiveInt.nullable().default(null),
    /** Worker threads of a backend that runs on CPU threads (wasm); null: one per available core. */
    threads: positiveInt.nullable().default(null),
    /** Also save the training state every N optimiser steps (null: not by steps). */
    checkpoint_every_steps: positiveInt.nullable().default(null),
    /** Also save the training state when this many minutes passed since the last save (null: only at epoch ends and stops). */
    checkpoint_every_minutes: z.number().positive().nullable().default(10),
  })
  .strict()
  .refine((t) => !(t.optimizer_in_backward && t.grad_clip_norm !== null), {
    path: ['optimizer_in_backward'],
    message: 'cannot be combined with grad_clip_norm: clipping needs every gradient before the first update (set one of them off)',
  });

export const SECTION_SCHEMAS = { data: dataSectionSchema, optim: optimSectionSchema, trainer: trainerSectionSchema } as const;
export type SectionName = keyof typeof SECTION_SCHEMAS;
export const TOP_LEVEL_KEYS = [...MODEL_CONFIG_KEYS, ...Object.keys(SECTION_SCHEMAS)];

export type DataSection = z.infer<typeof dataSectionSchema>;
export type OptimSection = z.infer<typeof optimSectionSchema>;
export type TrainerSection = z.infer<typeof trainerSectionSchema>;
