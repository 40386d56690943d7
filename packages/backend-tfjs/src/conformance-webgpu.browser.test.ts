import { describeBackendConformance, fetchGoldenFixtures } from '@deeplens/core/testing';
import { tfjsBackendPlugin } from './tfjs-plugin.js';

declare const __DEEPLENS_GOLDEN_URL__: string;

// The shared suite on tfjs's WebGPU engine in headless Chromium (SwiftShader's Vulkan in CI: the
// same WGSL kernels a real GPU runs; asked for by name, since auto skips a software adapter).
describeBackendConformance(tfjsBackendPlugin, { createOptions: { engine: 'webgpu' }, goldenFixtures: fetchGoldenFixtures(__DEEPLENS_GOLDEN_URL__) });
