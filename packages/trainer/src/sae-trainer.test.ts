import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  Adam, AdamW, BackendRegistry, CpuBackend, cpuBackendPlugin, noDecayOnBiasesAndNorms, SparseAutoencoder, type Batch, type DataLoader,
} from '@deeplens/core';
import { ActivationsDatasetBuilder, loadSae } from '@deeplens/core/node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TrainingDivergedError } from './errors.js';
import type { TrainerHooks } from './hooks/trainer-hooks.js';
import { buildSchedule } from './schedules/build-schedule.js';
import { SAETrainer } from './node-sae-trainer.js';
import { smallSetup } from './test-setup.test-helper.js';
import { stepMetricsToRecord } from './hooks/trainer-logger.js';

let out: string;
beforeEach(async () => {
  out = await mkdtemp(join(tmpdir(), 'deeplens-trainer-'));
});
afterEach(async () => {
  await rm(out, { recursive: true, force: true });
});

const quiet = { warn: () => {}, logToWandb: false, handleSignals: false };

describe('SAETrainer end to end', () => {
  it('trains on the bundled real activations and brings eval FVU well below 1', async () => {
    const file = fileURLToPath(new URL('../../../data/demo/stories260K-layer3-mlp-hidden-2048.npy', import.meta.url));
    const builder = new ActivationsDatasetBuilder({ activations: file, batchSize: 32, seed: 42 });
    const { train, eval: ev } = await builder.getDataloaders();
    const model = SparseAutoencoder.create({ backend: new CpuBackend(), config: { inputDims: 172, nFeatures: 688, k: 16 }, seed: 42 });
    const evals: number[] = [];
    const trainer = new SAETrainer({
      model, trainDataloader: train, evalDataloader: ev, optim: new Adam(model, { lr: 1e-2, betas: [0.9, 0.99] }),
      epochs: 4, evalSteps: 1000, outputDir: out, modelName: 'demo', lrsType: 'cosine', ...quiet,
      hooks: [{ onEvalEnd: (_s, m) => void evals.push(m.fvu) }],
    });
    const result = await trainer.train();
    await builder.close();
    expect(result.status).toBe('completed');
    expect(result.globalStep).toBe(4 * 52);
    expect(evals).toHaveLength(4);
    expect(evals[3]!).toBeLessThan(evals[0]!);
    expect(result.lastEval!.fvu).toBeLessThan(0.6);
    expect(result.lastEval!.explainedVariance).toBeCloseTo(1 - result.lastEval!.fvu, 12);
    expect(result.lastEval!.l0).toBeLessThanOrEqual(16);
    const loaded = await loadSae({ backend: new CpuBackend(), path: result.bestModelPath! });
    expect(loaded.config.nFeatures).toBe(688);
    const config = JSON.parse(await readFile(join(result.runDir!, 'config.json'), 'utf8'));
    expect(config).toMatchObject({ input_dims: 172, k: 16, trainer: { model_name: 'demo', lrs_type: 'cosine', epochs: 4 }, optim: { type: 'adam', lr: 1e-2 } });
    expect(config.dataset.norm.mean).toHaveLength(172);
  }, 120_000);
});

