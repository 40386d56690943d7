import type { Rng } from '../random/rng.js';
import type { SaeConfig } from './sae-config.js';
import { saeParamShapes, type SaeParamName } from './sae-params.js';

/**
 * DeepLens's initialisation: encoder Kaiming-normal over fan-in d (gain √2 for ReLU, 1 for SiLU),
 * encoder bias U(±1/√d) (PyTorch Linear's default), decoder Xavier-uniform with each feature's
 * direction scaled to unit norm, b_dec zeros, LayerNorm weight 1 and bias 0.
 */
export function initSaeParams(c: SaeConfig, rng: Rng): Map<SaeParamName, Float32Array> {
  const d = c.inputDims;
  const f = c.nFeatures;
  const out = new Map<SaeParamName, Float32Array>();
  for (const [name, shape] of saeParamShapes(c)) {
    out.set(name, new Float32Array(shape.reduce((a, b) => a * b, 1)));
  }
  const wEnc = out.get('W_enc')!;
  const std = (c.activation === 'relu' ? Math.SQRT2 : 1) / Math.sqrt(d);
  for (let i = 0; i < wEnc.length; i++) wEnc[i] = rng.normal() * std;
  const bEnc = out.get('b_enc')!;
  const bound = 1 / Math.sqrt(d);
  for (let i = 0; i < bEnc.length; i++) bEnc[i] = rng.uniform(-bound, bound);
  const wDec = out.get('W_dec');
  if (wDec) {
    const xb = Math.sqrt(6 / (d + f));
    for (let i = 0; i < wDec.length; i++) wDec[i] = rng.uniform(-xb, xb);
    for (let r = 0; r < f; r++) {
      let ss = 0;
      for (let j = 0; j < d; j++) ss += wDec[r * d + j] ** 2;
      const norm = Math.sqrt(ss);
      if (norm > 0) for (let j = 0; j < d; j++) wDec[r * d + j] /= norm;
    }
  }
  out.get('ln.weight')?.fill(1);
  return out;
}
