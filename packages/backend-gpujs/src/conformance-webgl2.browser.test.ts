import { describeBackendConformance, fetchGoldenFixtures } from '@deeplens/core/testing';
import { afterAll, expect, it } from 'vitest';
import type { GpujsBackend } from './gpujs-backend.js';
import { gpujsBackendPlugin } from './gpujs-plugin.js';

declare const __DEEPLENS_GOLDEN_URL__: string;

// The shared suite in headless Chromium on gpu.js's WebGL2 kernels (SwiftShader in CI), the golden
// fixtures fetched over HTTP; NaN cases follow what the mode declares.
describeBackendConformance(gpujsBackendPlugin, { createOptions: { mode: 'webgl2' }, goldenFixtures: fetchGoldenFixtures(__DEEPLENS_GOLDEN_URL__) });

let backend: GpujsBackend | undefined;
afterAll(() => backend?.dispose());

it('runs every kernel as a WebGL2 shader', async () => {
  const b = (await gpujsBackendPlugin.create({ mode: 'webgl2' })) as GpujsBackend;
  backend = b;
  const x = b.fromArray([3, -1, 2, -5, 0, 4], [2, 3]);
  const sp = b.topKAbs(x, 2);
  expect(Array.from(await b.read(sp.indices))).toEqual([0, 2, 0, 2]);
  expect(b.kernelModes).toEqual(['webgl2']);
  expect(b.detail).toMatch(/^webgl2 mode — webgl2 on /);
});
