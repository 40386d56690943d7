/**
 * Train a small TopK SAE on synthetic data with known features, using only @deeplens/core.
 *
 * In this repository:                 pnpm --filter @deeplens/core example
 * In your own project (a folder with the @deeplens/core tarball installed, see the README's
 * "Using it"): copy this file there and run  npx tsx train-small-sae.ts
 */
import { pathToFileURL } from 'node:url';
import {
  Adam, CpuBackend, meanMaxCosineSimilarity, Rng, SparseAutoencoder, SyntheticFeatures,
} from '@deeplens/core';

export interface SmallRunResult {
  losses: number[];
  mmcs: number;
}

export async function trainSmallSae(options: { steps?: number; log?: (line: string) => void } = {}): Promise<SmallRunResult> {
  const steps = options.steps ?? 300;
  const log = options.log ?? (() => {});
  const backend = new CpuBackend();
  const data = new SyntheticFeatures({ dim: 32, nFeatures: 64, meanActive: 3, seed: 1 });
  const sae = SparseAutoencoder.create({
    backend,
    config: { inputDims: 32, nFeatures: 128, activation: 'relu', k: 4 },
    seed: 42,
  });
  const optimizer = new Adam(sae, { lr: 3e-3, betas: [0.9, 0.99] });
  const rng = new Rng(7);
  const losses: number[] = [];
  for (let step = 0; step < steps; step++) {
    const x = backend.fromArray(data.sample(64, rng), [64, 32]);
    const { losses: l, grads } = await sae.lossAndGrads(x);
    optimizer.step(grads);
    sae.postStep();
    for (const g of grads.values()) g.dispose();
    x.dispose();
    losses.push(l.mse);
    if (step % 50 === 0) log(`step ${step}: mse ${l.mse.toFixed(5)} nz_frac ${l.nonZeroFrac.toFixed(3)}`);
  }
  const wDec = (await backend.read(sae.param('W_dec'))) as Float32Array;
  const mmcs = meanMaxCosineSimilarity(data.features, wDec, 32);
  log(`final mse ${losses.at(-1)!.toFixed(5)}; recovered features: MMCS ${mmcs.toFixed(3)}`);
  sae.dispose();
  optimizer.dispose();
  return { losses, mmcs };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await trainSmallSae({ log: console.log });
}
