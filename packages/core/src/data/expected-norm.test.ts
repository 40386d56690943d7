import { describe, expect, it } from 'vitest';
import { Rng } from '../random/rng.js';
import { MemorySource } from './memory-source.js';
import { ActivationsDatasetBuilder } from './node-dataset-builder.js';

/** Rows with a mean far from 0 and very different scales per column. */
function skewed(rows: number, cols: number): MemorySource {
  const rng = new Rng(3);
  const data = Float32Array.from({ length: rows * cols }, (_, i) => 5 + (1 + (i % cols)) * rng.normal());
  return new MemorySource(data, cols, 'skewed');
}

async function meanNorm(builder: ActivationsDatasetBuilder): Promise<{ train: number; eval: number; scale: number | undefined }> {
  const { train, eval: ev, info } = await builder.getDataloaders();
  const norms = async (loader: typeof train) => {
    let sum = 0;
    let n = 0;
    for await (const b of loader.epoch(0)) {
      for (let r = 0; r < b.rows; r++) {
        let ss = 0;
        for (let c = 0; c < b.cols; c++) ss += b.data[r * b.cols + c]! ** 2;
        sum += Math.sqrt(ss);
        n++;
      }
    }
    return sum / n;
  };
  return { train: await norms(train), eval: await norms(ev!), scale: info.expectedNormScale };
}

describe('normalize_activations: expected_norm', () => {
  for (const norm of [true, false]) {
    it(`scales rows so that E‖x‖ = √d ${norm ? 'after z-scoring' : 'of the raw rows'}; the eval split gets the same factor`, async () => {
      const cols = 16;
      const scaled = await meanNorm(new ActivationsDatasetBuilder({ activations: skewed(3000, cols), norm, normalizeActivations: 'expected_norm', batchSize: 64 }));
      expect(scaled.train).toBeCloseTo(Math.sqrt(cols), 3);
      // Same factor on held-out rows: close to √d, not exactly.
      expect(Math.abs(scaled.eval / Math.sqrt(cols) - 1)).toBeLessThan(0.05);
      const plain = await meanNorm(new ActivationsDatasetBuilder({ activations: skewed(3000, cols), norm, batchSize: 64 }));
      expect(plain.scale).toBeUndefined();
      expect(scaled.scale).toBeCloseTo(Math.sqrt(cols) / plain.train, 3);
    });
  }

  it('keeps the factor in the normalisation statistics (std ÷ s), so inference and export apply it', async () => {
    const plain = await new ActivationsDatasetBuilder({ activations: skewed(500, 4), splits: [1] }).getDataloaders();
    const scaled = await new ActivationsDatasetBuilder({ activations: skewed(500, 4), splits: [1], normalizeActivations: 'expected_norm' }).getDataloaders();
    const s = scaled.info.expectedNormScale!;
    expect(Array.from(scaled.info.normStats!.mean)).toEqual(Array.from(plain.info.normStats!.mean));
    scaled.info.normStats!.std.forEach((v, i) => expect(v).toBeCloseTo(plain.info.normStats!.std[i]! / s, 5));
    // Given statistics (a checkpoint's, for evaluation) are used as they are.
    const given = await new ActivationsDatasetBuilder({ activations: skewed(500, 4), splits: [1], normalizeActivations: 'expected_norm', normStats: scaled.info.normStats! }).getDataloaders();
    expect(given.info.normStats).toBe(scaled.info.normStats);
    expect(given.info.expectedNormScale).toBeUndefined();
  });
});
