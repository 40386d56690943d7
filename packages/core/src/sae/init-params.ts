import type { Rng } from '../random/rng.js';
import type { SaeConfig } from './sae-config.js';
import { saeParamShapes, type SaeParamName } from './sae-params.js';

/**
 * DeepLens's initialisation: encoder Kaiming-normal over fan-in d (gain √2 for ReLU, 1 for SiLU),
 * encoder bias U(±1/√d) (PyTorch Linear's default), decoder Xavier-uniform with each feature's
 * direction scaled to unit norm, b_dec zeros, LayerNorm weight 1 and bias 0; JumpReLU thresholds
 * at jumprelu_init_threshold. decoder_init 'encoder_transpose' (OpenAI): the same draws, then W_enc
 * is replaced by W_decᵀ (emitted a second time, after W_dec).
 */
export function initSaeParams(c: SaeConfig, rng: Rng): Map<SaeParamName, Float32Array> {
  const out = new Map<SaeParamName, Float32Array>();
  generateSaeParams(c, rng, (name, data) => out.set(name, data), false);
  return out;
}

/**
 * The same initialisation (same random draws), one parameter at a time in `saeParamShapes`
 * order. With `reuse`, the array handed to `emit` is overwritten by the next parameter of the
 * same size, so `emit` must copy it (e.g. upload it to a backend): then only one weight-sized
 * array exists in JavaScript at a time instead of all of them.
 */
export function generateSaeParams(c: SaeConfig, rng: Rng, emit: (name: SaeParamName, data: Float32Array) => void, reuse: boolean): void {
  const d = c.inputDims;
  const f = c.nFeatures;
  const buffers = new Map<number, Float32Array>();
  const array = (n: number): Float32Array => {
    if (!reuse) return new Float32Array(n);
    const b = buffers.get(n) ?? new Float32Array(n);
    buffers.set(n, b);
    return b.fill(0);
  };
  let encoderTranspose: Float32Array | undefined;
  for (const [name, shape] of saeParamShapes(c)) {
    const data = array(shape.reduce((a, b) => a * b, 1));
    if (name === 'W_enc') {
      const std = (c.activation === 'relu' ? Math.SQRT2 : 1) / Math.sqrt(d);
      for (let i = 0; i < data.length; i++) data[i] = rng.normal() * std;
    } else if (name === 'b_enc') {
      const bound = 1 / Math.sqrt(d);
      for (let i = 0; i < data.length; i++) data[i] = rng.uniform(-bound, bound);
    } else if (name === 'W_dec') {
      const xb = Math.sqrt(6 / (d + f));
      for (let i = 0; i < data.length; i++) data[i] = rng.uniform(-xb, xb);
      for (let r = 0; r < f; r++) {
        let ss = 0;
        for (let j = 0; j < d; j++) ss += data[r * d + j] ** 2;
        const norm = Math.sqrt(ss);
        if (norm > 0) for (let j = 0; j < d; j++) data[r * d + j] /= norm;
      }
    } else if (name === 'ln.weight') {
      data.fill(1);
    } else if (name === 'threshold') {
      data.fill(c.jumpreluInitThreshold);
    }
    if (name === 'W_dec' && c.decoderInit === 'encoder_transpose') encoderTranspose = Float32Array.from(data);
    emit(name, data);
  }
  if (encoderTranspose) emit('W_enc', transposed(encoderTranspose, f, d));
}

function transposed(x: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let j = 0; j < cols; j++) out[j * rows + r] = x[r * cols + j]!;
  return out;
}
