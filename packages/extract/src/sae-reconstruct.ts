import { applyNorm, type NormStats, type SparseAutoencoder } from '@deeplens/core';
import type { Reconstruct } from './in-model-eval.js';

/**
 * An SAE's reconstruction in the activation's own units: normalise with the statistics the SAE was
 * trained with (if any), run the SAE's inference forward on its backend, undo the normalisation.
 */
export function saeReconstruct(model: SparseAutoencoder, normStats?: NormStats): Reconstruct {
  return async (rows, positions, width) => {
    const x = rows.slice(0, positions * width);
    if (normStats) applyNorm(x, positions, normStats);
    const b = model.backend;
    const input = b.fromArray(x, [positions, width]);
    const out = model.forward(input);
    try {
      const xHat = Float32Array.from(await b.read(out.xHat));
      if (normStats) {
        for (let r = 0; r < positions; r++) for (let j = 0; j < width; j++) xHat[r * width + j] = xHat[r * width + j]! * normStats.std[j]! + normStats.mean[j]!;
      }
      return xHat;
    } finally {
      input.dispose();
      out.xHat.dispose();
      out.z.dispose();
      out.zPre.dispose();
    }
  };
}
