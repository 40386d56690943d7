import { describeBackendConformance } from '@deeplens/core/testing';
import { afterAll, expect, it } from 'vitest';
import type { GpujsBackend } from './gpujs-backend.js';
import { gpujsBackendPlugin } from './gpujs-plugin.js';

// The shared suite (ops, aliasing, error taxonomy, the PyTorch golden models) on gpu.js's
// WebAssembly kernels, as they are and through core's fallbacks. Nothing is declared unsupported.
describeBackendConformance(gpujsBackendPlugin, { createOptions: { mode: 'webasm' } });

let backend: GpujsBackend | undefined;
afterAll(() => backend?.dispose());

it('runs every kernel as WebAssembly (gpu.js did not move any to its cpu mode)', async () => {
  const b = (await gpujsBackendPlugin.create({ mode: 'webasm' })) as GpujsBackend;
  backend = b;
  const x = b.fromArray([3, -1, 2, -5, 0, 4], [2, 3]);
  const sp = b.topKAbs(x, 2);
  const y = b.sparseTransposeMatmul(sp, b.matmul(x, x, { transposeB: true }));
  expect(Array.from(await b.read(sp.indices))).toEqual([0, 2, 0, 2]);
  expect(y.shape).toEqual([3, 2]);
  expect(b.kernelModes).toEqual(['webasm']);
});
