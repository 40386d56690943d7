import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Adam, bDecInitValue, CpuBackend, type SaeConfigInput, type SparseAutoencoder } from '@deeplens/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { removeParallelGrad } from './gradients/remove-parallel-grad.js';
import type { StepMetrics } from './hooks/trainer-hooks.js';
import { DeadLatentMask } from './metrics/dead-latent-mask.js';
import { SAETrainer } from './node-sae-trainer.js';
import { smallSetup } from './test-setup.test-helper.js';

let out: string;
beforeEach(async () => {
  out = await mkdtemp(join(tmpdir(), 'deeplens-practices-'));
});
afterEach(async () => {
  await rm(out, { recursive: true, force: true });
});

const quiet = { warn: () => {}, logToWandb: false, handleSignals: false };
const read = async (m: SparseAutoencoder, name: Parameters<SparseAutoencoder['param']>[0]) => Array.from(await m.backend.read(m.param(name)));

describe('training practices beyond DeepLens', () => {
  for (const [name, config] of [
    ['batchtopk + AuxK', { architecture: 'batchtopk', k: 4, auxKCoef: 1 / 32, auxK: 8 }],
    ['jumprelu', { architecture: 'jumprelu', k: null, l0Coefficient: 1e-3, jumpreluBandwidth: 0.05 }],
    ['matryoshka + AuxK', { architecture: 'matryoshka', k: 4, matryoshkaPrefixes: [8, 32, 64], auxKCoef: 0.1 }],
  ] as [string, Partial<SaeConfigInput>][]) {
    it(`${name}: a run stopped after 7 steps and resumed ends bit-identical to an uninterrupted one (threshold and dead-latent state included)`, async () => {
      const opts = (m: SparseAutoencoder) => ({ optim: new Adam(m, { lr: 3e-3 }), epochs: 2, evalSteps: 4, deadWindowTokens: 96, outputDir: out, ...quiet });
      const a = await smallSetup({ config });
      await new SAETrainer({ model: a.model, trainDataloader: a.train, evalDataloader: a.eval, ...opts(a.model) }).train();
      const b = await smallSetup({ config });
      const stopped = await new SAETrainer({
        model: b.model, trainDataloader: b.train, evalDataloader: b.eval, ...opts(b.model),
        hooks: [{ onStepEnd: (s, _m, c) => { if (s.globalStep === 7) c.requestStop('test'); } }],
      }).train();
      expect(stopped.globalStep).toBe(7);
      const c = await smallSetup({ config, modelSeed: 3 });
      const resumed = await new SAETrainer({ model: c.model, trainDataloader: c.train, evalDataloader: c.eval, ...opts(c.model) }).train({ resumeFrom: stopped.runDir! });
      expect(resumed.globalStep).toBe(16);
      for (const [n, t] of [...a.model.params, ...a.model.buffers]) {
        expect(Array.from(await c.model.backend.read(c.model.param(n))), n).toEqual(Array.from(await a.model.backend.read(t)));
      }
    });
  }

  it('AuxK: dead latents (silent for dead_window_tokens) get an auxiliary loss; without dead latents it is 0', async () => {
    const aux: number[] = [];
    const { train, model } = await smallSetup({ config: { architecture: 'topk', k: 2, auxKCoef: 1 / 32, auxK: 8 } });
    await new SAETrainer({
      model, trainDataloader: train, epochs: 1, saveCheckpoints: false, logEverySteps: 1, deadWindowTokens: 64, ...quiet,
      hooks: [{ onStepEnd: (_s, m) => void aux.push(m.auxLoss!) }],
    }).train();
    // Nothing is dead before 64 tokens (two batches of 32) have passed.
    expect(aux.slice(0, 2)).toEqual([0, 0]);
    expect(aux.slice(2).some((v) => v > 0)).toBe(true);
  });

  it('DeadLatentMask: silent tokens per latent, reset when it fires; restore() rebuilds the same state', async () => {
    const b = new CpuBackend();
    const mask = new DeadLatentMask(3, 10);
    const fired = (v: number[]) => b.fromArray(Float32Array.from(v), [3]);
    for (const [f, rows] of [[[1, 0, 0], 4], [[0, 0, 2], 4], [[0, 0, 1], 4]] as [number[], number][]) {
      const t = fired(f);
      mask.record(b, t, rows);
      t.dispose();
    }
    const m = mask.mask(b);
    // latent 0 last fired 8 tokens ago, latent 1 never (12 tokens), latent 2 just now.
    expect(Array.from(await b.read(m))).toEqual([0, 1, 0]);
    m.dispose();
    const again = new DeadLatentMask(3, 10);
    again.restore(b, Float64Array.from([4, -1, 12]), 12);
    const m2 = again.mask(b);
    expect(Array.from(await b.read(m2))).toEqual([0, 1, 0]);
    m2.dispose();
    mask.dispose();
    again.dispose();
    expect(b.memory().tensors).toBe(0);
  });

  it('jumprelu: a larger l0_coefficient gives a lower L0 (the penalty moves sparsity under Adam)', async () => {
    const l0 = async (l0Coefficient: number) => {
      const { train, eval: ev, model } = await smallSetup({ rows: 640, config: { architecture: 'jumprelu', k: null, l0Coefficient, jumpreluBandwidth: 0.05 } });
      const r = await new SAETrainer({ model, optim: new Adam(model, { lr: 1e-2 }), trainDataloader: train, evalDataloader: ev, epochs: 4, saveCheckpoints: false, ...quiet }).train();
      return r.lastEval!.l0;
    };
    const [low, high] = [await l0(1e-4), await l0(3e-2)];
    expect(high).toBeLessThan(0.7 * low);
  });

  it('l1_warmup_steps: the L1 penalty grows linearly over the first steps', async () => {
    const seen: StepMetrics[] = [];
    const { train, model } = await smallSetup({ config: { k: null, betaL1: 0.5 } });
    await new SAETrainer({
      model, trainDataloader: train, epochs: 1, saveCheckpoints: false, logEverySteps: 1, l1WarmupSteps: 4, ...quiet,
      hooks: [{ onStepEnd: (_s, m) => void seen.push(m) }],
    }).train();
    seen.slice(0, 6).forEach((m, i) => expect(m.loss).toBeCloseTo(m.mse + 0.5 * Math.min(1, (i + 1) / 4) * m.l1!, 6));
  });

  it('remove_parallel_grad: W_dec\'s gradient ends orthogonal to each feature direction', async () => {
    const b = new CpuBackend();
    const w = b.fromArray(Float32Array.from([1, 0, 0, 0.6, 0.8, 0, 0, 0, 0]), [3, 3]);
    const g = b.fromArray(Float32Array.from([2, 1, -1, 1, 1, 1, 3, 4, 5]), [3, 3]);
    await removeParallelGrad(() => w).apply(new Map([['W_dec', g]]), b, { globalNorm: () => b.fill([1], 0) });
    const out = Array.from(await b.read(g));
    expect(out.slice(0, 3)).toEqual([0, 1, -1]);
    expect(out[3]! * 0.6 + out[4]! * 0.8).toBeCloseTo(0, 6);
    expect(out.slice(6)).toEqual([3, 4, 5]); // a zero row has no direction: left alone
  });

  it('b_dec_init geometric_median: b_dec starts at the geometric median of the first training rows', async () => {
    const { train, model } = await smallSetup({ config: { bDecInit: 'geometric_median' } });
    let start: number[] = [];
    await new SAETrainer({
      model, trainDataloader: train, epochs: 1, saveCheckpoints: false, ...quiet,
      hooks: [{ onTrainStart: async () => void (start = await read(model, 'b_dec')) }],
    }).train();
    const rows: Float32Array[] = [];
    for await (const batch of train.epoch(0)) rows.push(batch.data);
    const all = new Float32Array(rows.reduce((n, r) => n + r.length, 0));
    rows.reduce((o, r) => (all.set(r, o), o + r.length), 0);
    expect(start).toEqual(Array.from(bDecInitValue('geometric_median', all, all.length / 16, 16)));
    expect(start.some((v) => v !== 0)).toBe(true);
  });
});
