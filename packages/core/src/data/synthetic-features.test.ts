import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CpuBackend } from '../cpu/cpu-backend.js';
import { writeNpy } from '../io/write-npy.js';
import { Adam } from '../optim/adam.js';
import { Rng } from '../random/rng.js';
import { SparseAutoencoder } from '../sae/sparse-autoencoder.js';
import { ActivationsDatasetBuilder } from './node-dataset-builder.js';
import { openActivations } from './open-activations.js';
import { meanMaxCosineSimilarity, SyntheticFeatures } from './synthetic-features.js';

describe('SyntheticFeatures', () => {
  it('fires about meanActive features per sample along unit-norm directions', () => {
    const gen = new SyntheticFeatures({ dim: 16, nFeatures: 40, meanActive: 3, seed: 2 });
    for (let f = 0; f < 40; f++) expect(Math.hypot(...gen.features.subarray(f * 16, f * 16 + 16))).toBeCloseTo(1, 5);
    expect(gen.probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(3, 6);
    expect(gen.probabilities[0]!).toBeGreaterThan(gen.probabilities[39]!);
  });

  it('MMCS is 1 for the ground truth itself and low for random directions', () => {
    const gen = new SyntheticFeatures({ dim: 16, nFeatures: 40, seed: 2 });
    expect(meanMaxCosineSimilarity(gen.features, gen.features, 16)).toBeCloseTo(1, 6);
    const other = new SyntheticFeatures({ dim: 16, nFeatures: 40, seed: 3 });
    expect(meanMaxCosineSimilarity(gen.features, other.features, 16)).toBeLessThan(0.75);
  });

  it('an SAE trained through the .npy → dataset builder path recovers the ground-truth features', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'deeplens-synth-'));
    try {
      const dim = 32;
      const gen = new SyntheticFeatures({ dim, nFeatures: 64, meanActive: 3, seed: 1 });
      const rows = 16_000;
      await writeNpy(join(dir, 'synthetic.npy'), gen.sample(rows, new Rng(5)), [rows, dim]);
      const src = await openActivations(join(dir, 'synthetic.npy'));
      expect([src.rows, src.cols]).toEqual([rows, dim]);
      await src.close();
      const builder = new ActivationsDatasetBuilder({
        activations: join(dir, 'synthetic.npy'), batchSize: 64, norm: false, inputDims: dim,
      });
      const { train } = await builder.getDataloaders();
      const backend = new CpuBackend();
      const sae = SparseAutoencoder.create({ backend, config: { inputDims: dim, nFeatures: 128, k: 4 }, seed: 3 });
      const chance = meanMaxCosineSimilarity(gen.features, (await backend.read(sae.param('W_dec'))) as Float32Array, dim);
      const opt = new Adam(sae, { lr: 3e-3, betas: [0.9, 0.99] });
      for (let epoch = 0; epoch < 5; epoch++) {
        for await (const batch of train.epoch(epoch)) {
          const x = backend.fromArray(batch.data, [batch.rows, batch.cols]);
          const { grads } = await sae.lossAndGrads(x);
          opt.step(grads);
          sae.postStep();
          for (const g of grads.values()) g.dispose();
          x.dispose();
        }
      }
      await builder.close();
      const mmcs = meanMaxCosineSimilarity(gen.features, (await backend.read(sae.param('W_dec'))) as Float32Array, dim);
      expect(chance).toBeLessThan(0.55);
      expect(mmcs).toBeGreaterThan(0.8);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
