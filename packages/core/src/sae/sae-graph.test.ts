import { describe, expect, it } from 'vitest';
import { CpuBackend } from '../cpu/cpu-backend.js';
import { countingBackend } from '../testing/counting-backend.js';
import { Rng } from '../random/rng.js';
import { resolveSaeConfig, type SaeConfigInput } from './sae-config.js';
import { residual, saeBackward, saeForward } from './sae-graph.js';
import { SparseAutoencoder } from './sparse-autoencoder.js';
import { planSaeStep, type SaeStepRequest } from './step-plan.js';

function setup(input: SaeConfigInput, counted = false) {
  const { backend, counts } = countingBackend(new CpuBackend());
  const config = resolveSaeConfig(input);
  const sae = SparseAutoencoder.create({ backend, config, seed: 5 });
  const rng = new Rng(1);
  const x = backend.fromArray(Float32Array.from({ length: 6 * config.inputDims }, () => rng.normal()), [6, config.inputDims]);
  return { backend, counts: counted ? counts : undefined, config, lookup: (n: Parameters<typeof sae.param>[0]) => sae.param(n), x, sae };
}

describe('the SAE graph follows its plan', () => {
  const cases: Array<[string, SaeConfigInput, SaeStepRequest['purpose'], Record<string, boolean>]> = [
    ['TopK training', { inputDims: 8, nFeatures: 32, k: 4 }, 'training', { xin: false, pre: false, zPre: false, sparseZ: true, preAtK: true, xHat: false, diff: true }],
    ['TopK analysis', { inputDims: 8, nFeatures: 32, k: 4 }, 'analysis', { xin: true, pre: true, zPre: true, sparseZ: true, preAtK: true, xHat: true, diff: false }],
    ['TopK + LayerNorm training', { inputDims: 8, nFeatures: 32, k: 4, inputNorm: true }, 'training', { xin: true, lnStats: true, pre: false, sparseZ: true, xHat: false, diff: true }],
    ['L1 ReLU training', { inputDims: 8, nFeatures: 32, betaL1: 1e-3 }, 'training', { xin: false, pre: false, zPre: true, sparseZ: false, xHat: false, diff: true }],
    ['L1 SiLU training', { inputDims: 8, nFeatures: 32, betaL1: 1e-3, activation: 'silu' }, 'training', { xin: false, pre: true, zPre: true, sparseZ: false, diff: true }],
    ['L1 analysis', { inputDims: 8, nFeatures: 32, betaL1: 1e-3 }, 'analysis', { xin: true, pre: true, zPre: true, xHat: true, diff: false }],
  ];
  for (const [name, input, purpose, kept] of cases) {
    it(`${name}: keeps exactly the intermediates the plan names, and frees the rest`, () => {
      const s = setup(input);
      const before = s.backend.memory().tensors;
      const plan = planSaeStep(s.config, { purpose, rows: 6 });
      const cache = saeForward(s.backend, s.config, s.lookup, s.x, plan.forward);
      for (const [field, present] of Object.entries(kept)) expect(cache[field as keyof typeof cache] !== undefined, `${name}: ${field}`).toBe(present);
      const held = [cache.xin, cache.pre, cache.zPre, cache.preAtK, cache.xHat, cache.diff, cache.lnStats?.mean, cache.lnStats?.rstd, cache.sparseZ?.values, cache.sparseZ?.indices]
        .filter((t) => t !== undefined && t !== s.x).length;
      expect(s.backend.memory().tensors - before, `${name}: no tensor beyond those kept`).toBe(held);
      cache.bag.dispose();
      expect(s.backend.memory().tensors).toBe(before);
    });
  }

  it('the residual is made once, from xHat, and refused when the pass kept neither', () => {
    const s = setup({ inputDims: 8, nFeatures: 32, k: 4 });
    const analysis = saeForward(s.backend, s.config, s.lookup, s.x, planSaeStep(s.config, { purpose: 'analysis', rows: 6 }).forward);
    const r = residual(s.backend, analysis);
    expect(residual(s.backend, analysis)).toBe(r);
    analysis.bag.dispose();
    const training = saeForward(s.backend, s.config, s.lookup, s.x, planSaeStep(s.config, { purpose: 'training', rows: 6 }).forward);
    const plan = planSaeStep(s.config, { purpose: 'training', rows: 6 }).backward!;
    for (const g of saeBackward(s.backend, s.config, s.lookup, training, plan).values()) g.dispose();
    expect(() => residual(s.backend, training)).toThrow(/kept neither xHat nor the residual/);
    training.bag.dispose();
  });

  it('refuses a plan whose gradient targets were not given, and running sums that lack a parameter', () => {
    const s = setup({ inputDims: 8, nFeatures: 32, betaL1: 1e-3 });
    const fwd = () => saeForward(s.backend, s.config, s.lookup, s.x, planSaeStep(s.config, { purpose: 'training', rows: 6 }).forward);
    const sink = planSaeStep(s.config, { purpose: 'training', rows: 6, sink: true }).backward!;
    const acc = planSaeStep(s.config, { purpose: 'training', rows: 3, batchRows: 6, part: 1, parts: 2 }).backward!;
    const c1 = fwd();
    expect(() => saeBackward(s.backend, s.config, s.lookup, c1, sink)).toThrow(/hands gradients to a sink, but none was given/);
    expect(() => saeBackward(s.backend, s.config, s.lookup, c1, acc)).toThrow(/hands gradients to running sums, but none was given/);
    c1.bag.dispose();
    const c2 = fwd();
    expect(() => saeBackward(s.backend, s.config, s.lookup, c2, acc, { into: new Map() })).toThrow(/no running gradient for 'W_dec'/);
    c2.bag.dispose();
  });

  it('a sink receives W_dec before W_enc\'s gradient exists, then the rest; the returned map is empty', () => {
    const s = setup({ inputDims: 8, nFeatures: 32, k: 4 }, true);
    const plan = planSaeStep(s.config, { purpose: 'training', rows: 6, sink: true });
    const cache = saeForward(s.backend, s.config, s.lookup, s.x, plan.forward);
    const order: string[] = [];
    let liveAtDec = 0;
    const grads = saeBackward(s.backend, s.config, s.lookup, cache, plan.backward!, {
      sink: (name, g) => {
        if (name === 'W_dec') liveAtDec = s.backend.memory().tensors;
        order.push(name);
        g.dispose();
      },
    });
    expect(grads.size).toBe(0);
    expect(order[0]).toBe('W_dec');
    expect(new Set(order)).toEqual(new Set(['W_dec', 'W_enc', 'b_enc', 'b_dec']));
    expect(liveAtDec).toBeGreaterThan(0);
    cache.bag.dispose();
  });
});
