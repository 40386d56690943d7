import { describeBackendConformance } from '@deeplens/core/testing';
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { tfjsBackendPlugin } from './tfjs-plugin.js';

// The shared suite (ops, aliasing, error taxonomy, the 16 PyTorch golden models) on tfjs's wasm
// engine, as it is and through core's fallbacks. Nothing is declared unsupported.
describeBackendConformance(tfjsBackendPlugin, { createOptions: { engine: 'wasm' } });

it('ran on the wasm engine, not a fallback', () => {
  expect(tf.getBackend()).toBe('wasm');
});
