import { Adam, AdamW, noDecayOnBiasesAndNorms, type ActivationsDatasetOptions, type Optimizer, type SparseAutoencoder } from '@deeplens/core';
import type { SAETrainerOptions } from '../trainer-options.js';
import type { RunConfig } from './resolve-run-config.js';

/**
 * From a resolved config.yaml to the objects it describes — the one mapping the CLI and a web page
 * share, so a config trains the same model wherever it runs.
 */

/** Dataset builder options of `data:` (the activations themselves come from the caller). */
export function datasetOptionsFromRunConfig(c: RunConfig): Omit<ActivationsDatasetOptions, 'activations'> {
  return {
    batchSize: c.data.batch_size, norm: c.data.norm, seed: c.data.seed ?? c.trainer.random_seed, inputDims: c.model.inputDims,
    nonFinite: c.data.skip_non_finite ? 'skip' : 'error', flatten: c.data.flatten, shuffle: c.data.shuffle, splits: c.data.splits,
    normalizeActivations: c.data.normalize_activations,
    ...(c.data.key ? { key: c.data.key } : {}),
  };
}

/** Adam or AdamW with `optim:`'s settings (biases and norms left out of weight decay unless decay_biases). */
export function optimizerFromRunConfig(model: SparseAutoencoder, c: RunConfig): Optimizer {
  const options = {
    lr: c.optim.lr,
    betas: c.optim.betas,
    eps: c.optim.eps,
    ...(c.optim.weight_decay !== null ? { weightDecay: c.optim.weight_decay } : {}),
    ...(c.optim.decay_biases ? {} : { paramGroups: noDecayOnBiasesAndNorms() }),
  };
  return c.optim.type === 'adamw' ? new AdamW(model, options) : new Adam(model, options);
}

/** SAETrainer options of `trainer:` (model, data, optimiser, loggers and hooks come from the caller). */
export function trainerOptionsFromRunConfig(c: RunConfig): Omit<SAETrainerOptions, 'model' | 'trainDataloader'> {
  const t = c.trainer;
  return {
    modelName: t.model_name, epochs: t.epochs, bf16: t.bf16, randomSeed: t.random_seed, saveCheckpoints: t.save_checkpoints,
    gradClipNorm: t.grad_clip_norm, lrsType: t.lrs_type, evalSteps: t.eval_steps, warmupFraction: t.warmup_fraction,
    saveBestOnly: t.save_best_only, logToWandb: t.log_to_wandb, outputDir: t.output_dir, logEverySteps: t.log_every_steps,
    optimizerInBackward: t.optimizer_in_backward, microBatchSize: t.micro_batch_size,
    checkpointEverySteps: t.checkpoint_every_steps, checkpointEveryMinutes: t.checkpoint_every_minutes,
    deadWindowTokens: t.dead_window_tokens, removeParallelGrad: t.remove_parallel_grad, l1WarmupSteps: t.l1_warmup_steps,
  };
}