describe('SAETrainer loop', () => {
  it('evaluates every evalSteps and at each epoch end, without evaluating twice at one step', async () => {
    const { train, eval: ev, model } = await smallSetup({ rows: 200, batchSize: 32 }); // 160 train rows: 5 batches
    const seen: Array<[string, number]> = [];
    await new SAETrainer({
      model, trainDataloader: train, evalDataloader: ev, epochs: 2, evalSteps: 3, saveCheckpoints: false, ...quiet,
      hooks: [{ onEvalEnd: (s, m) => void seen.push([m.trigger, s.globalStep]) }],
    }).train();
    expect(seen).toEqual([['steps', 3], ['epoch', 5], ['steps', 6], ['steps', 9], ['epoch', 10]]);
  });

  it('calls hooks in the documented order and keeps going when a hook throws', async () => {
    const { train, eval: ev, model } = await smallSetup({ rows: 100, batchSize: 40 }); // 80 train rows: 2 batches
    const calls: string[] = [];
    const warnings: string[] = [];
    const log = (name: string) => () => void calls.push(name);
    const hooks: TrainerHooks = {
      onTrainStart: log('start'), onBeforeOptimizerStep: log('before'), onStepEnd: log('step'),
      onEvalEnd: log('eval'), onCheckpointSaved: (_s, c) => void calls.push(`saved:${c.kind}`), onTrainEnd: log('end'),
    };
    const broken: TrainerHooks = { onStepEnd: () => { throw new Error('boom'); } };
    const result = await new SAETrainer({
      model, trainDataloader: train, evalDataloader: ev, epochs: 1, evalSteps: 100, outputDir: out, ...quiet,
      warn: (m) => void warnings.push(m), hooks: [broken, hooks],
    }).train();
    expect(result.status).toBe('completed');
    expect(calls).toEqual(['start', 'before', 'step', 'before', 'step', 'eval', 'saved:best', 'saved:state', 'end']);
    expect(warnings.filter((w) => w.includes('boom'))).toHaveLength(1);
  });

  it('follows the schedule, reports the pre-clip gradient norm, and clips', async () => {
    const { train, model } = await smallSetup({ rows: 320 });
    const lrs: number[] = [];
    const norms: number[] = [];
    const clipped: number[] = [];
    const { globalNorm } = await import('./gradients/global-norm.js');
    const trainer = new SAETrainer({
      model, trainDataloader: train, epochs: 2, lrsType: 'linear', warmupFraction: 0.25, gradClipNorm: 1e-3, saveCheckpoints: false, ...quiet,
      hooks: [{
        onStepEnd: (_s, m) => void (lrs.push(m.lr), norms.push(m.gradNorm)),
        onBeforeOptimizerStep: async (_s, g) => void clipped.push(await globalNorm(g, model.backend)),
      }],
    });
    await trainer.train();
    const s = buildSchedule({ lrsType: 'linear', lr: 1e-3, totalSteps: trainer.totalSteps, warmupFraction: 0.25 });
    expect(lrs).toEqual(lrs.map((_, i) => s(i)));
    expect(norms.every((n) => n > 1e-3)).toBe(true);
    clipped.forEach((n) => expect(n).toBeCloseTo(1e-3, 7));
  });

  it('reports the time each step waited for its batch (data_wait_ms), averaged over the logging interval', async () => {
    const { train, model } = await smallSetup({ rows: 160 });
    const slow: DataLoader = {
      ...train, length: train.length, rows: train.rows, cols: train.cols, batchSize: train.batchSize, shuffle: true, normStats: train.normStats,
      epoch: (e, o) => ({
        async *[Symbol.asyncIterator]() {
          for await (const b of train.epoch(e, o)) {
            await new Promise((resolve) => setTimeout(resolve, 40));
            yield b;
          }
        },
      }),
    };
    const waits: (number | undefined)[] = [];
    const trainer = new SAETrainer({ model, trainDataloader: slow, epochs: 1, logEverySteps: 2, saveCheckpoints: false, ...quiet, hooks: [{ onStepEnd: (_s, m) => void waits.push(m.dataWaitMs) }] });
    await trainer.train();
    expect(waits.length).toBeGreaterThan(0);
    // Every batch arrived after a 40 ms sleep, so every step waited at least that long (a lower bound only).
    for (const w of waits) expect(w).toBeGreaterThanOrEqual(39);
    expect(stepMetricsToRecord({ loss: 1, mse: 1, nonZeroFrac: 0, lr: 0, gradNorm: 0, tokensPerSec: 0, rows: 1, dataWaitMs: 12.5 }, 0)['train/data_wait_ms']).toBe(12.5);
  });

  it('stops at a NaN loss with an error naming the step; the best model saved before stays intact', async () => {
    const { train, eval: ev, model } = await smallSetup({ rows: 320 });
    const poisoned: DataLoader = {
      ...train, length: train.length, rows: train.rows, cols: train.cols, batchSize: train.batchSize, shuffle: true, normStats: train.normStats,
      epoch: (e, o) => ({
        async *[Symbol.asyncIterator]() {
          let i = o?.startBatch ?? 0;
          for await (const b of train.epoch(e, o)) {
            if (++i === 4) b.data[5] = NaN;
            yield b as Batch;
          }
        },
      }),
      [Symbol.asyncIterator]: () => train[Symbol.asyncIterator](),
    };
    const errors: unknown[] = [];
    const trainer = new SAETrainer({
      model, trainDataloader: poisoned, evalDataloader: ev, epochs: 1, evalSteps: 2, outputDir: out, ...quiet,
      hooks: [{ onError: (_s, e) => void errors.push(e) }],
    });
    const error = await trainer.train().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TrainingDivergedError);
    expect((error as TrainingDivergedError).step).toBe(4);
    expect(String(error)).toMatch(/step 4[\s\S]*grad_clip_norm/);
    expect(errors).toHaveLength(1);
    const runDir = (await readdir(join(out, 'sae')))[0]!;
    const best = await loadSae({ backend: new CpuBackend(), path: join(out, 'sae', runDir, 'best_model.safetensors') });
    expect((await best.loss(best.backend.fromArray(new Float32Array(16 * 3), [3, 16]))).mse).toBeTypeOf('number');
  });

  it('picks the device from a registry and lists what exists for an unknown one', async () => {
    const { train, model } = await smallSetup({ rows: 64 });
    const registry = new BackendRegistry().register(cpuBackendPlugin);
    const t = new SAETrainer({ model, trainDataloader: train, epochs: 1, device: 'gpu', registry, saveCheckpoints: false, ...quiet });
    await expect(t.train()).rejects.toThrow(/unknown backend 'gpu'[\s\S]*known backends: cpu/);
  });

  it('moves the model to the configured device with an optimiser of the same kind and settings', async () => {
    const other = { ...cpuBackendPlugin, name: 'cpu2', create: () => new CpuBackend({ name: 'cpu2' }) };
    const registry = new BackendRegistry().register(cpuBackendPlugin).register(other);
    const run = async (device: string) => {
      const { train, model } = await smallSetup({ rows: 96 });
      const optim = new AdamW(model, { lr: 0.01, weightDecay: 0.3, paramGroups: noDecayOnBiasesAndNorms() });
      const trainer = new SAETrainer({ model, trainDataloader: train, optim, epochs: 1, device, registry, saveCheckpoints: false, ...quiet });
      await trainer.train();
      return trainer;
    };
    const moved = await run('cpu2');
    const stayed = await run('cpu');
    expect(moved.model.backend.name).toBe('cpu2');
    expect(moved.optimizer.describe()).toEqual(stayed.optimizer.describe());
    expect(moved.optimizer.type).toBe('adamw');
    for (const [n, v] of await stayed.model.toArrays()) expect((await moved.model.toArrays()).get(n)!.data).toEqual(v.data);

    const { train, model } = await smallSetup({ rows: 32 });
    const fixed = { ...new Adam(model), type: 'custom', step: () => {}, forModel: undefined } as never;
    const t = new SAETrainer({ model, trainDataloader: train, optim: fixed, epochs: 1, device: 'cpu2', registry, saveCheckpoints: false, ...quiet });
    await expect(t.train()).rejects.toThrow(/optimiser 'custom' cannot follow it to 'cpu2'/);
  });

  it('warns about logToWandb without a W&B logger, also looking inside a fan-out logger', async () => {
    const sink = (name: string) => ({ name, logHyperparams: async () => {}, logMetrics: async () => {}, flush: async () => {}, close: async () => {} });
    const run = async (loggers: ReturnType<typeof sink>[]) => {
      const { train, model } = await smallSetup({ rows: 64 });
      const warnings: string[] = [];
      await new SAETrainer({ model, trainDataloader: train, epochs: 1, saveCheckpoints: false, handleSignals: false, logToWandb: true, loggers, warn: (m) => void warnings.push(m) }).train();
      return warnings.filter((w) => /no W&B logger/.test(w));
    };
    expect(await run([sink('console')])).toHaveLength(1);
    expect(await run([{ ...sink('fan-out'), loggers: [sink('console'), sink('wandb')] } as ReturnType<typeof sink>])).toEqual([]);
  });

  it('rejects invalid options naming the key', async () => {
    const { train, model } = await smallSetup({ rows: 64 });
    expect(() => new SAETrainer({ model, trainDataloader: train, epochs: 0 })).toThrow(/epochs/);
    expect(() => new SAETrainer({ model, trainDataloader: train, warmupFraction: 1.5 })).toThrow(/warmup_fraction/);
    expect(() => new SAETrainer({ model, trainDataloader: train, lrsType: 'step' as never })).toThrow(/lrs_type/);
  });
});

