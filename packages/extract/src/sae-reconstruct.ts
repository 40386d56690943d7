import { applyNorm, type NormStats, type SparseAutoencoder } from '@deeplens/core';
import type { Reconstruct } from './in-model-eval.js';

/**
 * Run an SAE's inference forward on raw activation rows [n, d]: normalise with the statistics it
 * was trained with (if any), forward on its backend, and read back either the latents [n, F] or the
 * reconstruction [n, d] in the activation's own units (the normalisation undone).
 */
export async function saeForwardRows(model: SparseAutoencoder, normStats: NormStats | undefined, rows: Float32Array, n: number, output: 'z' | 'xHat'): Promise<Float32Array> {
  const d = model.config.inputDims;
  const x = rows.slice(0, n * d);
  if (normStats) applyNorm(x, n, normStats);
  const b = model.backend;
  const input = b.fromArray(x, [n, d]);
  const out = model.forward(input);
  try {
    const result = Float32Array.from(await b.read(output === 'z' ? out.z : out.xHat));
    if (output === 'xHat' && normStats) {
      for (let r = 0; r < n; r++) for (let j = 0; j < d; j++) result[r * d + j] = result[r * d + j]! * normStats.std[j]! + normStats.mean[j]!;
    }
    return result;
  } finally {
    input.dispose();
    out.xHat.dispose();
    out.z.dispose();
    out.zPre.dispose();
  }
}

/** An SAE's reconstruction in the activation's own units, for splicing into a model. */
export function saeReconstruct(model: SparseAutoencoder, normStats?: NormStats): Reconstruct {
  return (rows, positions) => saeForwardRows(model, normStats, rows, positions, 'xHat');
}
