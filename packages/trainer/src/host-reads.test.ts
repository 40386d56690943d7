import {
  Adam, ActivationsDatasetBuilder, CpuBackend, MemorySource, Rng, SparseAutoencoder, SyntheticFeatures, type Batch, type DataLoader,
} from '@deeplens/core';
import { countingBackend } from '@deeplens/core/testing';
import { describe, expect, it } from 'vitest';
import { TrainingDivergedError } from './errors.js';
import type { HookRegistration } from './hooks/hook-runner.js';
import { SAETrainer } from './node-sae-trainer.js';

const quiet = { warn: () => {}, logToWandb: false, handleSignals: false, saveCheckpoints: false };

/** A trainer on a read-counting backend; reads per step are recorded from the step-end hooks' view. */
async function countedRun(options: { logEvery: number; inBackward?: boolean; clip?: number; micro?: number; k?: number | null; poisonAt?: number }) {
  const gen = new SyntheticFeatures({ dim: 16, nFeatures: 32, meanActive: 3, seed: 1 });
  const source = new MemorySource(gen.sample(640, new Rng(9)), 16, 'synthetic');
  const { train } = await new ActivationsDatasetBuilder({ activations: source, batchSize: 32, seed: 42 }).getDataloaders();
  const { backend, counts } = countingBackend(new CpuBackend());
  const config = options.k === null ? { inputDims: 16, nFeatures: 64, k: null, betaL1: 1e-3 } : { inputDims: 16, nFeatures: 64, k: options.k ?? 4 };
  const model = SparseAutoencoder.create({ backend, config, seed: 1 });
  const loader: DataLoader = options.poisonAt === undefined ? train : {
    ...train, length: train.length, rows: train.rows, cols: train.cols, batchSize: train.batchSize, shuffle: true, normStats: train.normStats,
    epoch: (e, o) => ({
      async *[Symbol.asyncIterator]() {
        let i = o?.startBatch ?? 0;
        for await (const b of train.epoch(e, o)) {
          if (++i === options.poisonAt) b.data[5] = NaN;
          yield b as Batch;
        }
      },
    }),
    [Symbol.asyncIterator]: () => train[Symbol.asyncIterator](),
  };
  const readsAfterStep: number[] = [];
  let last = 0;
  const logged: number[] = [];
  const trainer = new SAETrainer({
    model, trainDataloader: loader, optim: new Adam(model, { lr: 1e-3 }), epochs: 1, ...quiet,
    optimizerInBackward: options.inBackward ?? false, microBatchSize: options.micro ?? null,
    ...(options.clip ? { gradClipNorm: options.clip } : {}),
    hooks: ([
      // A cadence hook (as loggers are attached) and an every-step observer that needs no metrics.
      { hooks: { onStepEnd: (s) => void logged.push(s.globalStep) }, everySteps: options.logEvery },
      { hooks: { onBeforeOptimizerStep: () => {} }, name: 'noop' },
    ] as HookRegistration[]).filter((r) => !(options.inBackward && 'onBeforeOptimizerStep' in r.hooks)),
  });
  // Reads are sampled at each step's start (the data loader's batch is the step boundary).
  const epoch = loader.epoch.bind(loader);
  loader.epoch = (e, o) => ({
    async *[Symbol.asyncIterator]() {
      for await (const b of epoch(e, o)) {
        readsAfterStep.push(counts.reads - last);
        last = counts.reads;
        yield b;
      }
    },
  });
  const result = await trainer.train().catch((e: unknown) => e);
  readsAfterStep.push(counts.reads - last);
  return { readsPerStep: readsAfterStep.slice(1), logged, counts, result, steps: train.length };
}

describe('host reads per training step (a GPU drains its queue on each)', () => {
  for (const variant of [
    { name: 'TopK', opts: {} },
    { name: 'L1 with micro-batches', opts: { k: null, micro: 8 } },
    { name: 'TopK with grad_clip_norm', opts: { clip: 0.5 } },
    { name: 'optimizer_in_backward', opts: { inBackward: true } },
  ]) {
    it(`${variant.name}: none on steps that are not logged, one on logged steps`, async () => {
      const { readsPerStep, logged, steps, result } = await countedRun({ logEvery: 5, ...variant.opts });
      expect((result as { status: string }).status).toBe('completed');
      expect(readsPerStep).toHaveLength(steps);
      expect(logged).toEqual(Array.from({ length: Math.ceil(steps / 5) }, (_, i) => 1 + 5 * i));
      readsPerStep.forEach((n, i) => {
        const step = i + 1;
        expect(n, `reads during step ${step}`).toBe(logged.includes(step) ? 1 : 0);
      });
    });
  }

  it('still names the exact step of a divergence between logged steps', async () => {
    const { result, counts } = await countedRun({ logEvery: 8, poisonAt: 3 });
    expect(result).toBeInstanceOf(TrainingDivergedError);
    expect((result as TrainingDivergedError).step).toBe(3);
    expect(String(result)).toMatch(/step 3: the loss is not finite[\s\S]*checked at step 9/);
    expect(counts.reads).toBe(2);
  });
});
