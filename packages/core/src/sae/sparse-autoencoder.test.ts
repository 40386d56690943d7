import { describe, expect, it } from 'vitest';
import { CpuBackend } from '../cpu/cpu-backend.js';
import { ShapeMismatchError } from '../errors.js';
import { Rng } from '../random/rng.js';
import { Adam } from '../optim/adam.js';
import type { ParamwiseStep } from '../optim/optimizer.js';
import type { Tensor } from '../backend/tensor.js';
import { SparseAutoencoder } from './sparse-autoencoder.js';
import { assertAllClose } from '../testing/all-close.js';
import { TOLERANCES } from '../testing/tolerances.js';

/** A cpu backend without the fused sparse ops, so core's dense fallbacks are exercised. */
function unfusedCpu(): CpuBackend {
  const b = new CpuBackend();
  for (const op of ['sparseMatmul', 'sampledMatmul', 'sparseTransposeMatmul', 'sparseColumnSum']) {
    Object.defineProperty(b, op, { value: undefined });
  }
  return b;
}

/** An onGradient that applies each gradient with the optimiser step and records its name. */
function applyAsItArrives(step: ParamwiseStep, names: string[]) {
  return (name: string, g: Tensor): void => {
    names.push(name);
    try {
      step.update(name, g);
    } finally {
      g.dispose();
    }
  };
}

