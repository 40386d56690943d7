import { describeBackendConformance, fetchGoldenFixtures } from '@deeplens/core/testing';
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { tfjsBackendPlugin } from './tfjs-plugin.js';

declare const __DEEPLENS_GOLDEN_URL__: string;

// The shared suite in headless Chromium on tfjs's WebGL engine (WebGL2 on SwiftShader in CI), the
// golden fixtures fetched over HTTP; tolerances and NaN cases follow what the engine declares.
describeBackendConformance(tfjsBackendPlugin, { createOptions: { engine: 'webgl' }, goldenFixtures: fetchGoldenFixtures(__DEEPLENS_GOLDEN_URL__) });

it('ran on the webgl engine, not a fallback', () => {
  expect(tf.getBackend()).toBe('webgl');
});
