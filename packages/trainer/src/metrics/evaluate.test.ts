import { readFileSync } from 'node:fs';
import { ActivationLoader, CpuBackend, MemorySource, SparseAutoencoder, saeConfigFromSnakeCase } from '@deeplens/core';
import { describe, expect, it } from 'vitest';
import { evaluate } from './evaluate.js';
import { FeatureActivity } from './feature-activity.js';

interface OracleCase {
  config: Record<string, unknown>;
  params: Record<string, number[]>;
  x: number[];
  rows: number;
  activity: { last_fired: number[]; tokens_seen: number; window: number };
  expected: {
    fvu: number; explained_variance: number; l0: number; non_zero_frac: number; dead_fraction: number;
    density_histogram: number[]; mse: number; loss: number; uncentred_fvu: number; dead_ignoring_window: number;
  };
}

/** Written by tools/golden/generate_metrics_oracle.py (NumPy, float64, from the same float32 values). */
const oracle = JSON.parse(readFileSync(new URL('../../fixtures/metrics-oracle.json', import.meta.url), 'utf8')) as { cases: Record<string, OracleCase> };

describe('evaluation metrics against the NumPy oracle', () => {
  for (const [name, c] of Object.entries(oracle.cases)) {
    for (const batchSize of [64, 203]) {
      it(`${name} model, batches of ${batchSize}: FVU, explained variance, L0, dead fraction, histogram, mse, loss`, async () => {
        const backend = new CpuBackend();
        const config = saeConfigFromSnakeCase(c.config);
        const params = new Map(Object.entries(c.params).map(([k, v]) => [k, Float32Array.from(v)]));
        const model = SparseAutoencoder.fromArrays({ backend, config, params });
        const d = config.inputDims;
        const loader = new ActivationLoader({
          source: new MemorySource(Float32Array.from(c.x), d), segments: [{ start: 0, count: c.rows }], batchSize,
          shuffle: false, seed: 0, dropLast: false, norm: undefined, bufferRows: 1024,
        });
        const activity = new FeatureActivity(config.nFeatures, c.activity.window);
        activity.lastFired.set(c.activity.last_fired);
        activity.tokensSeen = c.activity.tokens_seen;
        const m = await evaluate(model, loader, { activity });
        const e = c.expected;
        const close = (got: number, want: number, label: string) => expect(Math.abs(got - want), `${label}: ${got} vs ${want}`).toBeLessThan(2e-5 * Math.max(1, Math.abs(want)));
        close(m.fvu, e.fvu, 'fvu');
        close(m.explainedVariance, e.explained_variance, 'explained variance');
        expect(Math.abs(m.fvu - e.uncentred_fvu), 'FVU uses the centred variance').toBeGreaterThan(0.01);
        close(m.l0, e.l0, 'L0');
        close(m.nonZeroFrac, e.non_zero_frac, 'non-zero fraction');
        expect(m.deadFraction, 'dead fraction (eval-silent and outside the training window)').toBe(e.dead_fraction);
        expect(e.dead_fraction).not.toBe(e.dead_ignoring_window);
        expect(m.densityHistogram.counts).toEqual(e.density_histogram);
        expect(m.densityHistogram.edges).toEqual(Array.from({ length: 21 }, (_, i) => -10 + i * 0.5));
        close(m.mse, e.mse, 'mse');
        close(m.loss, e.loss, 'loss');
        expect(m.rows).toBe(c.rows);
        model.dispose();
      });
    }
  }

  it('without training activity, dead means silent on the eval set', async () => {
    const c = oracle.cases['topk']!;
    const backend = new CpuBackend();
    const model = SparseAutoencoder.fromArrays({ backend, config: saeConfigFromSnakeCase(c.config), params: new Map(Object.entries(c.params).map(([k, v]) => [k, Float32Array.from(v)])) });
    const loader = new ActivationLoader({
      source: new MemorySource(Float32Array.from(c.x), 12), segments: [{ start: 0, count: c.rows }], batchSize: 50,
      shuffle: false, seed: 0, dropLast: false, norm: undefined, bufferRows: 1024,
    });
    expect((await evaluate(model, loader)).deadFraction).toBe(c.expected.dead_ignoring_window);
  });

  it('constant evaluation data has no variance: FVU is NaN (not Infinity); nothing leaks; trigger defaults to request', async () => {
    const backend = new CpuBackend();
    const model = SparseAutoencoder.create({ backend, config: { inputDims: 4, nFeatures: 8, k: 2 }, seed: 1 });
    const loader = new ActivationLoader({
      source: new MemorySource(new Float32Array(40).fill(3), 4), segments: [{ start: 0, count: 10 }], batchSize: 4,
      shuffle: false, seed: 0, dropLast: false, norm: undefined, bufferRows: 64,
    });
    const before = backend.memory().tensors;
    const m = await evaluate(model, loader);
    expect(m.fvu).toBeNaN();
    expect(m.explainedVariance).toBeNaN();
    expect(m.mse).toBeGreaterThan(0);
    expect(m.trigger).toBe('request');
    expect(m.rows).toBe(10);
    expect(backend.memory().tensors).toBe(before);
    expect((await evaluate(model, loader, { trigger: 'epoch' })).trigger).toBe('epoch');
  });
});
