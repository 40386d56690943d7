import * as tf from '@tensorflow/tfjs-core';
import { Adam, Rng, SparseAutoencoder, SyntheticFeatures, type SaeConfigInput } from '@deeplens/core';
import type { TfjsBackend } from './tfjs-backend.js';

export interface MemoryTrace {
  /** tf.memory() after each step: tensors and bytes. */
  tensors: number[];
  bytes: number[];
  firstLoss: number;
  lastLoss: number;
}

/**
 * Train `steps` SAE steps on the backend with core's model and Adam (the trainer's step without the
 * trainer), recording tfjs's own tensor and byte counts after each: a leak anywhere — in an op, a
 * rebind, the optimiser — makes them grow.
 */
export async function traceTrainingMemory(backend: TfjsBackend, config: SaeConfigInput, steps: number): Promise<MemoryTrace> {
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
    const m = tf.memory();
    trace.tensors.push(m.numTensors);
    trace.bytes.push(m.numBytes);
  }
  sae.dispose();
  optimizer.dispose();
  return trace;
}
