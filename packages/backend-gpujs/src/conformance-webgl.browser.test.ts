import { describeBackendConformance, fetchGoldenFixtures } from '@deeplens/core/testing';
import { afterAll, expect, it } from 'vitest';
import type { GpujsBackend } from './gpujs-backend.js';
import { gpujsBackendPlugin } from './gpujs-plugin.js';

declare const __DEEPLENS_GOLDEN_URL__: string;

// The shared suite in headless Chromium on gpu.js's WebGL (WebGL1, the GLSL ES 1.00 generator headless-gl uses) kernels (SwiftShader in CI), the golden
// fixtures fetched over HTTP; NaN cases follow what the mode declares.
describeBackendConformance(gpujsBackendPlugin, { createOptions: { mode: 'webgl' }, goldenFixtures: fetchGoldenFixtures(__DEEPLENS_GOLDEN_URL__) });

let backend: GpujsBackend | undefined;
afterAll(() => backend?.dispose());

it('runs every kernel as a WebGL (WebGL1, the GLSL ES 1.00 generator headless-gl uses) shader', async () => {
  const b = (await gpujsBackendPlugin.create({ mode: 'webgl' })) as GpujsBackend;
  backend = b;
  const x = b.fromArray([3, -1, 2, -5, 0, 4], [2, 3]);
  const sp = b.topKAbs(x, 2);
  expect(Array.from(await b.read(sp.indices))).toEqual([0, 2, 0, 2]);
  expect(b.kernelModes).toEqual(['webgl']);
  expect(b.detail).toMatch(/^webgl mode — webgl on /);
});
