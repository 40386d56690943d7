import { describeBackendConformance, fetchGoldenFixtures } from '@deeplens/core/testing';
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { tfjsBackendPlugin } from './tfjs-plugin.js';

declare const __DEEPLENS_GOLDEN_URL__: string;

// The shared suite on tfjs's WebGPU engine in headless Chromium (SwiftShader's Vulkan in CI: the
// same WGSL kernels a real GPU runs; asked for by name, since auto skips a software adapter).
describeBackendConformance(tfjsBackendPlugin, { createOptions: { engine: 'webgpu' }, goldenFixtures: fetchGoldenFixtures(__DEEPLENS_GOLDEN_URL__) });

it('ran on the webgpu engine, not a fallback', () => {
  expect(tf.getBackend()).toBe('webgpu');
});
