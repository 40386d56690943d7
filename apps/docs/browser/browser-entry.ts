/**
 * What a web page does with DeepLens: build an SAE on the cpu backend, train it with the same
 * SAETrainer loop as the CLI (its browser entry keeps the run in memory) and the console logger, and
 * take the model file's bytes for a download. Bundled for the browser by browser-bundle.test.ts.
 */
import { ActivationsDatasetBuilder, Adam, CpuBackend, MemorySource, Rng, SparseAutoencoder, SyntheticFeatures } from '@deeplens/core';
import { ConsoleLogger } from '@deeplens/loggers/browser';
import { MemoryRunStorage, SAETrainer, type StepMetrics } from '@deeplens/trainer/browser';

export async function trainInBrowser(): Promise<{ fvu: number; lines: string[]; fileBytes: number; losses: number[]; runFiles: string[] }> {
  const gen = new SyntheticFeatures({ dim: 16, nFeatures: 32, meanActive: 3, seed: 1 });
  const source = new MemorySource(gen.sample(640, new Rng(2)), 16, 'in-page data');
  const { train, eval: ev } = await new ActivationsDatasetBuilder({ activations: source, batchSize: 32, seed: 3 }).getDataloaders();
  const model = SparseAutoencoder.create({ backend: new CpuBackend(), config: { inputDims: 16, nFeatures: 64, k: 4 }, seed: 4 });
  const lines: string[] = [];
  const losses: number[] = [];
  const storage = new MemoryRunStorage();
  const trainer = new SAETrainer({
    model, optim: new Adam(model, { lr: 1e-2 }), trainDataloader: train, evalDataloader: ev, epochs: 12, lrsType: 'cosine', logEverySteps: 1,
    evalSteps: 1000, logToWandb: false, storage, loggers: [new ConsoleLogger({ write: (l) => lines.push(l) })],
    hooks: [{ onStepEnd: (_s: unknown, m: StepMetrics) => void losses.push(m.mse) }],
  });
  const result = await trainer.train();
  const best = storage.file(result.bestModelPath!)!;
  const runFiles = [...storage.files.keys()].map((k) => k.slice(result.runDir!.length + 1)).sort();
  return { fvu: result.lastEval!.fvu, lines, fileBytes: best.length, losses, runFiles };
}
