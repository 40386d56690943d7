import { describeBackendConformance } from '@deeplens/core/testing';
import { afterAll, expect, it } from 'vitest';
import type { GpujsBackend } from './gpujs-backend.js';
import { gpujsBackendPlugin } from './gpujs-plugin.js';

// The shared suite on gpu.js's JavaScript kernels (its `cpu` mode).
describeBackendConformance(gpujsBackendPlugin, { createOptions: { mode: 'cpu' } });

let backend: GpujsBackend | undefined;
afterAll(() => backend?.dispose());

it('runs every kernel as gpu.js JavaScript (cpu mode), keeping host arrays', async () => {
  const b = (await gpujsBackendPlugin.create({ mode: 'cpu' })) as GpujsBackend;
  backend = b;
  const x = b.fromArray([3, -1, 2, -5, 0, 4], [2, 3]);
  const sp = b.topKAbs(x, 2);
  expect(Array.from(await b.read(sp.values))).toEqual([3, 2, -5, 4]);
  expect(b.traits).toMatchObject({ mode: 'cpu', textures: false, ieeeNonFinite: true });
  expect(b.kernelModes).toEqual(['cpu']);
});
