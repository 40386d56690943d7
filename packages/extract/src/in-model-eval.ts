import { InvalidArgumentError } from '@deeplens/core';
import { logSoftmax } from './llama2c/dense-math.js';
import type { LanguageModelAdapter, SiteHook } from './model-adapter.js';
import type { SiteRef } from './sites.js';

/** Rows [positions, width] of one sequence in, their replacement out (same shape). */
export type Reconstruct = (rows: Float32Array, positions: number, width: number) => Promise<Float32Array>;

export interface InModelEvalOptions {
  adapter: LanguageModelAdapter;
  site: SiteRef;
  /** Token sequences (BOS first where the model uses one), each at most the context size. */
  sequences: readonly Int32Array[];
  /** The reconstructions to splice in at the site, one per SAE. */
  saes: ReadonlyArray<{ name: string; reconstruct: Reconstruct }>;
  /** Called after each sequence with the number done. */
  onProgress?: (done: number, total: number) => void;
}

/** Next-token loss of the model with the site replaced, against the clean model. */
export interface SpliceResult {
  /** Mean next-token cross-entropy (nats). */
  ce: number;
  /** Mean KL divergence KL(p_clean ‖ p_spliced) of the next-token distributions (nats). */
  kl: number;
}

export interface SaeSpliceResult extends SpliceResult {
  name: string;
  /** (CE_zero − CE_sae) / (CE_zero − CE_clean): 1 is the clean model, 0 no better than zero-ablation. */
  ceLossRecovered: number;
  /** The same with mean-ablation as the baseline. */
  ceLossRecoveredMean: number;
  /** CE_sae − CE_clean. */
  deltaLoss: number;
}

export interface InModelEvalResult {
  site: SiteRef;
  sequences: number;
  /** Next-token predictions scored (positions 0..T−2 of every sequence). */
  tokens: number;
  ceClean: number;
  zeroAblation: SpliceResult;
  meanAblation: SpliceResult;
  saes: SaeSpliceResult[];
}

/**
 * Judge SAEs by the model's own loss, as SAELens's evals define it: run held-out sequences through
 * the clean model, with the site replaced by each SAE's reconstruction, with the site zero-ablated
 * and with it mean-ablated (the site's mean over these sequences), and compare next-token
 * cross-entropy (every position but the last predicts the next token) and KL divergence to the
 * clean distribution over the same positions. One sequence at a time, so memory stays one
 * sequence's logits.
 */
export async function evaluateInModel(options: InModelEvalOptions): Promise<InModelEvalResult> {
  const { adapter, site, sequences } = options;
  const width = adapter.siteWidth(site);
  if (sequences.length === 0) throw new InvalidArgumentError('in-model evaluation needs at least one sequence of text');
  const mean = await siteMean(adapter, site, sequences, width);
  const vocab = adapter.vocabSize;
  const variants: Array<{ key: string; hook: SiteHook | null }> = [
    { key: 'clean', hook: null },
    { key: 'zero', hook: (rows) => void rows.fill(0) },
    { key: 'mean', hook: (rows, info) => { for (let r = 0; r < info.positions; r++) rows.set(mean, r * width); } },
    ...options.saes.map((s) => ({ key: `sae:${s.name}`, hook: (async (rows, info) => { rows.set(await s.reconstruct(rows, info.positions, info.width)); }) as SiteHook })),
  ];
  const ce = new Map(variants.map((v) => [v.key, 0]));
  const kl = new Map(variants.map((v) => [v.key, 0]));
  let tokens = 0;
  const logp = new Float64Array(vocab);
  for (let s = 0; s < sequences.length; s++) {
    const seq = sequences[s]!;
    if (seq.length < 2) continue;
    const predictions = seq.length - 1;
    // The clean model's log-probabilities of this sequence, kept for the KL of every splice.
    const clean = new Float64Array(predictions * vocab);
    for (const v of variants) {
      const out = await adapter.run([seq], { logits: true, ...(v.hook ? { hooks: [{ site, hook: v.hook }] } : {}) });
      const logits = out.logits![0]!;
      let ceSum = 0;
      let klSum = 0;
      for (let t = 0; t < predictions; t++) {
        if (v.key === 'clean') {
          const row = clean.subarray(t * vocab, (t + 1) * vocab);
          logSoftmax(logits, t * vocab, vocab, row);
          ceSum -= row[seq[t + 1]!]!;
          continue;
        }
        logSoftmax(logits, t * vocab, vocab, logp);
        ceSum -= logp[seq[t + 1]!]!;
        const o = t * vocab;
        for (let i = 0; i < vocab; i++) klSum += Math.exp(clean[o + i]!) * (clean[o + i]! - logp[i]!);
      }
      ce.set(v.key, ce.get(v.key)! + ceSum);
      kl.set(v.key, kl.get(v.key)! + klSum);
    }
    tokens += seq.length - 1;
    options.onProgress?.(s + 1, sequences.length);
  }
  if (tokens === 0) throw new InvalidArgumentError('in-model evaluation needs sequences of at least two tokens');
  const avg = (m: Map<string, number>, key: string) => m.get(key)! / tokens;
  const ceClean = avg(ce, 'clean');
  const zero = { ce: avg(ce, 'zero'), kl: avg(kl, 'zero') };
  const meanAbl = { ce: avg(ce, 'mean'), kl: avg(kl, 'mean') };
  return {
    site, sequences: sequences.length, tokens, ceClean, zeroAblation: zero, meanAblation: meanAbl,
    saes: options.saes.map((s) => {
      const c = avg(ce, `sae:${s.name}`);
      return { name: s.name, ce: c, kl: avg(kl, `sae:${s.name}`), ceLossRecovered: (zero.ce - c) / (zero.ce - ceClean), ceLossRecoveredMean: (meanAbl.ce - c) / (meanAbl.ce - ceClean), deltaLoss: c - ceClean };
    }),
  };
}

/** The site's mean activation over every position of the sequences (float64 sums). */
async function siteMean(adapter: LanguageModelAdapter, site: SiteRef, sequences: readonly Int32Array[], width: number): Promise<Float32Array> {
  const sum = new Float64Array(width);
  let rows = 0;
  const hook: SiteHook = (data, info) => {
    for (let r = 0; r < info.positions; r++) for (let j = 0; j < width; j++) sum[j]! += data[r * width + j]!;
    rows += info.positions;
  };
  await adapter.run(sequences, { hooks: [{ site, hook }] });
  return Float32Array.from(sum, (v) => v / rows);
}
