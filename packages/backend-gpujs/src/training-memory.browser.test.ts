import { afterAll, describe, expect, it } from 'vitest';
import type { GpujsBackend } from './gpujs-backend.js';
import { gpujsBackendPlugin } from './gpujs-plugin.js';
import { MEMORY_CONFIGS, traceTrainingMemory } from '@deeplens/core/testing';

// The same in Chromium on WebGL2, where a leak is a texture never deleted: counts stay flat over 40 steps.
describe('gpujs webgl2 mode: 40 training steps', () => {
  const created: GpujsBackend[] = [];
  afterAll(() => {
    for (const b of created) b.dispose();
  });

  it.each(MEMORY_CONFIGS)('%s: memory() stays flat and the loss falls', async (_name, config) => {
    const backend = (await gpujsBackendPlugin.create({ mode: 'webgl2' })) as GpujsBackend;
    created.push(backend);
    const trace = await traceTrainingMemory(backend, config, 40);
    expect(new Set(trace.tensors.slice(1)).size, `tensor counts ${trace.tensors.slice(0, 5).join(', ')}`).toBe(1);
    expect(new Set(trace.bytes.slice(1)).size, `byte counts ${trace.bytes.slice(0, 5).join(', ')}`).toBe(1);
    expect(trace.lastLoss).toBeLessThan(trace.firstLoss);
    expect(backend.kernelModes).toEqual(['webgl2']);
  });
});
