// Core + trainer + loggers from their tarballs: SAETrainer with the console and metrics-file loggers.
import { existsSync } from 'node:fs';
import { Adam, CpuBackend, MemorySource, Rng, SparseAutoencoder, SyntheticFeatures } from '@deeplens/core';
import { ActivationsDatasetBuilder } from '@deeplens/core/node';
import { ConsoleLogger, MetricsFileLogger } from '@deeplens/loggers';
import { SAETrainer } from '@deeplens/trainer';

const gen = new SyntheticFeatures({ dim: 16, nFeatures: 32, meanActive: 3, seed: 1 });
const source = new MemorySource(gen.sample(640, new Rng(2)), 16, 'synthetic');
const { train, eval: ev } = await new ActivationsDatasetBuilder({ activations: source, batchSize: 64 }).getDataloaders();
const model = SparseAutoencoder.create({ backend: new CpuBackend(), config: { inputDims: 16, nFeatures: 64, k: 4 }, seed: 3 });
const result = await new SAETrainer({
  model, trainDataloader: train, evalDataloader: ev, optim: new Adam(model, { lr: 1e-2 }), epochs: 10, logToWandb: false, outputDir: 'runs',
  loggers: [new ConsoleLogger(), new MetricsFileLogger()], logEverySteps: 8,
}).train();
if (result.status !== 'completed' || !existsSync(result.bestModelPath)) throw new Error(`training did not complete: ${JSON.stringify(result)}`);
// The data are sparse combinations of 32 directions: a 64-latent TopK SAE must explain most of their variance.
if (!(result.lastEval.fvu < 0.6)) throw new Error(`eval FVU ${result.lastEval.fvu} after 10 epochs: the packed trainer does not learn`);
console.log(`core + trainer + loggers: ${result.status}, eval FVU ${result.lastEval.fvu.toFixed(3)}, model at ${result.bestModelPath}`);