describe('SAETrainer optimizerInBackward', () => {
  for (const config of [{ k: 4 }, { k: null, betaL1: 1e-3 }]) {
    it(`trains to the same weights and metrics as the default step (${JSON.stringify(config)})`, async () => {
      const runs = [];
      for (const optimizerInBackward of [false, true]) {
        const { train, model } = await smallSetup({ rows: 160, config });
        const metrics: Array<Record<string, number>> = [];
        const trainer = new SAETrainer({
          model, trainDataloader: train, epochs: 2, lrsType: 'cosine', optimizerInBackward, saveCheckpoints: false, ...quiet,
          hooks: [{ onStepEnd: (_s, m) => void metrics.push({ loss: m.loss, gradNorm: m.gradNorm, lr: m.lr }) }],
        });
        await trainer.train();
        expect(trainer.optimizer.stepCount).toBe(trainer.totalSteps);
        runs.push({ metrics, params: await model.toArrays() });
      }
      const [plain, fused] = runs;
      expect(fused!.metrics.map((m) => [m.loss, m.lr])).toEqual(plain!.metrics.map((m) => [m.loss, m.lr]));
      fused!.metrics.forEach((m, i) => expect(m.gradNorm).toBeCloseTo(plain!.metrics[i]!.gradNorm, 10));
      for (const [n, v] of plain!.params) expect(fused!.params.get(n)!.data).toEqual(v.data);
    });
  }

  it('names the step of a non-finite loss exactly, checked on the device without a read per step', async () => {
    const { train, model } = await smallSetup({ rows: 64 });
    const poisoned: DataLoader = {
      ...train, length: train.length, rows: train.rows, cols: train.cols, batchSize: train.batchSize, shuffle: true, normStats: train.normStats,
      epoch: () => ({
        async *[Symbol.asyncIterator]() {
          for await (const b of train.epoch(0)) {
            b.data[3] = Infinity;
            yield b as Batch;
          }
        },
      }),
      [Symbol.asyncIterator]: () => train[Symbol.asyncIterator](),
    };
    const trainer = new SAETrainer({ model, trainDataloader: poisoned, epochs: 1, optimizerInBackward: true, saveCheckpoints: false, ...quiet });
    const error = await trainer.train().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TrainingDivergedError);
    expect(String(error)).toMatch(/step 1: the loss is not finite/);
    expect((error as TrainingDivergedError).step).toBe(1);
    // Checked at the end of the epoch (no hook read any step): every step ran, none was read.
    expect(trainer.optimizer.stepCount).toBe(train.length);
    expect(model.backend.memory().tensors).toBe(model.params.size + 2 * model.params.size);
  });

  it('refuses options that need every gradient before the update, naming the key', async () => {
    const { train, model } = await smallSetup({ rows: 64 });
    const base = { model, trainDataloader: train, optimizerInBackward: true, ...quiet };
    expect(() => new SAETrainer({ ...base, gradClipNorm: 1 })).toThrow(/optimizer_in_backward: cannot be combined with grad_clip_norm/);
    expect(() => new SAETrainer({ ...base, gradientTransforms: [{ name: 'x', apply: async () => {} }] as never })).toThrow(/gradientTransforms/);
    expect(() => new SAETrainer({ ...base, hooks: [{ hooks: { onBeforeOptimizerStep: () => {} } }] })).toThrow(/onBeforeOptimizerStep/);
    expect(() => new SAETrainer({ ...base, hooks: [{ onBeforeOptimizerStep: () => {} }] })).toThrow(/onBeforeOptimizerStep/);
    const plainOptimizer = { ...new Adam(model), type: 'sgd', step: () => {}, beginStep: undefined } as never;
    expect(() => new SAETrainer({ ...base, optim: plainOptimizer })).toThrow(/beginStep[\s\S]*'sgd'/);
    expect(() => new SAETrainer({ ...base, hooks: [{ onStepEnd: () => {} }] })).not.toThrow();
  });
});

