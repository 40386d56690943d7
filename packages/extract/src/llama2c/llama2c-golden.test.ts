import { readFileSync } from 'node:fs';
import { CpuBackend, SparseAutoencoder } from '@deeplens/core';
import { readModelFile } from '@deeplens/core/node';
import { describe, expect, it } from 'vitest';
import { evaluateInModel } from '../in-model-eval.js';
import { saeReconstruct } from '../sae-reconstruct.js';
import { TRANSFORMER_SITES } from '../sites.js';
import { fixturePath, stories260K } from './test-model.test-helper.js';

/** Written by tools/golden/llama2c_reference.py: an independent float64 PyTorch llama2.c model. */
interface Expected {
  tokens: number[][];
  first_line_sites: Record<string, number[][]>;
  first_line_logits: number[][];
  eval: {
    layer: number;
    tokens: number;
    ce_clean: number;
    zero_ablation: { ce: number; kl: number };
    mean_ablation: { ce: number; kl: number };
    saes: Record<string, { ce: number; kl: number; ce_loss_recovered: number; ce_loss_recovered_mean: number; delta_loss: number }>;
  };
}

const expected = JSON.parse(readFileSync(fixturePath('golden-llama2c/expected.json'), 'utf8')) as Expected;
const lines = readFileSync(fixturePath('golden-llama2c/text.txt'), 'utf8').split('\n').filter((l) => l.length > 0);

/** |got − want| ≤ atol + rtol·|want| for every entry, reporting the worst. */
function expectClose(got: ArrayLike<number>, want: readonly number[], rtol: number, atol: number, what: string): void {
  expect(got.length, what).toBe(want.length);
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!) - rtol * Math.abs(want[i]!));
  expect(worst, `${what}: worst excess error`).toBeLessThanOrEqual(atol);
}

describe('stories260K against the PyTorch llama2.c reference', () => {
  const model = stories260K();

  it('tokenizes every line as the reference does', () => {
    expect(lines.map((l) => Array.from(model.tokenize(l)))).toEqual(expected.tokens);
  });

  it('gives every site of layers 0 and 3 and the logits of the first line', async () => {
    const seen = new Map<string, Float32Array>();
    const hooks = [0, expected.eval.layer].flatMap((layer) => TRANSFORMER_SITES.map((site) => ({ site: { site, layer }, hook: (rows: Float32Array) => void seen.set(`${site}@${layer}`, rows.slice()) })));
    const { logits } = await model.run([model.tokenize(lines[0]!)], { hooks, logits: true });
    for (const [key, rows] of Object.entries(expected.first_line_sites)) expectClose(seen.get(key)!, rows.flat(), 1e-4, 1e-5, key);
    expectClose(logits![0]!, expected.first_line_logits.flat(), 1e-4, 1e-4, 'logits');
  });

  it('measures CE loss recovered, delta loss and KL as the reference does (TopK and BatchTopK SAEs)', async () => {
    const backend = new CpuBackend();
    const saes = await Promise.all(['batchtopk', 'topk'].map(async (name) => {
      const file = await readModelFile(fixturePath(`golden-llama2c/${name}/model.safetensors`));
      const sae = SparseAutoencoder.fromArrays({ backend, config: file.config, params: file.params });
      return { name, reconstruct: saeReconstruct(sae, file.normStats) };
    }));
    const r = await evaluateInModel({ adapter: model, site: { site: 'mlp_hidden', layer: expected.eval.layer }, sequences: lines.map((l) => model.tokenize(l)), saes });
    const e = expected.eval;
    expect(r.tokens).toBe(e.tokens);
    // The issue asks for 1e-4; float32 activations against float64 PyTorch agree to about 1e-7 here.
    const abs = 1e-6;
    expect(Math.abs(r.ceClean - e.ce_clean)).toBeLessThan(abs);
    expect(Math.abs(r.zeroAblation.ce - e.zero_ablation.ce)).toBeLessThan(abs);
    expect(Math.abs(r.zeroAblation.kl - e.zero_ablation.kl)).toBeLessThan(abs);
    expect(Math.abs(r.meanAblation.ce - e.mean_ablation.ce)).toBeLessThan(abs);
    expect(Math.abs(r.meanAblation.kl - e.mean_ablation.kl)).toBeLessThan(abs);
    for (const s of r.saes) {
      const want = e.saes[s.name]!;
      expect(Math.abs(s.ce - want.ce), `${s.name} ce`).toBeLessThan(abs);
      expect(Math.abs(s.kl - want.kl), `${s.name} kl`).toBeLessThan(abs);
      expect(Math.abs(s.ceLossRecovered - want.ce_loss_recovered), `${s.name} CE loss recovered`).toBeLessThan(abs);
      expect(Math.abs(s.ceLossRecoveredMean - want.ce_loss_recovered_mean), `${s.name} vs mean ablation`).toBeLessThan(abs);
      expect(Math.abs(s.deltaLoss - want.delta_loss), `${s.name} delta loss`).toBeLessThan(abs);
    }
    backend.dispose();
  });
});
