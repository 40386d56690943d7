import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CpuBackend, MemorySource, Rng, SparseAutoencoder } from '@deeplens/core';
import { ActivationsDatasetBuilder } from '@deeplens/core/node';
import { SAETrainer } from '@deeplens/trainer';
import { describe, expect, it } from 'vitest';
import { CsvLogger } from './csv-logger.js';

describe('example: a custom CSV logger', () => {
  it('receives train metrics at the trainer cadence and its close status', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'deeplens-csv-'));
    try {
      const rng = new Rng(2);
      const { train } = await new ActivationsDatasetBuilder({ activations: new MemorySource(Float32Array.from({ length: 96 * 4 }, () => rng.normal()), 4), batchSize: 8, splits: [1] }).getDataloaders();
      const model = SparseAutoencoder.create({ backend: new CpuBackend(), config: { inputDims: 4, nFeatures: 8, k: 2 } });
      const path = join(dir, 'metrics.csv');
      await new SAETrainer({ model, trainDataloader: train, epochs: 1, saveCheckpoints: false, logToWandb: false, handleSignals: false, loggers: [new CsvLogger(path)], logEverySteps: 5 }).train();
      const lines = (await readFile(path, 'utf8')).trim().split('\n');
      expect(lines[0]).toBe('step,epoch,train/loss,train/non_zero_frac,train/lr,train/grad_norm');
      expect(lines.slice(1, -1).map((l) => l.split(',')[0])).toEqual(['1', '6', '11']);
      expect(lines.at(-1)).toBe('# completed');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
