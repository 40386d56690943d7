import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CpuBackend, MemorySource, Rng, SparseAutoencoder } from '@deeplens/core';
import { ActivationsDatasetBuilder } from '@deeplens/core/node';
import { SAETrainer } from '@deeplens/trainer';
import { describe, expect, it } from 'vitest';
import { ConsoleLogger } from './console-logger.js';
import { MetricsFileLogger } from './metrics-file-logger.js';

describe('loggers attached to the trainer', () => {
  it('print step lines at the cadence and write metrics.jsonl in the run folder', async () => {
    const out = await mkdtemp(join(tmpdir(), 'deeplens-loggers-'));
    try {
      const rng = new Rng(1);
      const source = new MemorySource(Float32Array.from({ length: 200 * 8 }, () => rng.normal()), 8);
      const { train, eval: ev } = await new ActivationsDatasetBuilder({ activations: source, batchSize: 16 }).getDataloaders();
      const model = SparseAutoencoder.create({ backend: new CpuBackend(), config: { inputDims: 8, nFeatures: 16, k: 2 } });
      const lines: string[] = [];
      const file = new MetricsFileLogger();
      const result = await new SAETrainer({
        model, trainDataloader: train, evalDataloader: ev, epochs: 2, outputDir: out, logToWandb: false, handleSignals: false,
        loggers: [new ConsoleLogger({ write: (l) => void lines.push(l) }), file], logEverySteps: 4,
      }).train();
      const steps = lines.filter((l) => l.startsWith('Step ['));
      expect(steps.map((l) => l.slice(0, l.indexOf(']') + 1))).toEqual(['Step [0/10]', 'Step [4/10]', 'Step [8/10]', 'Step [0/10]', 'Step [4/10]', 'Step [8/10]']);
      expect(steps[0]).toMatch(/^Step \[0\/10\] - train_loss: \d+\.\d{3} - train_nz_frac: 0\.125 - lr: 1\.00e-03$/);
      expect(lines.filter((l) => l.startsWith('Eval'))).toHaveLength(2);
      expect(lines.at(-1)).toBe(`Run folder: ${result.runDir}`);
      expect(file.path).toBe(join(result.runDir!, 'metrics.jsonl'));
      const rows = (await readFile(file.path!, 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
      expect(rows).toHaveLength(8);
      expect(rows[0]).toMatchObject({ step: 1, 'train/loss': expect.any(Number), 'train/lr': 1e-3, global_step: 1 });
      expect(rows.filter((r) => 'eval/fvu' in r)).toHaveLength(2);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });
});
