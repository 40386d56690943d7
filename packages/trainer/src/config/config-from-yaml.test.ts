import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { configFromYaml } from './config-from-yaml.js';

const dir = mkdtempSync(join(tmpdir(), 'deeplens-yaml-'));
const write = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('configFromYaml', () => {
  it('passes over the data/optim/trainer sections the CLI reads, and still rejects other unknown keys', () => {
    const p = write('sections.yaml', 'input_dims: 8\nn_features: 32\nk: 4\ntrainer:\n  epochs: 3\noptim:\n  lr: 0.01\ndata:\n  batch_size: 8\n');
    expect(configFromYaml(p)).toMatchObject({ inputDims: 8, nFeatures: 32, k: 4 });
    expect(() => configFromYaml(write('typo.yaml', 'input_dims: 8\nn_features: 32\nk: 4\ntrainr:\n  epochs: 3\n'))).toThrow(/trainr: unknown key/);
  });

  it("reads the tutorial's config.yaml unchanged", () => {
    const p = write('config.yaml', `input_dims: 3072        # GPT-2 MLP intermediate dimension
n_features: 24576       # Number of learned features (8x expansion)
activation: 'relu'      # Activation function
input_norm: True        # Apply LayerNorm to inputs
k: 768                  # TopK sparsity (keep top 768 features)
beta_l1: null           # L1 coefficient (null when using TopK)
tie_weights: False      # Whether to tie encoder/decoder weights
unit_norm_decoder: True # Constrain decoder columns to unit norm
`);
    expect(configFromYaml(p)).toEqual({
      inputDims: 3072, nFeatures: 24576, activation: 'relu', inputNorm: true, k: 768, betaL1: null, tieWeights: false, unitNormDecoder: true,
    });
  });

  it('reads None as null and 1e-3 as a number (the L1 variant of the tutorial)', () => {
    const p = write('l1.yaml', 'input_dims: 768\nn_features: 6144\nk: None\nbeta_l1: 1e-3\n');
    expect(configFromYaml(p)).toMatchObject({ k: null, betaL1: 0.001 });
  });

  it('rejects unknown keys with a suggestion, and reports every problem at once', () => {
    const p = write('bad.yaml', 'input_dims: 768\nn_feature: 6144\nk: -3\nactivation: gelu\n');
    let message = '';
    try {
      configFromYaml(p);
    } catch (e) {
      message = (e as Error).message;
      expect(e).toMatchObject({ code: 'DEEPLENS_INVALID_CONFIG' });
    }
    expect(message).toContain(p);
    expect(message).toMatch(/n_feature: unknown key \(did you mean 'n_features'\?\)/);
    expect(message).toMatch(/- k:/);
    expect(message).toMatch(/- activation:/);
  });

  it('names the line of a YAML syntax error and a missing file', () => {
    const p = write('syntax.yaml', 'input_dims: 768\nn_features: [1, 2\n');
    expect(() => configFromYaml(p)).toThrow(/invalid YAML at line 3/);
    expect(() => configFromYaml(join(dir, 'missing.yaml'))).toThrow(/cannot be read/);
  });

  it('validates the data:, optim: and trainer: sections too: a misspelt key there is an error, not ignored', () => {
    const good = write('sections.yaml', 'input_dims: 8\nn_features: 32\nk: 4\ndata:\n  batch_size: 64\noptim:\n  lr: 0.001\ntrainer:\n  epochs: 2\n');
    expect(configFromYaml(good)).toMatchObject({ inputDims: 8, k: 4 });
    for (const [section, bad, guess] of [['optim', 'lrr: 0.001', 'lr'], ['data', 'batchsize: 64', 'batch_size'], ['trainer', 'epoch: 2', 'epochs']] as const) {
      const p = write(`${section}.yaml`, `input_dims: 8\nn_features: 32\nk: 4\n${section}:\n  ${bad}\n`);
      expect(() => configFromYaml(p), section).toThrow(new RegExp(`${section}\\.${bad.split(':')[0]}: unknown key \\(did you mean '${guess}'\\?\\)`));
    }
    const values = write('values.yaml', 'input_dims: 8\nn_features: 32\nk: 40\ntrainer:\n  optimizer_in_backward: true\n  grad_clip_norm: 1\n');
    expect(() => configFromYaml(values)).toThrow(/k: must be an integer between 1 and n_features \(32\), got 40[\s\S]*trainer\.optimizer_in_backward: cannot be combined with grad_clip_norm/);
  });

  it('reports a rule the same way through the library API, YAML and trainer options (one source of truth)', async () => {
    const { resolveSaeConfig } = await import('@deeplens/core');
    const { resolveTrainerOptions } = await import('../trainer-options.js');
    for (const [yamlText, input] of [
      ['k: 40', { k: 40 }], ['k: 4\nbeta_l1: 0.1', { k: 4, betaL1: 0.1 }], ['k: None', { k: null }], ['k: 4\nactivation: gelu', { k: 4, activation: 'gelu' }],
    ] as const) {
      let api = '';
      try {
        resolveSaeConfig({ inputDims: 8, nFeatures: 32, ...input });
      } catch (e) {
        api = (e as Error).message;
      }
      expect(api).not.toBe('');
      const p = write('rule.yaml', `input_dims: 8\nn_features: 32\n${yamlText}\n`);
      expect(() => configFromYaml(p)).toThrow(api.split('\n')[0]!);
    }
    const p = write('trainer-rule.yaml', 'input_dims: 8\nn_features: 32\nk: 4\ntrainer:\n  warmup_fraction: 1.5\n');
    const yamlMessage = (() => {
      try {
        configFromYaml(p);
      } catch (e) {
        return (e as Error).message;
      }
      return '';
    })();
    expect(() => resolveTrainerOptions({ model: {} as never, trainDataloader: {} as never, warmupFraction: 1.5 })).toThrow('warmup_fraction: must be in [0, 1), got 1.5');
    expect(yamlMessage).toContain('trainer.warmup_fraction: must be in [0, 1), got 1.5');
    // Adam's rules: the optimiser and the optim: section say the same (lr 0 is allowed by both).
    const { Adam, CpuBackend, SparseAutoencoder } = await import('@deeplens/core');
    const model = SparseAutoencoder.create({ backend: new CpuBackend(), config: { inputDims: 8, nFeatures: 32, k: 4 } });
    expect(() => new Adam(model, { lr: -1 })).toThrow('optim.lr: must be a non-negative number, got -1');
    expect(() => new Adam(model, { betas: [0.9, 1] })).toThrow('optim.betas[1]: must be in [0, 1), got 1');
    const optim = write('optim-rule.yaml', 'input_dims: 8\nn_features: 32\nk: 4\noptim:\n  lr: -1\n  betas: [0.9, 1]\n');
    expect(() => configFromYaml(optim)).toThrow(/optim\.lr: must be a non-negative number, got -1[\s\S]*optim\.betas\[1\]: must be in \[0, 1\), got 1/);
    // The split rule: the dataset builder and the data: section say the same.
    const { ActivationsDatasetBuilder, MemorySource } = await import('@deeplens/core');
    const built = (await new ActivationsDatasetBuilder({ activations: new MemorySource(new Float32Array(80), 8), splits: [0.5, 0.2] }).getDataloaders().catch((e: unknown) => e)) as Error;
    expect(built.message).toMatch(/^splits \[0.5, 0.2\] sum to 0.7; fractions must sum to 1/);
    const data = write('data-rule.yaml', 'input_dims: 8\nn_features: 32\nk: 4\ndata:\n  splits: [0.5, 0.2]\n');
    expect(() => configFromYaml(data)).toThrow(/data\.splits: \[0\.5, 0\.2\] sum to 0\.7; fractions must sum to 1/);
    expect(configFromYaml(write('lr0.yaml', 'input_dims: 8\nn_features: 32\nk: 4\noptim:\n  lr: 0\n'))).toMatchObject({ k: 4 });
  });
});
