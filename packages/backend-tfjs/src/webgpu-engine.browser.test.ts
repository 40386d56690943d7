import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import type { TfjsBackend } from './tfjs-backend.js';
import { tfjsBackendPlugin } from './tfjs-plugin.js';
import { traceTrainingMemory } from '@deeplens/core/testing';

it('WebGPU: a tensor beyond the device\'s largest buffer binding is a typed out-of-memory error, before anything is allocated (WebGPU would drop the work silently)', async () => {
  const b = (await tfjsBackendPlugin.create({ engine: 'webgpu' })) as TfjsBackend;
  try {
    expect(b.engine).toBe('webgpu');
    expect(b.capabilities.syncRead).toBe(false);
    expect(b.readSync).toBeUndefined();
    const max = b.maxBufferBytes!;
    expect(max).toBeGreaterThanOrEqual(128 * 2 ** 20);
    const before = tf.memory().numBytes;
    let error: unknown;
    try {
      b.zeros([max / 4 + 1]);
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: 'DEEPLENS_OUT_OF_MEMORY', kind: 'user' });
    expect((error as Error).message).toMatch(/exceeds this WebGPU device's largest buffer binding[\s\S]*hint: use a smaller batch_size or micro_batch_size/);
    expect(tf.memory().numBytes).toBe(before);
    const ok = b.fromArray([1, 2, 3], [3]);
    expect(Array.from(await b.read(ok))).toEqual([1, 2, 3]);
    ok.dispose();
  } finally {
    await b.dispose();
  }
});

it('WebGPU: 100 training steps (TopK) keep tf.memory() flat and the loss falls', async () => {
  const b = (await tfjsBackendPlugin.create({ engine: 'webgpu' })) as TfjsBackend;
  try {
    const before = tf.memory().numTensors;
    const trace = await traceTrainingMemory(b, { inputDims: 16, nFeatures: 64, activation: 'relu', k: 4 }, 100);
    expect(new Set(trace.tensors.slice(1)).size, `tensor counts ${trace.tensors.slice(0, 5).join(', ')} … ${trace.tensors.at(-1)}`).toBe(1);
    expect(new Set(trace.bytes.slice(1)).size, 'byte counts').toBe(1);
    expect(tf.memory().numTensors).toBe(before);
    expect(trace.lastLoss).toBeLessThan(trace.firstLoss);
  } finally {
    await b.dispose();
  }
});
