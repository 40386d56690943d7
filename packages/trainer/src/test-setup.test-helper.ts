import { CpuBackend, MemorySource, Rng, SparseAutoencoder, SyntheticFeatures, type SaeConfigInput } from '@deeplens/core';
import { ActivationsDatasetBuilder } from '@deeplens/core/node';

/** A small synthetic dataset and model, identical for identical seeds. */
export async function smallSetup(options: { seed?: number; dataSeed?: number; modelSeed?: number; rows?: number; batchSize?: number; config?: Partial<SaeConfigInput> } = {}) {
  const seed = options.seed ?? 42;
  const gen = new SyntheticFeatures({ dim: 16, nFeatures: 32, meanActive: 3, seed: 1 });
  const rows = options.rows ?? 320;
  const source = new MemorySource(gen.sample(rows, new Rng(options.dataSeed ?? 9)), 16, 'synthetic');
  const { train, eval: ev } = await new ActivationsDatasetBuilder({ activations: source, batchSize: options.batchSize ?? 32, seed }).getDataloaders();
  const backend = new CpuBackend();
  const model = SparseAutoencoder.create({ backend, config: { inputDims: 16, nFeatures: 64, k: 4, ...options.config }, seed: options.modelSeed ?? seed });
  return { train, eval: ev!, model, backend };
}
