import { CpuBackend, resolveSaeConfig, SparseAutoencoder, type LoadedModelFile } from '@deeplens/core';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { encodeSafetensors, parseSafetensors, readSafetensorsFloat32, type SafetensorsInput } from '@deeplens/core';
import { openNpy } from '@deeplens/core/node';
import { describe, expect, it } from 'vitest';
import { toSaeLens } from './saelens-export.js';
import { FIXTURE_DIMS, SAELENS_FIXTURE_CASES, saeLensFixtureModel } from './saelens-fixture-models.test-helper.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/saelens-export/', import.meta.url));

async function readNpy(path: string): Promise<Float32Array> {
  const src = await openNpy(path);
  try {
    const out = new Float32Array(src.rows * src.cols);
    await src.readRows(0, src.rows, out);
    return out;
  } finally {
    await src.close();
  }
}

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

describe('SAELens export, checked by SAELens\'s forward in PyTorch (tools/golden/saelens_forward.py)', () => {
  for (const name of Object.keys(SAELENS_FIXTURE_CASES)) {
    it(`${name}: the export is byte-identical to the files PyTorch read, and PyTorch's reconstruction of raw rows is ours`, async () => {
      const { backend, sae, normStats, raw } = saeLensFixtureModel(name);
      const { d, rows } = FIXTURE_DIMS;
      const params = new Map([...(await sae.toArrays())].map(([n, a]) => [n, a.data]));
      const { tensors, cfg } = toSaeLens({ modelPath: name, file: { config: sae.config, params, metadata: {}, normStats, recordsNorm: true, run: undefined }, normStats, runConfig: undefined });
      const dir = `${FIXTURES}${name}/`;
      const committed = readFileSync(`${dir}sae_weights.safetensors`);
      expect(Buffer.concat(encodeSafetensors(tensors as Map<string, SafetensorsInput>)).equals(committed)).toBe(true);
      expect(cfg).toEqual(JSON.parse(readFileSync(`${dir}cfg.json`, 'utf8')));
      expect(cfg['architecture']).toBe(name === 'topk' ? 'topk' : 'jumprelu');
      if (name === 'batchtopk' || name === 'matryoshka') {
        const header = parseSafetensors(committed, 'fixture');
        expect(new Set(readSafetensorsFloat32(committed, header, 'threshold', 'fixture'))).toEqual(new Set([Math.fround(0.35)]));
      }
      expect(Array.from(await readNpy(`${dir}x.npy`))).toEqual(Array.from(raw));
      // Ours: normalise, the model's inference forward (what deeplens eval runs), un-normalise.
      const normed = raw.map((v, i) => (v - normStats.mean[i % d]!) / normStats.std[i % d]!);
      const x = backend.fromArray(normed, [rows, d]);
      const out = sae.forward(x);
      const ours = (await backend.read(out.xHat)) as Float32Array;
      const expected = await readNpy(`${dir}expected_x_hat.npy`);
      ours.forEach((v, i) => expect(Math.abs(v * normStats.std[i % d]! + normStats.mean[i % d]! - expected[i]!)).toBeLessThan(1e-5 * (1 + Math.abs(expected[i]!))));
      // The fixture exercises the selection: some positive pre-activations kept, some cut.
      const z = Array.from(await backend.read(out.z));
      const pre = Array.from(await backend.read(out.zPre));
      expect(z.some((v) => v > 0)).toBe(true);
      expect(pre.some((v, i) => v > 0 && z[i] === 0)).toBe(true);
      for (const t of [x, out.xHat, out.z, out.zPre]) t.dispose();
      sae.dispose();
    });
  }

  it('an untrained BatchTopK model (threshold not yet estimated) is refused with the reason', async () => {
    const { sae, normStats } = saeLensFixtureModel('batchtopk');
    sae.setArrays(new Map([['threshold', Float32Array.of(-1)]]));
    const params = new Map([...(await sae.toArrays())].map(([n, a]) => [n, a.data]));
    expect(() => toSaeLens({ modelPath: 'm', file: { config: sae.config, params, metadata: {}, normStats, recordsNorm: true, run: undefined }, normStats, runConfig: undefined }))
      .toThrow(/inference threshold has not been estimated yet/);
  });
});

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
    const cfg = { ...resolveSaeConfig({ inputDims: 2, nFeatures: 4, k: 1 }) };
    expect(() => toSaeLens({ ...base, file: { config: { ...cfg, activation: 'relu', inputNorm: true }, params: new Map(), metadata: {}, normStats: undefined, recordsNorm: false, run: undefined } })).toThrow(/input_norm/);
    expect(() => toSaeLens({ ...base, file: { config: { ...cfg, activation: 'silu', inputNorm: false }, params: new Map(), metadata: {}, normStats: undefined, recordsNorm: false, run: undefined } })).toThrow(/activation/);
  });
});