describe('SparseAutoencoder', () => {
  const rng = new Rng(11);
  const data = Float32Array.from({ length: 12 * 10 }, () => rng.normal());

  it('rejects a batch of the wrong width with a hint', () => {
    const backend = new CpuBackend();
    const sae = SparseAutoencoder.create({ backend, config: { inputDims: 10, nFeatures: 40, k: 5 } });
    const x = backend.zeros([3, 11]);
    expect(() => sae.forward(x)).toThrow(ShapeMismatchError);
    expect(() => sae.forward(x)).toThrow(/input_dims/);
  });

  it('TopK keeps k latents per row: nonZeroFrac = k/F', async () => {
    const backend = new CpuBackend();
    const sae = SparseAutoencoder.create({ backend, config: { inputDims: 10, nFeatures: 40, k: 5, activation: 'silu' } });
    const x = backend.fromArray(data, [12, 10]);
    const l = await sae.loss(x);
    expect(l.nonZeroFrac).toBeCloseTo(5 / 40, 10);
    expect(l.total).toBe(l.mse);
    const { z } = sae.forward(x);
    const zd = (await backend.read(z)) as Float32Array;
    for (let r = 0; r < 12; r++) expect(zd.subarray(r * 40, (r + 1) * 40).filter((v) => v !== 0).length).toBe(5);
  });

  for (const config of [
    { inputDims: 10, nFeatures: 40, k: 4 },
    { inputDims: 10, nFeatures: 40, k: 4, tieWeights: true },
    { inputDims: 10, nFeatures: 40, k: 4, inputNorm: true },
    { inputDims: 10, nFeatures: 40, k: null, betaL1: 0.01 },
    { inputDims: 10, nFeatures: 40, k: null, betaL1: 0.01, tieWeights: true, inputNorm: true },
  ]) {
    it(`onGradient: the optimiser applied during the backward pass gives the same model (${JSON.stringify(config)})`, async () => {
      const backend = new CpuBackend();
      const x = backend.fromArray(data, [12, 10]);
      const [a, b] = [1, 2].map(() => SparseAutoencoder.create({ backend, config, seed: 8 }));
      const [optA, optB] = [new Adam(a!, { lr: 0.01 }), new Adam(b!, { lr: 0.01 })];
      for (let i = 0; i < 3; i++) {
        const outA = await a!.lossAndGrads(x, { firing: true });
        optA.step(outA.grads);
        for (const g of outA.grads.values()) g.dispose();
        const order: string[] = [];
        let seen: unknown;
        const step = optB.beginStep();
        const outB = await b!.lossAndGrads(x, {
          firing: true,
          beforeBackward: (losses) => void (seen = losses),
          onGradient: applyAsItArrives(step, order),
        });
        step.finish();
        expect(outB.grads.size).toBe(0);
        expect(seen).toEqual(outB.losses);
        expect(outB.losses).toEqual(outA.losses);
        expect(new Set(order)).toEqual(new Set(a!.params.keys()));
        // Untied: the decoder's gradient comes before the encoder's is made.
        if (!config.tieWeights) expect(order.indexOf('W_dec')).toBeLessThan(order.indexOf('W_enc'));
      }
      for (const [n, t] of a!.params) expect(await backend.read(b!.param(n))).toEqual(await backend.read(t));
    });
  }

  for (const config of [
    { inputDims: 10, nFeatures: 40, k: null, betaL1: 0.01 },
    { inputDims: 10, nFeatures: 40, k: null, betaL1: 0.01, activation: 'silu' as const },
    { inputDims: 10, nFeatures: 40, k: null, betaL1: 0.01, tieWeights: true, inputNorm: true },
    { inputDims: 10, nFeatures: 40, k: 4 },
    { inputDims: 10, nFeatures: 40, k: 4, tieWeights: true },
  ]) {
    for (const backend of [new CpuBackend(), unfusedCpu()]) {
      it(`micro-batches: the same losses and gradients as the batch in one piece (${JSON.stringify(config)}, ${Object.getOwnPropertyDescriptor(backend, 'sparseMatmul') ? 'fallback' : 'fused'} ops)`, async () => {
        const sae = SparseAutoencoder.create({ backend, config, seed: 3 });
        const whole = backend.fromArray(data, [12, 10]);
        // Uneven row blocks: 5 + 4 + 3 rows.
        const parts = [[0, 5], [5, 9], [9, 12]].map(([r0, r1]) => backend.fromArray(data.subarray(r0! * 10, r1! * 10), [r1! - r0!, 10]));
        const live = backend.memory().tensors;
        const one = await sae.lossAndGrads(whole, { firing: true });
        const split = await sae.lossAndGrads(parts, { firing: true });
        expect(split.losses.rows).toBe(12);
        expect(Array.from(split.losses.firing!)).toEqual(Array.from(one.losses.firing!));
        expect(split.losses.nonZeroFrac).toBeCloseTo(one.losses.nonZeroFrac, 12);
        for (const key of ['total', 'mse', 'l1', 'sumSquaredError'] as const) {
          assertAllClose([split.losses[key]], [one.losses[key]], TOLERANCES.float32, key);
        }
        expect([...split.grads.keys()].sort()).toEqual([...one.grads.keys()].sort());
        for (const [name, g] of one.grads) {
          assertAllClose(await backend.read(split.grads.get(name)!) as Float32Array, await backend.read(g) as Float32Array, TOLERANCES.float32, name);
        }
        for (const g of [...one.grads.values(), ...split.grads.values()]) g.dispose();
        expect(backend.memory().tensors).toBe(live);
        const eval1 = await sae.loss(whole);
        const eval3 = await sae.loss(parts);
        assertAllClose([eval3.mse], [eval1.mse], TOLERANCES.float32, 'loss() mse');
        expect(backend.memory().tensors).toBe(live);
      });
    }
  }

  it('micro-batches with onGradient: every gradient after the last block, beforeBackward first', async () => {
    const backend = new CpuBackend();
    const config = { inputDims: 10, nFeatures: 40, k: null, betaL1: 0.01 };
    const [a, b] = [1, 2].map(() => SparseAutoencoder.create({ backend, config, seed: 8 }));
    const parts = [0, 6].map((r0) => backend.fromArray(data.subarray(r0 * 10, (r0 + 6) * 10), [6, 10]));
    const [optA, optB] = [new Adam(a!, { lr: 0.01 }), new Adam(b!, { lr: 0.01 })];
    const outA = await a!.lossAndGrads(parts);
    optA.step(outA.grads);
    for (const g of outA.grads.values()) g.dispose();
    const events: string[] = [];
    const step = optB.beginStep();
    const outB = await b!.lossAndGrads(parts, {
      beforeBackward: () => void events.push('losses'),
      onGradient: applyAsItArrives(step, events),
    });
    step.finish();
    expect(events[0]).toBe('losses');
    expect(new Set(events.slice(1))).toEqual(new Set(a!.params.keys()));
    expect(outB.losses).toEqual(outA.losses);
    for (const [n, t] of a!.params) expect(await backend.read(b!.param(n))).toEqual(await backend.read(t));
    // A step stopped in beforeBackward leaves nothing behind.
    const live = backend.memory().tensors;
    await expect(b!.lossAndGrads(parts, { beforeBackward: () => { throw new Error('diverged'); }, onGradient: (_, g) => g.dispose() })).rejects.toThrow('diverged');
    expect(backend.memory().tensors).toBe(live);
    await expect(b!.lossAndGrads([])).rejects.toThrow(/empty list of micro-batches/);
    await expect(b!.lossAndGrads([parts[0]!, backend.zeros([2, 9])])).rejects.toThrow(ShapeMismatchError);
    expect(backend.memory().tensors).toBe(live + 1);
  });

  it('beforeBackward can stop the step before any gradient exists', async () => {
    const backend = new CpuBackend();
    const sae = SparseAutoencoder.create({ backend, config: { inputDims: 10, nFeatures: 40, k: 4 } });
    const x = backend.fromArray(data, [12, 10]);
    const live = backend.memory().tensors;
    const got: string[] = [];
    await expect(sae.lossAndGrads(x, {
      beforeBackward: () => { throw new Error('diverged'); },
      onGradient: (name, g) => { got.push(name); g.dispose(); },
    })).rejects.toThrow('diverged');
    expect(got).toEqual([]);
    expect(backend.memory().tensors).toBe(live);
  });

  for (const tieWeights of [false, true]) {
    for (const k of [4, null]) {
      it(`fused and fallback sparse paths give the same gradients (k=${k}, tied=${tieWeights})`, async () => {
        const config = { inputDims: 10, nFeatures: 40, k, betaL1: k === null ? 0.01 : null, tieWeights, inputNorm: !tieWeights };
        const results = [];
        for (const backend of [new CpuBackend(), unfusedCpu()]) {
          const sae = SparseAutoencoder.create({ backend, config, seed: 5 });
          const { losses, grads } = await sae.lossAndGrads(backend.fromArray(data, [12, 10]));
          results.push({ losses, grads: await Promise.all([...grads].map(async ([n, g]) => [n, Array.from(await backend.read(g))])) });
        }
        assertAllClose([results[1]!.losses.mse], [results[0]!.losses.mse], TOLERANCES.float32, "mse");
        const [a, b] = [results[0]!.grads, results[1]!.grads];
        expect(a.map((g) => g[0])).toEqual(b.map((g) => g[0]));
        a.forEach(([name, ga], i) => assertAllClose(ga as number[], b[i]![1] as number[], TOLERANCES.float32, String(name)));
      });
    }
  }

  it('bf16 precision changes the numbers only slightly', async () => {
    const backend = new CpuBackend();
    const sae = SparseAutoencoder.create({ backend, config: { inputDims: 10, nFeatures: 40, betaL1: 0.01 } });
    const x = backend.fromArray(data, [12, 10]);
    const f32 = await sae.lossAndGrads(x);
    const bf = await sae.lossAndGrads(x, { precision: 'bf16' });
    expect(bf.losses.mse).not.toBe(f32.losses.mse);
    expect(Math.abs(bf.losses.mse - f32.losses.mse) / f32.losses.mse).toBeLessThan(0.02);
  });
});

