import { CpuBackend, SparseAutoencoder, type LoadedModelFile } from '@deeplens/core';
import { describe, expect, it } from 'vitest';
import { toSaeLens } from './saelens-export.js';

/** SAELens's forward for standard/topk SAEs on raw x: act((x − b_dec)·W_enc + b_enc) → z·W_dec + b_dec. */
function saeLensForward(t: Map<string, { data: Float32Array }>, x: Float32Array, rows: number, d: number, f: number, k: number | null) {
  const [we, be, wd, bd] = ['W_enc', 'b_enc', 'W_dec', 'b_dec'].map((n) => t.get(n)!.data) as [Float32Array, Float32Array, Float32Array, Float32Array];
  const out = new Float64Array(rows * d);
  for (let r = 0; r < rows; r++) {
    const h = Array.from({ length: f }, (_, j) => {
      let s = be[j]!;
      for (let i = 0; i < d; i++) s += (x[r * d + i]! - bd[i]!) * we[i * f + j]!;
      return Math.max(0, s);
    });
    const keep = k === null ? h : (() => { const thr = [...h].sort((a, b) => b - a)[k - 1]!; return h.map((v) => (v >= thr ? v : 0)); })();
    for (let i = 0; i < d; i++) {
      let s = bd[i]!;
      for (let j = 0; j < f; j++) s += keep[j]! * wd[j * d + i]!;
      out[r * d + i] = s;
    }
  }
  return out;
}

describe('SAELens export', () => {
  for (const [k, tie] of [[3, false], [null, true]] as const) {
    it(`folds dataset normalisation into the weights (k=${k}, tied=${tie}): raw in, raw out`, async () => {
      const [d, f, rows] = [6, 12, 5];
      const backend = new CpuBackend();
      const sae = SparseAutoencoder.create({ backend, config: { inputDims: d, nFeatures: f, k, betaL1: k ? null : 0.01, tieWeights: tie }, seed: 4 });
      const mean = Float32Array.from({ length: d }, (_, i) => 0.3 * i - 1);
      const std = Float32Array.from({ length: d }, (_, i) => 0.5 + 0.25 * i);
      const raw = Float32Array.from({ length: rows * d }, (_, i) => Math.sin(i * 1.7) * 2 + 0.5);
      const normed = raw.map((v, i) => (v - mean[i % d]!) / std[i % d]!);
      const file: LoadedModelFile = { config: sae.config, params: new Map([...(await sae.toArrays())].map(([n, a]) => [n, a.data])), metadata: {}, normStats: undefined, recordsNorm: false, run: undefined };
      const { tensors, cfg } = toSaeLens({ modelPath: 'm', file, normStats: { mean, std, rows: 100 }, runConfig: undefined });
      expect(cfg).toMatchObject({ architecture: k ? 'topk' : 'standard', d_in: d, d_sae: f, apply_b_dec_to_input: true });
      const ours = (await backend.read(sae.forward(backend.fromArray(normed, [rows, d])).xHat)) as Float32Array;
      const theirs = saeLensForward(tensors, raw, rows, d, f, k);
      ours.forEach((v, i) => expect(theirs[i]!).toBeCloseTo(v * std[i % d]! + mean[i % d]!, 4));
    });
  }

  it('names the option SAELens cannot represent', () => {
    const base = { modelPath: 'm', normStats: undefined, runConfig: undefined };
    const cfg = { inputDims: 2, nFeatures: 4, k: 1, betaL1: null, tieWeights: false, unitNormDecoder: true };
    expect(() => toSaeLens({ ...base, file: { config: { ...cfg, activation: 'relu', inputNorm: true }, params: new Map(), metadata: {}, normStats: undefined, recordsNorm: false, run: undefined } })).toThrow(/input_norm/);
    expect(() => toSaeLens({ ...base, file: { config: { ...cfg, activation: 'silu', inputNorm: false }, params: new Map(), metadata: {}, normStats: undefined, recordsNorm: false, run: undefined } })).toThrow(/activation/);
  });
});
