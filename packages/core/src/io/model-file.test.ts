import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CpuBackend } from '../cpu/cpu-backend.js';
import { ModelFileError } from '../errors.js';
import { SparseAutoencoder } from '../sae/sparse-autoencoder.js';
import { loadSae, readModelFile, saveSae } from './model-file.js';
import { encodeSafetensors } from './safetensors.js';

describe('model files', () => {
  let dir: string;
  const backend = new CpuBackend();
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'deeplens-model-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('saves SAELens-oriented float32 tensors with config metadata and config.json, and loads them back', async () => {
    const sae = SparseAutoencoder.create({ backend, config: { inputDims: 6, nFeatures: 24, k: 3, inputNorm: true }, seed: 3 });
    const path = join(dir, 'best_model.safetensors');
    await saveSae(sae, path, { configExtras: { note: 'hi' } });
    expect((await readdir(dir)).sort()).toEqual(['best_model.safetensors', 'config.json']);
    const cfg = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8'));
    expect(cfg).toMatchObject({ input_dims: 6, n_features: 24, k: 3, input_norm: true, beta_l1: null, note: 'hi' });
    const file = await readModelFile(path);
    expect([...file.params.keys()]).toEqual(['W_enc', 'b_enc', 'W_dec', 'b_dec', 'ln.weight', 'ln.bias']);
    const loaded = await loadSae({ backend, path });
    for (const [name, t] of sae.params) expect(await backend.read(loaded.param(name))).toEqual(await backend.read(t));
    expect(loaded.config).toEqual(sae.config);
  });

  it('reads the config from config.json when the file has no metadata', async () => {
    const path = join(dir, 'sae.safetensors');
    const d = 2, f = 4;
    const t = (shape: number[]) => ({ shape, data: new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(0.5) });
    await writeFile(path, encodeSafetensors(new Map([['W_enc', t([d, f])], ['b_enc', t([f])], ['b_dec', t([d])]])));
    await writeFile(join(dir, 'config.json'), JSON.stringify({ input_dims: d, n_features: f, beta_l1: 0.001, tie_weights: true }));
    const sae = await loadSae({ backend, path });
    expect(sae.config.tieWeights).toBe(true);
    expect(sae.paramNames).toEqual(['W_enc', 'b_enc', 'b_dec']);
  });

  it('names a missing or mis-shaped tensor', async () => {
    const path = join(dir, 'broken.safetensors');
    const config = JSON.stringify({ input_dims: 2, n_features: 4, k: 1 });
    const t = (shape: number[]) => ({ shape, data: new Float32Array(shape.reduce((a, b) => a * b, 1)) });
    await writeFile(path, encodeSafetensors(new Map([['W_enc', t([2, 4])], ['b_enc', t([4])], ['b_dec', t([2])]]), { config }));
    await expect(readModelFile(path)).rejects.toThrow(expect.objectContaining({ tensor: 'W_dec', code: 'DEEPLENS_MODEL_FILE' }));
    await writeFile(path, encodeSafetensors(new Map([['W_enc', t([4, 2])], ['b_enc', t([4])], ['W_dec', t([4, 2])], ['b_dec', t([2])]]), { config }));
    const error = await readModelFile(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelFileError);
    expect((error as ModelFileError).tensor).toBe('W_enc');
    expect(String(error)).toMatch(/shape \[4, 2\], expected \[2, 4\]/);
  });

  it('reports a missing file and a file without any config', async () => {
    await expect(readModelFile(join(dir, 'nope.safetensors'))).rejects.toThrow(/cannot be read/);
    const path = join(dir, 'bare.safetensors');
    await writeFile(path, encodeSafetensors(new Map([['W_enc', { shape: [1], data: new Float32Array(1) }]])));
    await expect(readModelFile(path)).rejects.toThrow(/no model config/);
  });
});
