import { Rng } from '@deeplens/core';
import { describe, expect, it } from 'vitest';
import { HIST_BINS, scanFeatures, type ActivationBatch } from './feature-scan.js';

/** A dataset where the "SAE" is the identity: z = the row, so every statistic has a brute-force answer. */
function dataset(rows: number, features: number, seed: number) {
  const rng = new Rng(seed);
  const z = new Float32Array(rows * features);
  for (let i = 0; i < z.length; i++) z[i] = rng.next() < 0.2 ? Math.fround(rng.next() * 5) : 0;
  const tokens = Int32Array.from({ length: rows }, (_, r) => 100 + r);
  const doc = Int32Array.from({ length: rows }, (_, r) => Math.floor(r / 7)); // documents of 7 rows
  const source = async function* (): AsyncIterable<ActivationBatch> {
    for (let s = 0; s < rows; s += 16) {
      const n = Math.min(16, rows - s);
      yield { acts: z.slice(s * features, (s + n) * features), rows: n, tokens: tokens.slice(s, s + n), doc: doc.slice(s, s + n) };
    }
  };
  return { z, tokens, doc, source };
}

describe('scanFeatures', () => {
  const R = 300;
  const F = 12;
  const { z, doc, source } = dataset(R, F, 7);
  const at = (r: number, f: number) => z[r * F + f]!;

  it('counts, sums, maxima, histograms and L0 equal a brute-force pass', async () => {
    const s = await scanFeatures(source, async (a) => a, { features: F, topK: 5, context: 2 });
    expect(s.rows).toBe(R);
    for (let f = 0; f < F; f++) {
      const vals = Array.from({ length: R }, (_, r) => at(r, f)).filter((v) => v !== 0);
      expect(s.count[f]).toBe(vals.length);
      expect(s.sum[f]).toBeCloseTo(vals.reduce((a, b) => a + b, 0), 6);
      expect(s.max[f]).toBe(Math.max(...vals));
      expect(Array.from(s.hist.subarray(f * HIST_BINS, (f + 1) * HIST_BINS)).reduce((a, b) => a + b)).toBe(vals.length);
    }
    const l0 = Array.from({ length: R }, (_, r) => Array.from({ length: F }, (_, f) => at(r, f)).filter((v) => v !== 0).length);
    l0.forEach((n) => expect(s.l0Hist[n]).toBeGreaterThan(0));
    expect(s.l0Hist.reduce((a, b) => a + b)).toBe(R);
  });

  it('keeps the top examples with ±C tokens of context inside their document and the feature value on each', async () => {
    const C = 2;
    const s = await scanFeatures(source, async (a) => a, { features: F, topK: 5, context: C });
    for (let f = 0; f < F; f++) {
      const want = Array.from({ length: R }, (_, r) => ({ r, v: at(r, f) })).filter((x) => x.v !== 0).sort((a, b) => b.v - a.v || a.r - b.r).slice(0, 5);
      expect(s.top(f).map((e) => e.value)).toEqual(want.map((w) => w.v));
      for (const e of s.top(f)) {
        for (let o = -C; o <= C; o++) {
          const r = e.row + o;
          const inside = r >= 0 && r < R && doc[r] === doc[e.row];
          expect(e.tokens[C + o], `feature ${f} row ${e.row} offset ${o}`).toBe(inside ? 100 + r : -1);
          expect(e.acts[C + o]).toBe(inside ? at(r, f) : 0);
        }
      }
    }
  });

  it('samples examples from every occupied activation interval, each inside its interval', async () => {
    const s = await scanFeatures(source, async (a) => a, { features: F, quantileBins: 4, samplesPerBin: 2, context: 1 });
    for (let f = 0; f < F; f++) {
      const total = s.quantiles(f).reduce((n, q) => n + q.count, 0);
      expect(total).toBe(s.count[f]);
      for (const q of s.quantiles(f)) {
        expect(q.examples.length).toBe(Math.min(2, q.count));
        for (const e of q.examples) {
          expect(e.value).toBeGreaterThanOrEqual(q.lo);
          expect(e.value).toBeLessThanOrEqual(q.hi);
          expect(at(e.row, f)).toBe(e.value);
        }
      }
    }
  });
});

describe('scanFeatures slot reuse', () => {
  it('an example replaced before its right context arrived never receives the old one\'s context', async () => {
    // One feature, rising for 6 rows then falling: with topK 1 each rising row evicts the previous
    // while that one still waits for its right side.
    const vals = [1, 2, 3, 4, 5, 6, 0.5, 0.4, 0.3, 0.2];
    const source = async function* (): AsyncIterable<ActivationBatch> {
      yield { acts: Float32Array.from(vals), rows: vals.length, tokens: Int32Array.from(vals, (_, i) => 10 + i), doc: new Int32Array(vals.length) };
    };
    const s = await scanFeatures(source, async (a) => a, { features: 1, topK: 1, context: 3, quantileBins: 1, samplesPerBin: 1 });
    const [top] = s.top(0);
    expect(top!.value).toBe(6);
    expect(Array.from(top!.tokens)).toEqual([12, 13, 14, 15, 16, 17, 18]);
    expect(Array.from(top!.acts)).toEqual([3, 4, 5, 6, 0.5, 0.4, 0.3].map(Math.fround));
  });
});