describe('SAETrainer microBatchSize', () => {
  for (const config of [{ k: null, betaL1: 1e-3 }, { k: 4 }]) {
    it(`trains like the whole batch at once, within float32 rounding (${JSON.stringify(config)})`, async () => {
      const runs = [];
      // 7-row blocks do not divide the batch: the last block of each batch is shorter.
      for (const microBatchSize of [null, 7]) {
        const { train, eval: ev, model } = await smallSetup({ rows: 160, config });
        const metrics: Array<Record<string, number>> = [];
        const evals: number[] = [];
        const trainer = new SAETrainer({
          model, trainDataloader: train, evalDataloader: ev, evalSteps: 3, epochs: 2, lrsType: 'cosine', microBatchSize, saveCheckpoints: false, ...quiet,
          hooks: [{ onStepEnd: (_s, m) => void metrics.push({ loss: m.loss, gradNorm: m.gradNorm, rows: m.rows }), onEvalEnd: (_s, m) => void evals.push(m.mse) }],
        });
        await trainer.train();
        expect(model.backend.memory().tensors).toBe(3 * model.params.size);
        runs.push({ metrics, evals, params: await model.toArrays() });
      }
      const [whole, split] = runs;
      expect(split!.metrics.length).toBe(whole!.metrics.length);
      expect(split!.metrics.map((m) => m.rows)).toEqual(whole!.metrics.map((m) => m.rows));
      split!.metrics.forEach((m, i) => {
        expect(m.loss).toBeCloseTo(whole!.metrics[i]!.loss, 5);
        expect(m.gradNorm / whole!.metrics[i]!.gradNorm).toBeCloseTo(1, 4);
      });
      split!.evals.forEach((mse, i) => expect(mse / whole!.evals[i]!).toBeCloseTo(1, 4));
      for (const [n, v] of whole!.params) {
        const got = split!.params.get(n)!.data;
        let worst = 0;
        v.data.forEach((x, i) => (worst = Math.max(worst, Math.abs(x - got[i]!))));
        expect(worst, n).toBeLessThan(1e-5);
      }
    });
  }

  it('rejects a block size that is not a positive integer, naming the key', async () => {
    const { train, model } = await smallSetup({ rows: 64 });
    for (const microBatchSize of [0, -4, 2.5]) {
      expect(() => new SAETrainer({ model, trainDataloader: train, microBatchSize, ...quiet })).toThrow(/micro_batch_size: must be a positive integer/);
    }
  });
});

