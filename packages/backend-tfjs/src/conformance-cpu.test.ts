import { describeBackendConformance } from '@deeplens/core/testing';
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { tfjsBackendPlugin } from './tfjs-plugin.js';

// The shared suite on tfjs's cpu engine: plain JavaScript kernels, a second implementation of
// every tfjs op the backend uses (it catches engine-specific bugs such as wasm's batched gather).
describeBackendConformance(tfjsBackendPlugin, { createOptions: { engine: 'cpu' } });

it('ran on the cpu engine, not a fallback', () => {
  expect(tf.getBackend()).toBe('cpu');
});
