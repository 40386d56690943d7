/**
 * What a web page does with DeepLens: build an SAE on the cpu backend, train it with the trainer's
 * browser-safe parts (schedule, clipping, evaluation, hooks) and the console logger, and produce the
 * model file's bytes for a download. Bundled for the browser by browser-bundle.test.ts.
 */
import {
  ActivationsDatasetBuilder, Adam, CpuBackend, encodeModelFile, MemorySource, Rng, SparseAutoencoder, SyntheticFeatures,
} from '@deeplens/core';
import { ConsoleLogger, FanOutLogger } from '@deeplens/loggers/browser';
import { buildSchedule, clipByGlobalNorm, evaluate, gradientContext, stepMetricsToRecord } from '@deeplens/trainer/browser';

const EPOCHS = 12;

export async function trainInBrowser(): Promise<{ fvu: number; lines: string[]; fileBytes: number; losses: number[] }> {
  const gen = new SyntheticFeatures({ dim: 16, nFeatures: 32, meanActive: 3, seed: 1 });
  const source = new MemorySource(gen.sample(640, new Rng(2)), 16, 'in-page data');
  const { train, eval: ev } = await new ActivationsDatasetBuilder({ activations: source, batchSize: 32, seed: 3 }).getDataloaders();
  const backend = new CpuBackend();
  const model = SparseAutoencoder.create({ backend, config: { inputDims: 16, nFeatures: 64, k: 4 }, seed: 4 });
  const optim = new Adam(model, { lr: 1e-2 });
  const lines: string[] = [];
  const logger = new FanOutLogger([new ConsoleLogger({ write: (l) => lines.push(l) })]);
  const schedule = buildSchedule({ lrsType: 'cosine', lr: 1e-2, totalSteps: EPOCHS * train.length, warmupFraction: 0.1 });
  const clip = clipByGlobalNorm(1);
  const losses: number[] = [];
  let step = 0;
  for (let epoch = 0; epoch < EPOCHS; epoch++) {
    for await (const batch of train.epoch(epoch)) {
      const x = backend.fromArray(batch.data, [batch.rows, 16]);
      const { losses: terms, grads } = await model.lossAndGrads(x);
      await clip.apply(grads, backend, gradientContext(grads, backend));
      optim.learningRate = schedule(step++);
      optim.step(grads);
      model.postStep();
      losses.push(terms.mse);
      logger.logMetrics(stepMetricsToRecord({ ...terms, loss: terms.total, lr: optim.learningRate, gradNorm: 0, tokensPerSec: 0, rows: batch.rows }, epoch), step);
      for (const g of grads.values()) g.dispose();
      x.dispose();
    }
  }
  const metrics = await evaluate(model, ev!);
  const parts = await encodeModelFile(model, { normStats: train.normStats });
  return { fvu: metrics.fvu, lines, fileBytes: parts.reduce((n, p) => n + p.length, 0), losses };
}
