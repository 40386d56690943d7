import { describe, expect, it } from 'vitest';
import { loadUseLite } from './use-lite.js';

const cos = (a: Float32Array, b: Float32Array) => {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i]! * b[i]!;
    aa += a[i]! * a[i]!;
    bb += b[i]! * b[i]!;
  }
  return ab / Math.sqrt(aa * bb);
};

/** USE-lite from npm on tfjs's wasm engine, against the data README's reference values. */
describe('USE-lite (TensorFlow.js graph model adapter)', async () => {
  const use = await loadUseLite({ engine: 'wasm' });

  it('embeds sentences as the reference does: cosine 0.725 for paraphrases, 0.177 for unrelated ones', async () => {
    const [cat, kitten, market] = await use.embed(['The cat sat on the mat.', 'A kitten was sleeping on the rug.', 'The stock market fell sharply on Monday.']);
    expect(cat!.length).toBe(512);
    expect(cos(cat!, kitten!)).toBeCloseTo(0.725, 2);
    expect(cos(cat!, market!)).toBeCloseTo(0.177, 2);
  });

  it('tokenizes with word-start pieces and reads the FFN ReLU and residual of each layer per sentence', async () => {
    const a = use.adapter.tokenize('The cat sat on the mat.');
    const b = use.adapter.tokenize('Hello world');
    expect(use.adapter.decode(a)).toBe('The cat sat on the mat.');
    expect(use.adapter.tokenText(a[0]!).startsWith('\u2581')).toBe(true);
    const seen: Array<{ sequence: number; positions: number; width: number; rows: Float32Array }> = [];
    await use.adapter.run([a, b], { hooks: [{ site: { site: 'mlp_hidden', layer: 1 }, hook: (rows, info) => void seen.push({ ...info, rows: rows.slice() }) }] });
    expect(seen.map((s) => [s.sequence, s.positions, s.width])).toEqual([[0, a.length, 1536], [1, b.length, 1536]]);
    const all = seen.flatMap((s) => Array.from(s.rows));
    expect(Math.min(...all)).toBe(0); // ReLU
    const active = all.filter((v) => v > 0).length / all.length;
    expect(active).toBeGreaterThan(0.02);
    expect(active).toBeLessThan(0.2);
    // The same sentence alone gives the same rows as in a batch (padding does not leak), residual too.
    let alone: Float32Array | undefined;
    await use.adapter.run([b], { hooks: [{ site: { site: 'mlp_hidden', layer: 1 }, hook: (rows) => void (alone = rows.slice()) }] });
    Array.from(alone!).forEach((v, i) => expect(v).toBeCloseTo(seen[1]!.rows[i]!, 4));
    const resid: Float32Array[] = [];
    await use.adapter.run([a, b], { hooks: [{ site: { site: 'resid_post', layer: 0 }, hook: (rows) => void resid.push(rows.slice()) }] });
    expect(resid.map((r) => r.length)).toEqual([a.length * 512, b.length * 512]);
    let residAlone: Float32Array | undefined;
    await use.adapter.run([b], { hooks: [{ site: { site: 'resid_post', layer: 0 }, hook: (rows) => void (residAlone = rows.slice()) }] });
    Array.from(residAlone!).forEach((v, i) => expect(v).toBeCloseTo(resid[1]![i]!, 4));
  });

  it('names what it lacks', async () => {
    expect(() => use.adapter.siteWidth({ site: 'attn_out', layer: 0 })).toThrow(/no site 'attn_out'[\s\S]*mlp_hidden, resid_mid, resid_post/);
    await expect(use.adapter.run([use.adapter.tokenize('x')], { logits: true })).rejects.toThrow(/no next-token logits/);
  });
});
