import type { NormStats, SparseAutoencoder } from '@deeplens/core';
import { saeForwardRows } from '@deeplens/extract';
import type { Encoder } from './feature-scan.js';

/** An SAE's latents for raw activation rows: normalised as in training, then the inference forward. */
export function saeEncoder(model: SparseAutoencoder, normStats?: NormStats): Encoder {
  return (acts, rows) => saeForwardRows(model, normStats, acts, rows, 'z');
}

/** Each feature's decoder direction in the activation's own units (undoing the per-dimension scaling). */
export async function decoderDirections(model: SparseAutoencoder, normStats?: NormStats): Promise<Float32Array[]> {
  const arrays = await model.toArrays();
  const d = model.config.inputDims;
  const F = model.config.nFeatures;
  const dec = arrays.get('W_dec');
  const enc = arrays.get('W_enc')!;
  return Array.from({ length: F }, (_, f) => {
    // W_dec [F, d]; tied weights decode with W_encᵀ (W_enc [d, F]).
    const dir = dec ? dec.data.slice(f * d, (f + 1) * d) : Float32Array.from({ length: d }, (_, j) => enc.data[j * F + f]!);
    if (normStats) for (let j = 0; j < d; j++) dir[j] = dir[j]! * normStats.std[j]!;
    return dir;
  });
}
