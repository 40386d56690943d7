import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Adam, CpuBackend, MemorySource, Rng, SparseAutoencoder, SyntheticFeatures, type DataLoader, type SaeConfigInput } from '@deeplens/core';
import { ActivationsDatasetBuilder } from '@deeplens/core/node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TrainerHooks } from '../hooks/trainer-hooks.js';
import { SAETrainer } from '../node-sae-trainer.js';
import { SweepTrainer } from './sweep-trainer.js';

let out: string;
beforeEach(async () => {
  out = await mkdtemp(join(tmpdir(), 'deeplens-sweep-'));
});
afterEach(async () => {
  await rm(out, { recursive: true, force: true });
});

const quiet = { warn: () => {}, logToWandb: false, handleSignals: false };
const CONFIGS: Array<[string, Partial<SaeConfigInput>, number]> = [
  ['topk', { k: 4 }, 3e-3],
  ['batchtopk-auxk', { architecture: 'batchtopk', k: 4, auxKCoef: 1 / 32 }, 1e-2],
  ['jumprelu', { architecture: 'jumprelu', l0Coefficient: 1e-3, jumpreluBandwidth: 0.05 }, 3e-3],
];

async function loaders() {
  const gen = new SyntheticFeatures({ dim: 16, nFeatures: 32, meanActive: 3, seed: 1 });
  const source = new MemorySource(gen.sample(320, new Rng(9)), 16, 'synthetic');
  const { train, eval: ev } = await new ActivationsDatasetBuilder({ activations: source, batchSize: 32, seed: 42 }).getDataloaders();
  return { train, eval: ev! };
}

function trainerFor(backend: CpuBackend, data: { train: DataLoader; eval: DataLoader }, [name, config, lr]: (typeof CONFIGS)[number], hooks: TrainerHooks[] = []) {
  const model = SparseAutoencoder.create({ backend, config: { inputDims: 16, nFeatures: 64, ...config }, seed: 5 });
  return new SAETrainer({
    model, optim: new Adam(model, { lr }), trainDataloader: data.train, evalDataloader: data.eval, epochs: 2, evalSteps: 4,
    deadWindowTokens: 96, outputDir: out, modelName: name, hooks, ...quiet,
  });
}

async function weights(t: SAETrainer) {
  const m = t.model;
  return Object.fromEntries(await Promise.all([...m.params, ...m.buffers].map(async ([n, p]) => [n, Array.from(await m.backend.read(p))] as const)));
}

describe('SweepTrainer: several SAEs in one pass over the data', () => {
  it('each SAE ends bit-identical to its own separate run, and the data is read once per batch', async () => {
    const separate: unknown[] = [];
    const separateEvals: unknown[] = [];
    for (const c of CONFIGS) {
      const t = trainerFor(new CpuBackend(), await loaders(), c);
      separateEvals.push((await t.train()).lastEval);
      separate.push(await weights(t));
    }
    const data = await loaders();
    let reads = 0;
    const epoch = data.train.epoch.bind(data.train);
    data.train.epoch = (e, o) => {
      reads++;
      return epoch(e, o);
    };
    const backend = new CpuBackend();
    const trainers = CONFIGS.map((c) => trainerFor(backend, data, c));
    const progress: number[] = [];
    const r = await new SweepTrainer({ runs: trainers.map((t, i) => ({ name: CONFIGS[i]![0], trainer: t })), handleSignals: false, progressEverySteps: 5, onProgress: (p) => progress.push(p.batches) }).train();
    expect(r.status).toBe('completed');
    expect(r.results.map((x) => [x.name, x.result.status, x.result.globalStep])).toEqual(CONFIGS.map(([n]) => [n, 'completed', 16]));
    expect(r.batches).toBe(16);
    // One epoch() per epoch for the sweep, plus each run's b_dec/fingerprint reads of its own (none here).
    expect(reads).toBe(2);
    expect(progress).toEqual([5, 10, 15, 16]);
    for (const [i, t] of trainers.entries()) expect(await weights(t), CONFIGS[i]![0]).toEqual(separate[i]);
    r.results.forEach((x, i) => expect(x.result.lastEval, x.name).toEqual(separateEvals[i]));
  });

  it('an SAE that diverges fails alone; the others complete', async () => {
    const data = await loaders();
    const backend = new CpuBackend();
    const broken: (typeof CONFIGS)[number] = ['exploding', { k: 4 }, 1e30];
    const trainers = [trainerFor(backend, data, CONFIGS[0]!), trainerFor(backend, data, broken)];
    const ended: string[] = [];
    const r = await new SweepTrainer({ runs: [{ name: 'topk', trainer: trainers[0]! }, { name: 'exploding', trainer: trainers[1]! }], handleSignals: false, onRunEnd: (n) => void ended.push(n) }).train();
    const byName = Object.fromEntries(r.results.map((x) => [x.name, x.result]));
    expect(byName['exploding']!.status).toBe('failed');
    expect(byName['exploding']!.reason).toMatch(/non-finite|NaN|Inf|diverged/i);
    expect(byName['topk']!.status).toBe('completed');
    expect(byName['topk']!.globalStep).toBe(16);
    expect(ended).toEqual(['exploding', 'topk']);
  });

  it('resumes a sweep whose SAEs stopped at different steps: each catches up and ends as if never stopped', async () => {
    const reference: unknown[] = [];
    {
      const data = await loaders();
      const backend = new CpuBackend();
      const trainers = CONFIGS.map((c) => trainerFor(backend, data, c));
      await new SweepTrainer({ runs: trainers.map((t, i) => ({ name: CONFIGS[i]![0], trainer: t })), handleSignals: false }).train();
      for (const t of trainers) reference.push(await weights(t));
    }
    const stopAt = [5, 11, 3];
    const data = await loaders();
    const backend = new CpuBackend();
    const first = CONFIGS.map((c, i) => trainerFor(backend, data, c, [{ onStepEnd: (s, _m, ctl) => { if (s.globalStep === stopAt[i]) ctl.requestStop('test'); } }]));
    const stopped = await new SweepTrainer({ runs: first.map((t, i) => ({ name: CONFIGS[i]![0], trainer: t })), handleSignals: false }).train();
    expect(stopped.status).toBe('stopped');
    expect(stopped.results.map((x) => x.result.globalStep)).toEqual(stopAt);
    const again = await loaders();
    const backend2 = new CpuBackend();
    const second = CONFIGS.map((c) => trainerFor(backend2, again, c));
    const resumed = await new SweepTrainer({
      runs: second.map((t, i) => ({ name: CONFIGS[i]![0], trainer: t, trainOptions: { resumeFrom: stopped.results[i]!.result.runDir! } })), handleSignals: false,
    }).train();
    expect(resumed.results.map((x) => [x.result.status, x.result.globalStep])).toEqual(CONFIGS.map(() => ['completed', 16]));
    // 16 batches for the SAE that stopped earliest, minus the 3 it had done.
    expect(resumed.batches).toBe(13);
    for (const [i, t] of second.entries()) expect(await weights(t), CONFIGS[i]![0]).toEqual(reference[i]);
  });

  it('refuses SAEs that do not share the data loop', async () => {
    const backend = new CpuBackend();
    const a = trainerFor(backend, await loaders(), CONFIGS[0]!);
    const b = trainerFor(backend, await loaders(), CONFIGS[1]!);
    expect(() => new SweepTrainer({ runs: [{ name: 'a', trainer: a }, { name: 'b', trainer: b }] })).toThrow(/share one/);
  });
});