describe('SparseAutoencoder firing counts and backend moves', () => {
  const rng = new Rng(4);
  const data = Float32Array.from({ length: 6 * 8 }, () => rng.normal());
  for (const k of [3, null]) {
    it(`counts, per latent, the rows it fired in (k=${k})`, async () => {
      const backend = new CpuBackend();
      const sae = SparseAutoencoder.create({ backend, config: { inputDims: 8, nFeatures: 20, k, betaL1: k ? null : 0.1 } });
      const x = backend.fromArray(data, [6, 8]);
      const { firing, nonZeroFrac } = await sae.loss(x, { firing: true });
      const z = (await backend.read(sae.forward(x).z)) as Float32Array;
      const want = Array.from({ length: 20 }, (_, f) => [0, 1, 2, 3, 4, 5].filter((r) => z[r * 20 + f] !== 0).length);
      expect(Array.from(firing!)).toEqual(want);
      expect(want.reduce((a, b) => a + b, 0) / 120).toBeCloseTo(nonZeroFrac, 10);
    });
  }

  it('toBackend copies parameters', async () => {
    const sae = SparseAutoencoder.create({ backend: new CpuBackend(), config: { inputDims: 8, nFeatures: 20, k: 2 } });
    const other = new CpuBackend();
    const moved = await sae.toBackend(other);
    expect(moved.backend).toBe(other);
    expect(await other.read(moved.param('W_enc'))).toEqual(await sae.backend.read(sae.param('W_enc')));
  });
});
