import { afterAll, describe, expect, it } from 'vitest';
import type { GpujsBackend } from './gpujs-backend.js';
import { gpujsBackendPlugin } from './gpujs-plugin.js';
import { MEMORY_CONFIGS, traceTrainingMemory } from '@deeplens/core/testing';

// 100 training steps per host mode and model kind: the backend's tensor and byte counts stay flat
// (every step frees what it made; in-place ops release the storage they replace) and the loss falls.
describe.each(['webasm', 'cpu'] as const)('gpujs %s mode: 100 training steps', (mode) => {
  const created: GpujsBackend[] = [];
  afterAll(() => {
    for (const b of created) b.dispose();
  });

  it.each(MEMORY_CONFIGS)('%s: memory() stays flat and the loss falls', async (_name, config) => {
    const backend = (await gpujsBackendPlugin.create({ mode })) as GpujsBackend;
    created.push(backend);
    const trace = await traceTrainingMemory(backend, config, 100);
    expect(new Set(trace.tensors.slice(1)).size, `tensor counts ${trace.tensors.slice(0, 5).join(', ')} … ${trace.tensors.at(-1)}`).toBe(1);
    expect(new Set(trace.bytes.slice(1)).size, `byte counts ${trace.bytes.slice(0, 5).join(', ')} … ${trace.bytes.at(-1)}`).toBe(1);
    expect(trace.lastLoss).toBeLessThan(trace.firstLoss);
    expect(backend.kernelModes).toEqual([mode]);
  });
});
