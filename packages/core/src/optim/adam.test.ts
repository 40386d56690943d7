import { describe, expect, it } from 'vitest';
import { CpuBackend } from '../cpu/cpu-backend.js';
import { SparseAutoencoder } from '../sae/sparse-autoencoder.js';
import { Adam, AdamW } from './adam.js';
import { noDecayOnBiasesAndNorms } from './param-groups.js';

const backend = new CpuBackend();
const config = { inputDims: 4, nFeatures: 8, k: 2, inputNorm: true };
const zeroGrads = (sae: SparseAutoencoder) => new Map([...sae.params].map(([n, p]) => [n, backend.zeros(p.shape)]));

describe('Adam / AdamW', () => {
  it('has torch defaults', () => {
    const sae = SparseAutoencoder.create({ backend, config });
    expect(new Adam(sae).describe()).toEqual({ type: 'adam', lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weight_decay: 0 });
    expect(new AdamW(sae).describe()).toMatchObject({ type: 'adamw', weight_decay: 0.01 });
  });

  it('parameter groups keep weight decay off biases and LayerNorm', async () => {
    const sae = SparseAutoencoder.create({ backend, config });
    const before = await sae.toArrays();
    const opt = new AdamW(sae, { lr: 0.1, weightDecay: 0.5, paramGroups: noDecayOnBiasesAndNorms() });
    opt.step(zeroGrads(sae)); // zero gradients: only decoupled decay moves parameters
    const after = await sae.toArrays();
    for (const name of ['b_enc', 'b_dec', 'ln.weight', 'ln.bias'] as const) expect(after.get(name)!.data).toEqual(before.get(name)!.data);
    const w0 = before.get('W_enc')!.data;
    after.get('W_enc')!.data.forEach((v, i) => expect(v).toBeCloseTo(w0[i]! * 0.95, 6));
  });

  it('rejects invalid hyperparameters with the key', () => {
    const sae = SparseAutoencoder.create({ backend, config });
    expect(() => new Adam(sae, { lr: -1 })).toThrow(/optim.lr/);
    expect(() => new Adam(sae, { betas: [0.9, 1] })).toThrow(/optim.betas\[1\]/);
  });

  it('saved state continues exactly like an uninterrupted optimizer', async () => {
    const mk = () => SparseAutoencoder.create({ backend, config, seed: 9 });
    const x = backend.fromArray(Float32Array.from({ length: 40 }, (_, i) => Math.sin(i)), [10, 4]);
    const stepN = async (sae: SparseAutoencoder, opt: Adam, n: number) => {
      for (let i = 0; i < n; i++) {
        const { grads } = await sae.lossAndGrads(x);
        opt.step(grads);
        sae.postStep();
        for (const g of grads.values()) g.dispose();
      }
    };
    const a = mk();
    const optA = new Adam(a, { lr: 0.01 });
    await stepN(a, optA, 6);

    const b = mk();
    const optB = new Adam(b, { lr: 0.01 });
    await stepN(b, optB, 3);
    const state = await optB.saveState();
    const params = new Map([...(await b.toArrays())].map(([n, v]) => [n, v.data]));
    const c = mk();
    c.setArrays(params);
    const optC = new Adam(c, { lr: 0.5 });
    optC.loadState(state);
    expect(optC.stepCount).toBe(3);
    expect(optC.learningRate).toBe(0.01);
    await stepN(c, optC, 3);
    for (const [n, t] of a.params) expect(await backend.read(c.param(n))).toEqual(await backend.read(t));
  });

  it('a step taken one parameter at a time equals step(grads); misuse is refused', async () => {
    const x = backend.fromArray(Float32Array.from({ length: 40 }, (_, i) => Math.cos(i)), [10, 4]);
    const [a, b] = [1, 2].map(() => SparseAutoencoder.create({ backend, config, seed: 3 }));
    const optA = new AdamW(a!, { lr: 0.01 });
    const optB = new AdamW(b!, { lr: 0.01 });
    for (let i = 0; i < 3; i++) {
      const ga = (await a!.lossAndGrads(x)).grads;
      optA.step(ga);
      const gb = (await b!.lossAndGrads(x)).grads;
      const step = optB.beginStep();
      for (const name of [...gb.keys()].reverse()) step.update(name, gb.get(name)!);
      step.finish();
      for (const g of [...ga.values(), ...gb.values()]) g.dispose();
    }
    expect(optB.stepCount).toBe(3);
    for (const [n, t] of a!.params) expect(await backend.read(b!.param(n))).toEqual(await backend.read(t));

    const step = optB.beginStep();
    const g = backend.zeros([8]);
    step.update('b_enc', g);
    expect(() => step.update('b_enc', g)).toThrow(/already updated/);
    expect(() => step.update('nope', g)).toThrow(/'nope' is not a parameter/);
    expect(() => step.finish()).toThrow(/no gradient for parameters 'W_enc', 'W_dec'/);
  });

  it('step() with a gradient missing changes nothing', async () => {
    const sae = SparseAutoencoder.create({ backend, config });
    const before = await sae.toArrays();
    const grads = zeroGrads(sae);
    grads.delete('b_dec');
    const opt = new Adam(sae, { lr: 0.1, weightDecay: 0.5 });
    expect(() => opt.step(grads)).toThrow(/no gradient for parameter 'b_dec'/);
    expect(opt.stepCount).toBe(0);
    for (const [n, v] of await sae.toArrays()) expect(v.data).toEqual(before.get(n)!.data);
  });

  it('accepts every hyperparameter at its boundary and refuses just past it, naming the key and the rule', () => {
    const sae = SparseAutoencoder.create({ backend, config });
    for (const ok of [{ lr: 0 }, { betas: [0, 0] as [number, number] }, { eps: 0 }, { weightDecay: 0 }]) expect(() => new Adam(sae, ok).dispose(), JSON.stringify(ok)).not.toThrow();
    expect(() => new Adam(sae, { lr: -1e-12 })).toThrow(/optim.lr: must be a non-negative number, got -1e-12/);
    expect(() => new Adam(sae, { lr: Infinity })).toThrow(/optim.lr/);
    expect(() => new Adam(sae, { betas: [-0.1, 0.9] })).toThrow(/optim.betas\[0\]: must be in \[0, 1\), got -0.1/);
    expect(() => new Adam(sae, { betas: [1, 0.9] })).toThrow(/optim.betas\[0\]/);
    expect(() => new Adam(sae, { eps: -1e-12 })).toThrow(/optim.eps: must be non-negative, got -1e-12/);
    expect(() => new Adam(sae, { weightDecay: -1e-12 })).toThrow(/optim.weight_decay: must be non-negative, got -1e-12/);
  });

  it('forModel makes the same kind with the same settings for another model', async () => {
    const a = SparseAutoencoder.create({ backend, config });
    const b = SparseAutoencoder.create({ backend, config });
    const w = new AdamW(a, { lr: 0.05, betas: [0.8, 0.9], eps: 1e-6, weightDecay: 0.3, paramGroups: noDecayOnBiasesAndNorms() });
    const moved = w.forModel(b);
    expect(moved).toBeInstanceOf(AdamW);
    expect(moved.describe()).toEqual(w.describe());
    // Same settings, same kind: a zero-gradient step decays b's weights (AdamW) but not its biases (the groups came along).
    const before = await b.toArrays();
    moved.step(zeroGrads(b));
    const after = await b.toArrays();
    expect(after.get('b_enc')!.data).toEqual(before.get('b_enc')!.data);
    after.get('W_dec')!.data.forEach((v, i) => expect(v).toBeCloseTo(before.get('W_dec')!.data[i]! * (1 - 0.05 * 0.3), 6));
    expect(new Adam(a).forModel(b)).not.toBeInstanceOf(AdamW);
  });

  it('loadState refuses another optimizer, unknown parameters and missing moments; absent moments start at zero', async () => {
    const sae = SparseAutoencoder.create({ backend, config });
    const opt = new Adam(sae, { lr: 0.01 });
    opt.step(new Map([...sae.params].map(([n, p]) => [n, backend.fromArray(new Float32Array(p.size).fill(0.5), p.shape)])));
    const state = await opt.saveState();
    expect(() => new AdamW(sae).loadState(state)).toThrow(/optimizer state is for 'adam', this optimizer is 'adamw'/);
    expect(() => new Adam(sae).loadState({ ...state, buffers: { ...state.buffers, nope: state.buffers['b_enc']! } })).toThrow(/moments for unknown parameter 'nope'/);
    expect(() => new Adam(sae).loadState({ ...state, buffers: { b_enc: { m: state.buffers['b_enc']!.m } as never } })).toThrow(/optimizer state for 'b_enc' lacks m or v/);
    // A state without b_enc's moments: they start from zero, like a fresh optimizer's.
    const partial = { ...state, step: 0, buffers: Object.fromEntries(Object.entries(state.buffers).filter(([n]) => n !== 'b_enc')) };
    const twin = SparseAutoencoder.create({ backend, config, seed: 3 });
    const copy = SparseAutoencoder.create({ backend, config, seed: 3 });
    const resumed = new Adam(twin, { lr: 0.01 });
    resumed.loadState(partial);
    const fresh = new Adam(copy, { lr: 0.01 });
    const g = (m: SparseAutoencoder) => new Map([...m.params].map(([n, p]) => [n, backend.fromArray(new Float32Array(p.size).fill(0.25), p.shape)]));
    resumed.step(g(twin));
    fresh.step(g(copy));
    expect(await backend.read(twin.param('b_enc'))).toEqual(await backend.read(copy.param('b_enc')));
    expect((await resumed.saveState()).buffers['b_enc']).toBeDefined();
  });

  it('names every missing gradient when a one-at-a-time step finishes early', () => {
    const sae = SparseAutoencoder.create({ backend, config: { inputDims: 4, nFeatures: 8, k: 2 } });
    const opt = new Adam(sae);
    const one = opt.beginStep();
    one.update('W_enc', backend.zeros(sae.param('W_enc').shape));
    expect(() => one.finish()).toThrow(/no gradient for parameters 'b_enc', 'W_dec', 'b_dec'|no gradient for parameters '.*', '.*', '.*'/);
    const most = new Adam(sae).beginStep();
    for (const n of sae.paramNames.slice(1)) most.update(n, backend.zeros(sae.param(n).shape));
    expect(() => most.finish()).toThrow(new RegExp(`no gradient for parameter '${sae.paramNames[0]}'$`));
  });
});
