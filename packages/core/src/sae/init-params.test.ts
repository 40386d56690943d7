import { describe, expect, it } from 'vitest';
import { Rng } from '../random/rng.js';
import { initSaeParams } from './init-params.js';
import { resolveSaeConfig } from './sae-config.js';

const stats = (a: Float32Array) => {
  const mean = a.reduce((s, v) => s + v, 0) / a.length;
  const std = Math.sqrt(a.reduce((s, v) => s + (v - mean) ** 2, 0) / a.length);
  return { mean, std };
};

describe('initSaeParams', () => {
  const d = 64;
  const f = 512;

  it('uses Kaiming-normal encoder (ReLU gain), U(±1/√d) bias, unit-norm Xavier decoder, zero b_dec', () => {
    const p = initSaeParams(resolveSaeConfig({ inputDims: d, nFeatures: f, k: 8, inputNorm: true }), new Rng(1));
    const enc = stats(p.get('W_enc')!);
    expect(enc.mean).toBeCloseTo(0, 2);
    expect(enc.std).toBeCloseTo(Math.SQRT2 / Math.sqrt(d), 2);
    const bound = 1 / Math.sqrt(d);
    expect(p.get('b_enc')!.every((v) => Math.abs(v) <= bound)).toBe(true);
    const wDec = p.get('W_dec')!;
    for (let r = 0; r < f; r++) {
      const norm = Math.hypot(...wDec.subarray(r * d, (r + 1) * d));
      expect(norm).toBeCloseTo(1, 5);
    }
    expect(p.get('b_dec')!.every((v) => v === 0)).toBe(true);
    expect(p.get('ln.weight')!.every((v) => v === 1)).toBe(true);
    expect(p.get('ln.bias')!.every((v) => v === 0)).toBe(true);
  });

  it('uses gain 1 for SiLU, has no W_dec when tied, and is reproducible from the seed', () => {
    const c = resolveSaeConfig({ inputDims: d, nFeatures: f, k: 8, activation: 'silu', tieWeights: true });
    const a = initSaeParams(c, new Rng(5));
    expect(stats(a.get('W_enc')!).std).toBeCloseTo(1 / Math.sqrt(d), 2);
    expect(a.has('W_dec')).toBe(false);
    expect(a.get('W_enc')).toEqual(initSaeParams(c, new Rng(5)).get('W_enc'));
    expect(a.get('W_enc')).not.toEqual(initSaeParams(c, new Rng(6)).get('W_enc'));
  });
});
