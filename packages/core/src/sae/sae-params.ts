import type { Shape } from '../backend/tensor.js';
import { isBatchTopKStyle, saeArchitecture } from './architecture.js';
import type { SaeConfig } from './sae-config.js';

/** Parameter names, in SAELens orientation: W_enc [d, F], W_dec [F, d]. */
export type SaeParamName = 'W_enc' | 'b_enc' | 'W_dec' | 'b_dec' | 'ln.weight' | 'ln.bias' | 'threshold' | 'threshold_updates';

/** The parameters a model of this config has, in a fixed order, with their shapes. */
export function saeParamShapes(c: SaeConfig): Map<SaeParamName, Shape> {
  const d = c.inputDims;
  const f = c.nFeatures;
  const shapes = new Map<SaeParamName, Shape>([
    ['W_enc', [d, f]],
    ['b_enc', [f]],
  ]);
  if (!c.tieWeights) shapes.set('W_dec', [f, d]);
  shapes.set('b_dec', [d]);
  if (c.inputNorm) {
    shapes.set('ln.weight', [d]);
    shapes.set('ln.bias', [d]);
  }
  // JumpReLU's per-latent thresholds are learned like any weight.
  if (saeArchitecture(c) === 'jumprelu') shapes.set('threshold', [f]);
  return shapes;
}

/**
 * State that is saved with the model but not trained by the optimiser: BatchTopK's and
 * Matryoshka's global inference threshold θ ([1], −1 until the first training step estimates it)
 * and the number of batches it has seen (batch-threshold.ts).
 */
export function saeBufferShapes(c: SaeConfig): Map<SaeParamName, Shape> {
  return isBatchTopKStyle(saeArchitecture(c)) ? new Map<SaeParamName, Shape>([['threshold', [1]], ['threshold_updates', [1]]]) : new Map();
}

/** The values the buffers start with. */
export const UNSET_THRESHOLD = -1;
export const BUFFER_INITIAL_VALUES: Readonly<Partial<Record<SaeParamName, number>>> = { threshold: UNSET_THRESHOLD, threshold_updates: 0 };

/** Biases and LayerNorm parameters: the ones weight decay usually skips. */
export function isBiasOrNorm(name: string): boolean {
  return name.startsWith('b_') || name.startsWith('ln.');
}
