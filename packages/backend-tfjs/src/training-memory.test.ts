import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { tfjsBackendPlugin } from './tfjs-plugin.js';
import type { TfjsBackend } from './tfjs-backend.js';
import { traceTrainingMemory } from '@deeplens/core/testing';

// 100 training steps per engine and model kind; tfjs's own tensor and byte counts must stay flat
// (every step disposes what it made; in-place ops free the tensor they replace).
describe.each(['wasm', 'cpu'] as const)('tfjs %s engine: 100 training steps', (engine) => {
  const created: TfjsBackend[] = [];
  afterAll(async () => {
    for (const b of created) await b.dispose();
  });

  it.each([
    ['TopK relu', { inputDims: 16, nFeatures: 64, activation: 'relu', k: 4 }],
    ['L1 silu + input norm', { inputDims: 16, nFeatures: 64, activation: 'silu', betaL1: 1e-3, inputNorm: true }],
  ] as const)('%s: tf.memory() stays flat and the loss falls', async (_name, config) => {
    const backend = (await tfjsBackendPlugin.create({ engine })) as TfjsBackend;
    created.push(backend);
    expect(tf.getBackend()).toBe(engine);
    const before = tf.memory().numTensors;
    const trace = await traceTrainingMemory(backend, config, 100);
    // From the second step on (the first creates the optimiser's moments) nothing changes at all.
    expect(new Set(trace.tensors.slice(1)).size, `tensor counts ${trace.tensors.slice(0, 5).join(', ')} … ${trace.tensors.at(-1)}`).toBe(1);
    expect(new Set(trace.bytes.slice(1)).size, 'byte counts').toBe(1);
    expect(tf.memory().numTensors, 'everything freed after dispose').toBe(before);
    expect(trace.lastLoss).toBeLessThan(trace.firstLoss);
  });
});
