import { describe, expect, it } from 'vitest';
import { CpuBackend } from '../cpu/cpu-backend.js';
import { Rng } from '../random/rng.js';
import { usesVariantGraph } from './architecture.js';
import { auxKK } from './aux-k.js';
import { initSaeParams } from './init-params.js';
import { resolveSaeConfig, saeConfigFromSnakeCase, saeConfigIssues, saeConfigToSnakeCase, withSaeConfigDefaults, type SaeConfigInput } from './sae-config.js';
import { SparseAutoencoder } from './sparse-autoencoder.js';

const issueKeys = (input: SaeConfigInput) => saeConfigIssues(withSaeConfigDefaults(input)).map((i) => `${i.key}: ${i.message}`);

describe('architecture config rules', () => {
  const base = { inputDims: 8, nFeatures: 32 };
  it('accepts each architecture with what it needs', () => {
    for (const input of [
      { ...base, architecture: 'topk', k: 4 },
      { ...base, architecture: 'l1', betaL1: 0.01 },
      { ...base, architecture: 'batchtopk', k: 4, auxKCoef: 1 / 32 },
      { ...base, architecture: 'jumprelu', l0Coefficient: 0.01, targetL0: 5 },
      { ...base, architecture: 'matryoshka', k: 4, matryoshkaPrefixes: [4, 16, 32] },
    ] as SaeConfigInput[]) expect(issueKeys(input), JSON.stringify(input)).toEqual([]);
  });

  it('names the key, and what to do, for every misuse', () => {
    expect(issueKeys({ ...base, architecture: 'gated' as never, k: 4 })[0]).toMatch(/^architecture: must be one of topk, l1, batchtopk, jumprelu, matryoshka/);
    expect(issueKeys({ ...base, architecture: 'batchtopk' })).toEqual([expect.stringMatching(/^k: is required by architecture 'batchtopk'/)]);
    expect(issueKeys({ ...base, architecture: 'jumprelu', k: 4, l0Coefficient: 0.1 })).toEqual([expect.stringMatching(/^k: is not used by architecture 'jumprelu'/)]);
    expect(issueKeys({ ...base, architecture: 'jumprelu' })).toEqual([expect.stringMatching(/^l0_coefficient: is required/)]);
    expect(issueKeys({ ...base, k: 4, l0Coefficient: 0.1 })).toEqual([expect.stringMatching(/^l0_coefficient: is only used by architecture 'jumprelu', not 'topk'/)]);
    expect(issueKeys({ ...base, architecture: 'matryoshka', k: 4 })).toEqual([expect.stringMatching(/^matryoshka_prefixes: is required/)]);
    expect(issueKeys({ ...base, architecture: 'matryoshka', k: 4, matryoshkaPrefixes: [4, 16] })).toEqual([expect.stringMatching(/^matryoshka_prefixes: must end at n_features \(32\)/)]);
    expect(issueKeys({ ...base, architecture: 'matryoshka', k: 4, matryoshkaPrefixes: [16, 4, 32] })).toEqual([expect.stringMatching(/increasing positive integers/)]);
    expect(issueKeys({ ...base, betaL1: 0.1, auxKCoef: 0.1 })).toEqual([expect.stringMatching(/^aux_k_coef: AuxK revives dead latents of TopK-style SAEs/)]);
    expect(issueKeys({ ...base, k: 4, auxK: 40 })).toEqual([expect.stringMatching(/^aux_k: must be null or an integer between 1 and n_features/)]);
    expect(issueKeys({ ...base, architecture: 'batchtopk', k: 4, activation: 'silu' })).toEqual([expect.stringMatching(/^activation: architecture 'batchtopk' is defined with ReLU/)]);
    expect(issueKeys({ ...base, architecture: 'batchtopk', k: 4, tieWeights: true })).toEqual([expect.stringMatching(/^tie_weights: tied weights are supported by DeepLens's TopK and L1 without AuxK only/)]);
    expect(issueKeys({ ...base, k: 4, bDecInit: 'median' as never })).toEqual([expect.stringMatching(/^b_dec_init: must be one of zeros, mean, geometric_median/)]);
    expect(issueKeys({ ...base, k: 4, decoderInit: 'encoder_transpose', tieWeights: true })).toEqual([expect.stringMatching(/^decoder_init: encoder_transpose has no meaning with tie_weights/)]);
    expect(issueKeys({ ...base, architecture: 'jumprelu', l0Coefficient: 0.1, jumpreluBandwidth: 0 })).toEqual([expect.stringMatching(/^jumprelu_bandwidth: must be a positive number/)]);
  });

  it('keeps DeepLens configs on DeepLens\'s graph and config.json; the new options appear only when used', () => {
    const deepLens = resolveSaeConfig({ ...base, k: 4 });
    expect(usesVariantGraph(deepLens)).toBe(false);
    expect(usesVariantGraph(resolveSaeConfig({ ...base, architecture: 'topk', k: 4 }))).toBe(false);
    expect(usesVariantGraph(resolveSaeConfig({ ...base, k: 4, auxKCoef: 0.1 }))).toBe(true);
    expect(usesVariantGraph(resolveSaeConfig({ ...base, architecture: 'batchtopk', k: 4 }))).toBe(true);
    expect(Object.keys(saeConfigToSnakeCase(deepLens))).toEqual(['input_dims', 'n_features', 'activation', 'input_norm', 'k', 'beta_l1', 'tie_weights', 'unit_norm_decoder']);
    const m = resolveSaeConfig({ ...base, architecture: 'matryoshka', k: 4, matryoshkaPrefixes: [8, 32], auxKCoef: 0.03, bDecInit: 'geometric_median' });
    const snake = saeConfigToSnakeCase(m);
    expect(snake).toMatchObject({ architecture: 'matryoshka', matryoshka_prefixes: [8, 32], aux_k_coef: 0.03, b_dec_init: 'geometric_median' });
    expect(snake).not.toHaveProperty('l0_coefficient');
    expect(saeConfigFromSnakeCase(snake)).toEqual(m);
  });
});

describe('architectures on the cpu backend', () => {
  const rows = 16;
  const data = (d: number, seed = 5) => {
    const rng = new Rng(seed);
    return Float32Array.from({ length: rows * d }, () => rng.normal());
  };

  it('batchtopk: keeps k·B latents over the batch, so rows differ in L0; inference uses the threshold once estimated', async () => {
    const backend = new CpuBackend();
    const sae = SparseAutoencoder.create({ backend, config: { inputDims: 8, nFeatures: 32, architecture: 'batchtopk', k: 3 }, seed: 1 });
    const x = backend.fromArray(data(8), [rows, 8]);
    expect(Array.from(await backend.read(sae.buffers.get('threshold')!))).toEqual([-1]);
    const before = sae.forward(x);
    const z = (await backend.read(before.z)) as Float32Array;
    const perRow = Array.from({ length: rows }, (_, r) => z.subarray(r * 32, (r + 1) * 32).filter((v) => v !== 0).length);
    expect(perRow.reduce((a, b) => a + b, 0)).toBe(3 * rows);
    expect(new Set(perRow).size).toBeGreaterThan(1);
    for (const t of Object.values(before)) t.dispose();
    const { losses, grads } = await sae.lossAndGradsOnDevice(x);
    const minKept = (await backend.read(losses.sums.minKept!))[0]!;
    const kept = [...z].filter((v) => v > 0);
    // Found as 1 / max(1/v) with only top-k at hand: within a float32 rounding of the true minimum.
    expect(Math.abs(minKept - Math.min(...kept)) / minKept).toBeLessThan(2e-7);
    sae.postStep(losses);
    expect((await backend.read(sae.buffers.get('threshold')!))[0]).toBe(minKept);
    // Inference now keeps exactly the activations above θ, whatever the batch.
    const after = sae.forward(x);
    const zPre = (await backend.read(after.zPre)) as Float32Array;
    const z2 = (await backend.read(after.z)) as Float32Array;
    for (let i = 0; i < z2.length; i++) expect(z2[i] === (zPre[i]! > minKept ? zPre[i] : 0)).toBe(true);
    for (const t of [...Object.values(after), ...grads.values(), x]) t.dispose();
    losses.dispose();
    sae.dispose();
    expect(backend.memory().tensors).toBe(0);
  });

  it('batchtopk: a batch with no positive activation keeps θ as it was (the smallest kept is reported as −1)', async () => {
    const backend = new CpuBackend();
    const sae = SparseAutoencoder.create({ backend, config: { inputDims: 4, nFeatures: 8, architecture: 'batchtopk', k: 2 }, seed: 1 });
    // b_enc far below zero: every pre-activation is negative, relu keeps nothing.
    sae.setArrays(new Map([['b_enc', new Float32Array(8).fill(-100)], ['threshold', Float32Array.of(0.25)], ['threshold_updates', Float32Array.of(7)]]));
    const x = backend.fromArray(data(4), [rows, 4]);
    const { losses, grads } = await sae.lossAndGradsOnDevice(x);
    expect(Array.from(await backend.read(losses.sums.minKept!))).toEqual([-1]);
    sae.postStep(losses);
    expect(Array.from(await backend.read(sae.buffers.get('threshold')!))).toEqual([0.25]);
    expect(Array.from(await backend.read(sae.buffers.get('threshold_updates')!))).toEqual([7]);
    for (const t of [...grads.values(), x]) t.dispose();
    losses.dispose();
    sae.dispose();
  });

  for (const targetL0 of [null, 6]) {
    it(`jumprelu${targetL0 ? ' with target_l0' : ''}: penaltyScale s (the L1/L0 warm-up) gives the loss and gradients of l0_coefficient · s`, async () => {
      const backend = new CpuBackend();
      const base = { inputDims: 8, nFeatures: 32, architecture: 'jumprelu', jumpreluBandwidth: 0.5, jumpreluInitThreshold: 0.3, targetL0 } as const;
      const scaled = SparseAutoencoder.create({ backend, config: { ...base, l0Coefficient: 0.2 }, seed: 6 });
      const direct = SparseAutoencoder.create({ backend, config: { ...base, l0Coefficient: 0.05 }, seed: 6 });
      const x = backend.fromArray(data(8, 4), [rows, 8]);
      const a = await scaled.lossAndGrads(x, { penaltyScale: 0.25 });
      const b = await direct.lossAndGrads(x);
      expect(a.losses.total).toBeCloseTo(b.losses.total, 6);
      expect(a.losses.total).not.toBeCloseTo(a.losses.mse, 3);
      for (const [name, g] of b.grads) {
        const mine = Array.from(await backend.read(a.grads.get(name)!));
        Array.from(await backend.read(g)).forEach((v, i) => expect(mine[i], `${name}[${i}]`).toBeCloseTo(v, 6));
      }
      expect(Array.from(await backend.read(b.grads.get('threshold')!)).some((v) => Math.abs(v) > 1e-4)).toBe(true);
      for (const t of [...a.grads.values(), ...b.grads.values(), x]) t.dispose();
      scaled.dispose();
      direct.dispose();
    });
  }

  it('AuxK decodes input_dims / 2 dead latents per row by default, at least 1 and at most n_features', () => {
    expect(auxKK(resolveSaeConfig({ inputDims: 768, nFeatures: 6144, k: 32 }))).toBe(384);
    expect(auxKK(resolveSaeConfig({ inputDims: 9, nFeatures: 6144, k: 32 }))).toBe(4);
    expect(auxKK(resolveSaeConfig({ inputDims: 1, nFeatures: 6144, k: 32 }))).toBe(1);
    expect(auxKK(resolveSaeConfig({ inputDims: 768, nFeatures: 100, k: 32 }))).toBe(100);
    expect(auxKK(resolveSaeConfig({ inputDims: 768, nFeatures: 6144, k: 32, auxK: 50 }))).toBe(50);
  });

  it('topk with AuxK and no dead latent: the variant graph gives DeepLens\'s fused graph\'s loss and gradients', async () => {
    const backend = new CpuBackend();
    const base = { inputDims: 8, nFeatures: 32, k: 4 };
    const fused = SparseAutoencoder.create({ backend, config: base, seed: 3 });
    const composed = SparseAutoencoder.create({ backend, config: { ...base, auxKCoef: 0.5 }, seed: 3 });
    const x = backend.fromArray(data(8, 9), [rows, 8]);
    const none = backend.zeros([32]);
    const a = await fused.lossAndGrads(x);
    const b = await composed.lossAndGrads(x, { deadMask: none } as never);
    const bDevice = await composed.lossAndGradsOnDevice(x, { deadMask: none });
    expect(b.losses.total).toBeCloseTo(a.losses.total, 6);
    expect((await bDevice.losses.read()).aux).toBe(0);
    for (const [name, g] of a.grads) {
      const mine = Array.from(await backend.read(b.grads.get(name)!));
      const theirs = Array.from(await backend.read(g));
      mine.forEach((v, i) => expect(v).toBeCloseTo(theirs[i]!, 6));
    }
    for (const t of [...a.grads.values(), ...b.grads.values(), ...bDevice.grads.values(), x, none]) t.dispose();
    bDevice.losses.dispose();
    fused.dispose();
    composed.dispose();
  });

  it('decoder_init encoder_transpose: W_enc starts as W_decᵀ, the rest as DeepLens draws it', () => {
    const c = resolveSaeConfig({ inputDims: 6, nFeatures: 10, k: 2 });
    const xavier = initSaeParams(c, new Rng(4));
    const transposed = initSaeParams({ ...c, decoderInit: 'encoder_transpose' }, new Rng(4));
    const wDec = transposed.get('W_dec')!;
    expect(wDec).toEqual(xavier.get('W_dec'));
    expect(transposed.get('b_enc')).toEqual(xavier.get('b_enc'));
    const wEnc = transposed.get('W_enc')!;
    for (let i = 0; i < 6; i++) for (let j = 0; j < 10; j++) expect(wEnc[i * 10 + j]).toBe(wDec[j * 6 + i]);
    const backend = new CpuBackend();
    const sae = SparseAutoencoder.create({ backend, config: { ...c, decoderInit: 'encoder_transpose' }, seed: 4 });
    expect(backend.memory().tensors).toBe(sae.params.size);
    sae.dispose();
  });

  it('jumprelu: z = pre where pre > θ, thresholds learned and kept ≥ 0', async () => {
    const backend = new CpuBackend();
    const sae = SparseAutoencoder.create({ backend, config: { inputDims: 8, nFeatures: 32, architecture: 'jumprelu', l0Coefficient: 0.1, jumpreluInitThreshold: 0.2 }, seed: 2 });
    expect(sae.paramNames).toContain('threshold');
    const x = backend.fromArray(data(8), [rows, 8]);
    const out = sae.forward(x);
    const pre = (await backend.read(out.zPre)) as Float32Array;
    const z = (await backend.read(out.z)) as Float32Array;
    // pre·0 is −0 for a negative pre, as in PyTorch: compare with ===.
    for (let i = 0; i < z.length; i++) expect(z[i] === (pre[i]! > 0.2 ? pre[i] : 0)).toBe(true);
    const negative = backend.fill([32], -0.5);
    backend.assignInPlace(sae.param('threshold'), negative);
    sae.postStep();
    expect(Array.from(await backend.read(sae.param('threshold'))).every((v) => v === 0)).toBe(true);
    for (const t of [...Object.values(out), x, negative]) t.dispose();
    sae.dispose();
  });
});
