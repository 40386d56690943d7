import { describe, expect, it } from 'vitest';
import { applyFlags, resolveTrainConfig } from './resolve-train-config.js';

const tutorial = { input_dims: 3072, n_features: 24576, activation: 'relu', input_norm: true, k: 768, beta_l1: null, tie_weights: false, unit_norm_decoder: true };

describe('train config', () => {
  it('takes the tutorial model keys alone, with defaults for the rest', () => {
    const c = resolveTrainConfig(tutorial, 'config.yaml');
    expect(c.model).toMatchObject({ inputDims: 3072, nFeatures: 24576, k: 768, inputNorm: true });
    expect(c.data).toMatchObject({ splits: [0.8, 0.2], batch_size: 32, norm: true, shuffle: true });
    expect(c.optim).toMatchObject({ type: 'adam', lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8 });
    expect(c.trainer).toMatchObject({ model_name: 'sae', epochs: 20, eval_steps: 5000, warmup_fraction: 0.1, save_best_only: true, random_seed: 42 });
  });

  it('lets flags override the file', () => {
    const raw = applyFlags({ ...tutorial, trainer: { epochs: 5 } }, { epochs: '2', lr: '3e-4', 'no-shuffle': true, 'save-checkpoints': 'false', splits: '0.9,0.1', 'model-name': 'x1' });
    const c = resolveTrainConfig(raw, 'config.yaml');
    expect([c.trainer.epochs, c.optim.lr, c.data.shuffle, c.trainer.save_checkpoints, c.data.splits, c.trainer.model_name]).toEqual([2, 3e-4, false, false, [0.9, 0.1], 'x1']);
  });

  it('reports every problem together with key paths and suggestions', () => {
    let message = '';
    try {
      resolveTrainConfig({ ...tutorial, k: 30000, optimm: {}, trainer: { learning_rat: 1, epochs: -1 }, data: { splits: [0.5, 0.2] }, optim: { lr: -1 } }, 'cfg.yaml');
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/cfg.yaml: 6 configuration problems/);
    expect(message).toMatch(/- optimm: unknown key \(did you mean 'optim'\?\)/);
    expect(message).toMatch(/- k: must be an integer between 1 and n_features \(24576\), got 30000/);
    expect(message).toMatch(/- trainer.learning_rat: unknown key/);
    expect(message).toMatch(/- trainer.epochs:/);
    expect(message).toMatch(/- data.splits: \[0.5, 0.2\] sum to 0.7; fractions must sum to 1/);
    expect(message).toMatch(/- optim.lr:/);
  });

  it('takes optimizer_in_backward from the file or the flag, and refuses it with clipping', () => {
    expect(resolveTrainConfig(tutorial, 'c.yaml').trainer.optimizer_in_backward).toBe(false);
    const c = resolveTrainConfig(applyFlags(tutorial, { 'optimizer-in-backward': true }), 'c.yaml');
    expect(c.trainer.optimizer_in_backward).toBe(true);
    expect(() => resolveTrainConfig({ ...tutorial, trainer: { optimizer_in_backward: true, grad_clip_norm: 1 } }, 'c.yaml'))
      .toThrow(/trainer.optimizer_in_backward: cannot be combined with grad_clip_norm/);
  });

  it('takes micro_batch_size from the file or the flag (default null), and rejects a non-positive one', () => {
    expect(resolveTrainConfig(tutorial, 'c.yaml').trainer.micro_batch_size).toBeNull();
    expect(resolveTrainConfig({ ...tutorial, trainer: { micro_batch_size: 256 } }, 'c.yaml').trainer.micro_batch_size).toBe(256);
    expect(resolveTrainConfig(applyFlags(tutorial, { 'micro-batch-size': '128' }), 'c.yaml').trainer.micro_batch_size).toBe(128);
    expect(() => resolveTrainConfig({ ...tutorial, trainer: { micro_batch_size: 0 } }, 'c.yaml')).toThrow(/trainer.micro_batch_size/);
  });

  it('takes threads from the file or the flag (default null: one per core), and rejects a non-positive or fractional one', () => {
    expect(resolveTrainConfig(tutorial, 'c.yaml').trainer.threads).toBeNull();
    expect(resolveTrainConfig({ ...tutorial, trainer: { threads: 4 } }, 'c.yaml').trainer.threads).toBe(4);
    expect(resolveTrainConfig(applyFlags({ ...tutorial, trainer: { threads: 4 } }, { threads: '1' }), 'c.yaml').trainer.threads).toBe(1);
    expect(() => resolveTrainConfig({ ...tutorial, trainer: { threads: 0 } }, 'c.yaml')).toThrow(/trainer.threads/);
    expect(() => resolveTrainConfig(applyFlags(tutorial, { threads: '1.5' }), 'c.yaml')).toThrow(/trainer.threads/);
  });
});