describe('SAETrainer checkpoints and resume', () => {
  it('names runs saved_models/{modelName}/run_{YYYYmmdd_HHMMSS} and keeps step/epoch files when saveBestOnly is false', async () => {
    const { train, eval: ev, model } = await smallSetup({ rows: 200 });
    const r = await new SAETrainer({
      model, trainDataloader: train, evalDataloader: ev, epochs: 2, evalSteps: 4, outputDir: out, modelName: 'my_sae', saveBestOnly: false, ...quiet,
    }).train();
    expect(r.runDir).toMatch(new RegExp(`${out}/my_sae/run_\\d{8}_\\d{6}$`));
    expect((await readdir(r.runDir!)).sort()).toEqual([
      'best_model.safetensors', 'config.json', 'sae_epoch_1.safetensors', 'sae_epoch_2.safetensors',
      'sae_step_4.safetensors', 'sae_step_8.safetensors', 'training_state.safetensors',
    ]);
  });

  it('writes nothing with saveCheckpoints: false', async () => {
    const { train, eval: ev, model } = await smallSetup({ rows: 100 });
    const r = await new SAETrainer({ model, trainDataloader: train, evalDataloader: ev, epochs: 1, outputDir: out, saveCheckpoints: false, ...quiet }).train();
    expect(r.runDir).toBeUndefined();
    expect(existsSync(join(out, 'sae'))).toBe(false);
  });

  for (const stopAt of [3, 8, 13]) {
    it(`a run stopped after ${stopAt} steps and resumed ends with the same weights as an uninterrupted one`, async () => {
      const opts = (m: SparseAutoencoder) => ({ optim: new Adam(m, { lr: 3e-3 }), epochs: 2, evalSteps: 4, lrsType: 'cosine' as const, gradClipNorm: 1, outputDir: out, ...quiet });
      const a = await smallSetup();
      await new SAETrainer({ model: a.model, trainDataloader: a.train, evalDataloader: a.eval, ...opts(a.model) }).train();

      const b = await smallSetup();
      const stopped = await new SAETrainer({
        model: b.model, trainDataloader: b.train, evalDataloader: b.eval, ...opts(b.model),
        hooks: [{ onStepEnd: (s, _m, c) => { if (s.globalStep === stopAt) c.requestStop('test'); } }],
      }).train();
      expect(stopped.status).toBe('stopped');
      expect(stopped.globalStep).toBe(stopAt);

      const c = await smallSetup({ modelSeed: 7 }); // same data, another init: resume must overwrite it
      const resumed = await new SAETrainer({ model: c.model, trainDataloader: c.train, evalDataloader: c.eval, ...opts(c.model) })
        .train({ resumeFrom: stopped.runDir! });
      expect(resumed.status).toBe('completed');
      expect(resumed.globalStep).toBe(16);
      for (const name of a.model.paramNames) {
        expect(await c.model.backend.read(c.model.param(name))).toEqual(await a.model.backend.read(a.model.param(name)));
      }
    });
  }

  it('resume keeps the run\'s base learning rate (not the new optimiser\'s) and its elapsed time', async () => {
    const opts = (m: SparseAutoencoder, lr: number) => ({ optim: new Adam(m, { lr }), epochs: 2, lrsType: 'cosine' as const, outputDir: out, ...quiet });
    const a = await smallSetup();
    const lrsA: number[] = [];
    await new SAETrainer({ model: a.model, trainDataloader: a.train, ...opts(a.model, 3e-3), hooks: [{ onStepEnd: (_s, m) => void lrsA.push(m.lr) }] }).train();
    const b = await smallSetup();
    const stopped = await new SAETrainer({
      model: b.model, trainDataloader: b.train, ...opts(b.model, 3e-3),
      hooks: [{ onStepEnd: (s, _m, c) => { if (s.globalStep === 5) c.requestStop('test'); } }],
    }).train();
    const { loadTrainingState } = await import('./checkpoint/node-training-state.js');
    const saved = await loadTrainingState(stopped.runDir!);
    expect(saved.progress.elapsedSeconds, 'the first session\'s time is recorded').toBeGreaterThan(0);
    expect(saved.progress.elapsedSeconds).toBeLessThanOrEqual(stopped.elapsedSeconds);
    const c = await smallSetup();
    const lrsC: number[] = [];
    const resumed = await new SAETrainer({ model: c.model, trainDataloader: c.train, ...opts(c.model, 1e-1), hooks: [{ onStepEnd: (_s, m) => void lrsC.push(m.lr) }] })
      .train({ resumeFrom: stopped.runDir! });
    expect(lrsC).toEqual(lrsA.slice(5));
    for (const name of a.model.paramNames) expect(await c.model.backend.read(c.model.param(name))).toEqual(await a.model.backend.read(a.model.param(name)));
    expect(resumed.elapsedSeconds).toBeGreaterThan(saved.progress.elapsedSeconds);
  });

  it('saves the training state every checkpointEverySteps steps, so a run killed between saves resumes from the last one', async () => {
    const a = await smallSetup();
    const saved: number[] = [];
    const r = await new SAETrainer({
      model: a.model, trainDataloader: a.train, evalDataloader: a.eval, epochs: 2, checkpointEverySteps: 3, outputDir: out, ...quiet,
      hooks: [{ onCheckpointSaved: (s, c) => void (c.kind === 'state' && saved.push(s.globalStep)) }],
    }).train();
    // Every 3 steps, and at each epoch end (8 steps an epoch); the clock restarts at every save.
    expect(saved).toEqual([3, 6, 8, 11, 14, 16]);
    expect(r.status).toBe('completed');
  });

  it('saves the training state by the clock (checkpointEveryMinutes)', async () => {
    const a = await smallSetup();
    const saved: number[] = [];
    await new SAETrainer({
      model: a.model, trainDataloader: a.train, epochs: 1, checkpointEveryMinutes: 1e-9, outputDir: out, ...quiet,
      hooks: [{ onCheckpointSaved: (s, c) => void (c.kind === 'state' && saved.push(s.globalStep)) }],
    }).train();
    expect(saved).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 8]);
    expect(() => new SAETrainer({ model: a.model, trainDataloader: a.train, checkpointEveryMinutes: 0, ...quiet })).toThrow(/checkpoint_every_minutes: must be a positive number/);
    expect(() => new SAETrainer({ model: a.model, trainDataloader: a.train, checkpointEverySteps: 1.5, ...quiet })).toThrow(/checkpoint_every_steps: must be a positive integer/);
  });

  async function stoppedRun(stopAt: number) {
    const b = await smallSetup();
    return new SAETrainer({
      model: b.model, trainDataloader: b.train, evalDataloader: b.eval, epochs: 2, outputDir: out, ...quiet,
      hooks: [{ onStepEnd: (s, _m, c) => { if (s.globalStep === stopAt) c.requestStop('test'); } }],
    }).train();
  }

  it('refuses to resume on other data unless forced, and says which split differs', async () => {
    const stopped = await stoppedRun(3);
    const other = await smallSetup({ dataSeed: 5 }); // same size and width, other values
    const resume = (force: boolean, warn: (m: string) => void = () => {}) => new SAETrainer({ model: other.model, trainDataloader: other.train, evalDataloader: other.eval, epochs: 2, ...quiet, warn })
      .train({ resumeFrom: stopped.runDir!, forceResume: force });
    await expect(resume(false)).rejects.toThrow(/was trained on other data: train data 256x16:[0-9a-f]{16} \(the run had 256x16:[0-9a-f]{16}\); eval data[\s\S]*--force-resume/);
    const warnings: string[] = [];
    expect((await resume(true, (m: string) => void warnings.push(m))).status).toBe('completed');
    expect(warnings.join('\n')).toMatch(/trained on other data[\s\S]*continuing because of --force-resume/);
  });

  it('refuses a training state whose bytes changed since it was written (checksum), unless forced', async () => {
    const stopped = await stoppedRun(3);
    const path = join(stopped.runDir!, 'training_state.safetensors');
    const bytes = await readFile(path);
    bytes[bytes.length - 5]! ^= 0x10; // one bit of the last tensor
    await writeFile(path, bytes);
    const c = await smallSetup();
    await expect(new SAETrainer({ model: c.model, trainDataloader: c.train, evalDataloader: c.eval, epochs: 2, ...quiet }).train({ resumeFrom: stopped.runDir! }))
      .rejects.toThrow(/training_state.safetensors is corrupt: its data do not match the checksum/);
    const d = await smallSetup();
    const r = await new SAETrainer({ model: d.model, trainDataloader: d.train, evalDataloader: d.eval, epochs: 2, ...quiet }).train({ resumeFrom: stopped.runDir!, forceResume: true });
    expect(r.status).toBe('completed');
  });

  it('resuming with another model size names the shapes and the config to use, and removes dead writers\' temp files', async () => {
    const stopped = await stoppedRun(3);
    await writeFile(join(stopped.runDir!, 'training_state.safetensors.tmp-999999-0a1b2c3d'), 'torn write of a killed run');
    const wide = await smallSetup({ config: { nFeatures: 128 } });
    await expect(new SAETrainer({ model: wide.model, trainDataloader: wide.train, epochs: 2, ...quiet }).train({ resumeFrom: stopped.runDir! }))
      .rejects.toThrow(/the run's W_dec is \[64, 16\], this model's is \[128, 16\] \(input_dims 16, n_features 128\)[\s\S]*hint: resume with the run's own model config/);
    expect(await readdir(stopped.runDir!)).not.toContain('training_state.safetensors.tmp-999999-0a1b2c3d');
  });

  it('two runs started together get their own folders', async () => {
    const runs = await Promise.all([1, 2, 3].map(async () => {
      const s = await smallSetup({ rows: 64 });
      return new SAETrainer({ model: s.model, trainDataloader: s.train, epochs: 1, outputDir: out, ...quiet }).train();
    }));
    expect(new Set(runs.map((r) => r.runDir)).size).toBe(3);
  });

  it('fine-tunes from a model file with initFrom', async () => {
    const { train, model } = await smallSetup({ rows: 64 });
    const first = await new SAETrainer({ model, trainDataloader: train, epochs: 1, outputDir: out, ...quiet }).train();
    const fresh = await smallSetup({ rows: 64, modelSeed: 3 });
    const seen: number[] = [];
    await new SAETrainer({
      model: fresh.model, trainDataloader: fresh.train, epochs: 1, saveCheckpoints: false, ...quiet,
      hooks: [{ onTrainStart: async () => void seen.push(((await fresh.backend.read(fresh.model.param('b_enc'))) as Float32Array)[0]!) }],
    }).train({ initFrom: first.bestModelPath! });
    expect(seen[0]).toBe(((await model.backend.read(model.param('b_enc'))) as Float32Array)[0]);
  });
});
