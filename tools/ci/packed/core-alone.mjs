// Core alone, installed from its tarball: a dataset, the model on the cpu backend, Adam steps.
import { Adam, CpuBackend, MemorySource, Rng, SparseAutoencoder, SyntheticFeatures } from '@deeplens/core';
import { ActivationsDatasetBuilder } from '@deeplens/core/node';

const gen = new SyntheticFeatures({ dim: 16, nFeatures: 32, meanActive: 3, seed: 1 });
const source = new MemorySource(gen.sample(512, new Rng(2)), 16, 'synthetic');
const { train } = await new ActivationsDatasetBuilder({ activations: source, batchSize: 64, splits: [1] }).getDataloaders();
const backend = new CpuBackend();
const model = SparseAutoencoder.create({ backend, config: { inputDims: 16, nFeatures: 64, k: 4 }, seed: 3 });
const optim = new Adam(model, { lr: 1e-2 });
const losses = [];
for (let epoch = 0; epoch < 5; epoch++) {
  for await (const batch of train.epoch(epoch)) {
    const x = backend.fromArray(batch.data, [batch.rows, batch.cols]);
    const { losses: l, grads } = await model.lossAndGrads([x]);
    optim.step(grads);
    model.postStep();
    losses.push(l.total);
    x.dispose();
    for (const g of grads.values()) g.dispose();
  }
}
if (!(losses.at(-1) < losses[0] * 0.7)) throw new Error(`loss did not fall: ${losses[0]} → ${losses.at(-1)}`);
console.log(`core alone: loss ${losses[0].toFixed(4)} → ${losses.at(-1).toFixed(4)} in ${losses.length} steps`);
