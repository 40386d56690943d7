import { Adam } from '../optim/adam.js';
import { Rng } from '../random/rng.js';
import type { Backend } from '../backend/backend.js';
import type { SaeConfigInput } from '../sae/sae-config.js';
import { SparseAutoencoder } from '../sae/sparse-autoencoder.js';
import { SyntheticFeatures } from '../data/synthetic-features.js';

export interface MemoryTrace {
  /** backend.memory() after each step: live tensors and bytes (textures or arrays, CSR layouts included). */
  tensors: number[];
  bytes: number[];
  firstLoss: number;
  lastLoss: number;
}

/**
 * Train `steps` SAE steps with core's model and Adam (the trainer's step without the trainer),
 * recording the backend's own counts (`backend.memory()`) after each: a leak in an op, a rebind or
 * the optimiser grows them. Shared by the backends' leak tests, in Node and in browsers.
 */
export async function traceTrainingMemory(backend: Backend, config: SaeConfigInput, steps: number): Promise<MemoryTrace> {
  const d = config.inputDims;
  const data = new SyntheticFeatures({ dim: d, nFeatures: 2 * d, meanActive: 3, seed: 1 });
  const sae = SparseAutoencoder.create({ backend, config, seed: 42 });
  const optimizer = new Adam(sae, { lr: 3e-3 });
  const rng = new Rng(7);
  const trace: MemoryTrace = { tensors: [], bytes: [], firstLoss: NaN, lastLoss: NaN };
  for (let step = 0; step < steps; step++) {
    const x = backend.fromArray(data.sample(32, rng), [32, d]);
    const { losses, grads } = await sae.lossAndGrads(x);
    optimizer.step(grads);
    sae.postStep();
    for (const g of grads.values()) g.dispose();
    x.dispose();
    if (step === 0) trace.firstLoss = losses.total;
    trace.lastLoss = losses.total;
    const m = backend.memory();
    trace.tensors.push(m.tensors);
    trace.bytes.push(m.bytes);
  }
  sae.dispose();
  optimizer.dispose();
  return trace;
}

/** Two small models that between them use every op of a training step (TopK; L1 with SiLU and input LayerNorm). */
export const MEMORY_CONFIGS = [
  ['TopK relu', { inputDims: 16, nFeatures: 64, activation: 'relu', k: 4 }],
  ['L1 silu + input norm', { inputDims: 16, nFeatures: 64, activation: 'silu', betaL1: 1e-3, inputNorm: true }],
] as const;
