import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import type { TfjsBackend } from './tfjs-backend.js';
import { tfjsBackendPlugin } from './tfjs-plugin.js';
import { traceTrainingMemory } from '@deeplens/core/testing';

describe('tfjs in a browser: the WebGL engine', () => {
  let backend: TfjsBackend;
  afterAll(async () => {
    await backend?.dispose();
  });

  it('auto takes WebGL here (no WebGPU adapter is asked for by auto on a software renderer), declaring float32 textures', async () => {
    backend = (await tfjsBackendPlugin.create({ engine: 'auto' })) as TfjsBackend;
    expect(backend.engine).toBe('webgl');
    expect(tf.getBackend()).toBe('webgl');
    expect(backend.detail).toMatch(/^webgl engine — WebGL 2 \(float32 textures\) on .*SwiftShader.* \(software\)/);
    expect(backend.detail).toMatch(/webgpu: the WebGPU adapter is a software renderer \(.*\), slower than the wasm engine/);
    expect(backend.capabilities).toMatchObject({ floatBits: 32, ieeeNonFinite: true, syncRead: true, inPlace: 'rebind' });
    // A software renderer is no GPU: device 'auto' would rank tfjs below DeepLens's wasm backend.
    expect(await tfjsBackendPlugin.isAvailable()).toMatchObject({ available: true, autoPriority: 5 });
  });

  it.each([
    ['TopK relu', { inputDims: 16, nFeatures: 64, activation: 'relu', k: 4 }],
    ['L1 silu + input norm', { inputDims: 16, nFeatures: 64, activation: 'silu', betaL1: 1e-3, inputNorm: true }],
  ] as const)('%s: 100 training steps keep tf.memory() flat and the loss falls', async (_name, config) => {
    const before = tf.memory().numTensors;
    const trace = await traceTrainingMemory(backend, config, 100);
    expect(new Set(trace.tensors.slice(1)).size, `tensor counts ${trace.tensors.slice(0, 5).join(', ')} … ${trace.tensors.at(-1)}`).toBe(1);
    expect(new Set(trace.bytes.slice(1)).size, 'byte counts').toBe(1);
    expect(tf.memory().numTensors).toBe(before);
    expect(trace.lastLoss).toBeLessThan(trace.firstLoss);
  });
});
