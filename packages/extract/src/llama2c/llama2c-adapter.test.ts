import { describe, expect, it } from 'vitest';
import { stories260K } from './test-model.test-helper.js';

/** Golden values from PyTorch running the reference llama2.c model (../shared/data/README.md). */
describe('llama2.c adapter on stories260K (README golden values)', () => {
  const model = stories260K();
  const prompt = 'Once upon a time';

  it('reads the header', () => {
    expect(model.model.config).toEqual({ dim: 64, hiddenDim: 172, nLayers: 5, nHeads: 8, nKvHeads: 4, vocabSize: 512, seqLen: 512, sharedClassifier: true });
  });

  it('tokenizes as llama2.c does', () => {
    expect(Array.from(model.tokenize(prompt))).toEqual([1, 403, 407, 261, 378]);
    expect(model.decode(model.tokenize(prompt))).toBe(prompt);
  });

  it('decodes greedily to the reference story', async () => {
    const tokens = await model.sample({ prompt, steps: 64, temperature: 0 });
    expect(tokens.length).toBe(65); // BOS + 64 tokens, one per position run
    expect(model.decode(tokens)).toBe(
      'Once upon a time, there was a little girl named Lily. She loved to play outside in the park. One day, she saw a big, red ball. She wanted to play with it, but it was too high.\nLily',
    );
  });

  it('gives the reference activations and logits at position 4', async () => {
    const tokens = model.tokenize(prompt);
    const seen = new Map<string, Float32Array>();
    const capture = (site: 'mlp_hidden' | 'resid_post', layer: number) => ({
      site: { site, layer },
      hook: (rows: Float32Array, info: { width: number }) => void seen.set(`${site}@${layer}`, rows.slice(4 * info.width, 5 * info.width)),
    });
    const { logits } = await model.run([tokens], { hooks: [capture('mlp_hidden', 0), capture('mlp_hidden', 4), capture('resid_post', 2)], logits: true });
    const near = (got: Float32Array, want: number[]) => want.forEach((w, i) => expect(got[i]!).toBeCloseTo(w, 4));
    near(seen.get('mlp_hidden@0')!, [-0.08175, -0.09957, -0.05398, -0.05475, -0.06868, -0.00292]);
    near(seen.get('mlp_hidden@4')!, [-0.09296, 0.10181, 0.19023, -0.02157, -0.17056, 0.20164]);
    const resid = seen.get('resid_post@2')!;
    near(resid, [0.15798, -0.33692, -1.18313, -1.56116, 0.40292, -1.19321]);
    expect(Math.hypot(...resid)).toBeCloseTo(7.331512, 4);
    const l = logits![0]!;
    const argmax = (p: number) => {
      const row = l.subarray(p * 512, (p + 1) * 512);
      return row.indexOf(Math.max(...row));
    };
    expect([0, 1, 2, 3, 4].map(argmax)).toEqual([403, 407, 261, 378, 432]);
    expect(Math.max(...l.subarray(4 * 512, 5 * 512))).toBeCloseTo(17.7994, 3);
  });

  it('stops the pass at the last hooked layer when no logits are asked for', async () => {
    let calls = 0;
    const out = await model.run([model.tokenize(prompt)], { hooks: [{ site: { site: 'resid_pre', layer: 1 }, hook: () => void calls++ }] });
    expect(calls).toBe(1);
    expect(out.logits).toBeUndefined();
  });

  it("a direction's logit effect is the unembedding of its path to the residual stream", () => {
    const { dim, hiddenDim } = model.model.config;
    const w = model.model.weights;
    const e = new Float32Array(hiddenDim);
    e[7] = 2;
    const got = model.logitEffect({ site: 'mlp_hidden', layer: 2 }, e);
    // Column 7 of w2 (times 2), scaled by the final norm's weights, through the tied unembedding.
    for (const t of [0, 17, 403]) {
      let want = 0;
      for (let j = 0; j < dim; j++) want += w.classifier[t * dim + j]! * w.rmsFinal[j]! * 2 * w.layers[2]!.w2[j * hiddenDim + 7]!;
      expect(got[t]!).toBeCloseTo(want, 5);
    }
    const r = new Float32Array(dim);
    r[3] = 1;
    expect(model.logitEffect({ site: 'resid_post', layer: 4 }, r)[9]!).toBeCloseTo(w.classifier[9 * dim + 3]! * w.rmsFinal[3]!, 6);
    expect(() => model.logitEffect({ site: 'mlp_out', layer: 0 }, e)).toThrow(/has 64 values, got 172/);
  });

  it('refuses a site or layer it does not have, naming what it has', async () => {
    await expect(model.run([model.tokenize(prompt)], { hooks: [{ site: { site: 'mlp_gate', layer: 0 }, hook: () => {} }] })).rejects.toThrow(/no site 'mlp_gate'.*\n.*resid_pre, attn_out, mlp_hidden, mlp_out, resid_post/);
    expect(() => model.siteWidth({ site: 'mlp_hidden', layer: 5 })).toThrow(/layers 0\.\.4/);
  });
});
