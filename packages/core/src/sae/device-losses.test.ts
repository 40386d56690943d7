import { describe, expect, it } from 'vitest';
import { CpuBackend } from '../cpu/cpu-backend.js';
import { Rng } from '../random/rng.js';
import { SparseAutoencoder } from './sparse-autoencoder.js';

describe('DeviceLosses: a batch\'s loss terms on the backend, read once when wanted', () => {
  for (const config of [{ inputDims: 6, nFeatures: 24, k: 3 }, { inputDims: 6, nFeatures: 24, betaL1: 0.05 }]) {
    it(`${config.k ? 'TopK' : 'L1'}: the sums, the packed read and the terms agree with loss()`, async () => {
      const backend = new CpuBackend();
      const sae = SparseAutoencoder.create({ backend, config, seed: 2 });
      const rng = new Rng(3);
      const x = backend.fromArray(Float32Array.from({ length: 5 * 6 }, () => rng.normal()), [5, 6]);
      const device = sae.lossOnDevice(x, { firing: true });
      expect(device.rows).toBe(5);
      const [sse, sabs, nz] = await Promise.all([device.sums.sumSquaredError, device.sums.sumAbsZ, device.sums.nonZero].map((t) => backend.read(t)));
      const packed = device.pack();
      // DeepLens's graph has no separate objective or AuxK term: those slots are packed as 0.
      expect(Array.from(await backend.read(packed))).toEqual([sse![0], sabs![0], nz![0], 0, 0]);
      const terms = device.termsFrom(await backend.read(packed));
      expect(terms.mse).toBeCloseTo(sse![0]! / (5 * 6), 6);
      expect(terms.l1).toBeCloseTo(sabs![0]! / (5 * 24), 6);
      expect(terms.nonZeroFrac).toBeCloseTo(nz![0]! / (5 * 24), 6);
      expect(terms.total).toBeCloseTo(config.betaL1 ? terms.mse + config.betaL1 * terms.l1 : terms.mse, 6);
      const read = await device.read();
      expect(read.firing).toHaveLength(24);
      expect({ ...read, firing: undefined }).toEqual({ ...(await sae.loss(x)), firing: undefined });
      packed.dispose();
      device.dispose();
      expect(backend.memory().tensors).toBe(sae.params.size + 1);
    });
  }
});
