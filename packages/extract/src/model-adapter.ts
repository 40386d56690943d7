import type { SiteName, SiteRef } from './sites.js';

/**
 * A hook on one site: it sees the site's rows [positions, width] of one sequence (row-major, the
 * sequence's positions in order) and may overwrite them in place, which changes everything
 * downstream (e.g. an SAE's reconstruction in place of the activation).
 */
export type SiteHook = (rows: Float32Array, info: { sequence: number; positions: number; width: number }) => void | Promise<void>;

export interface RunOptions {
  /** Hooks keyed by site; each is called once per sequence. */
  hooks?: ReadonlyArray<{ site: SiteRef; hook: SiteHook }>;
  /** Also return the next-token logits [positions, vocab] of each sequence (language models). */
  logits?: boolean;
}

export interface RunOutput {
  /** Per sequence, when `logits` was asked for. */
  logits?: Float32Array[];
}

/**
 * What DeepLens needs from a model to extract activations from it: its tokenizer, its sites, and a
 * forward pass with hooks. Implement it to extract from your own model; `Llama2cAdapter` and the
 * TensorFlow.js graph adapter are the two that ship.
 */
export interface ModelAdapter {
  /** Model name as written in manifests (e.g. `llama2c:stories260K`). */
  readonly name: string;
  readonly layers: number;
  readonly sites: readonly SiteName[];
  /** Longest sequence one forward pass takes (tokens, BOS included). */
  readonly contextSize: number;
  /** Token id prepended to every sequence, or null if the model has none. */
  readonly bos: number | null;
  readonly vocabSize: number;
  siteWidth(site: SiteRef): number;
  /** Token ids of a document (BOS included where the model uses one). */
  tokenize(text: string): Int32Array;
  /** A token's text, for display. */
  tokenText(id: number): string;
  /** Text of a token sequence. */
  decode(tokens: ArrayLike<number>): string;
  run(sequences: readonly Int32Array[], options: RunOptions): Promise<RunOutput>;
}

/** A model with an unembedding: next-token logits, so the SAE can be judged by the model's loss. */
export interface LanguageModelAdapter extends ModelAdapter {
  readonly kind: 'language-model';
  /**
   * The direct effect on the next-token logits [vocab] of adding `direction` (in the site's own
   * units) at the site: the path to the unembedding through what follows linearly (for an MLP's
   * hidden site, its down projection), the final norm's weights and the unembedding; the norm's
   * scale and later blocks are left out, as in feature dashboards' logit tables.
   */
  logitEffect(site: SiteRef, direction: Float32Array): Float32Array;
}

export const isLanguageModel = (m: ModelAdapter): m is LanguageModelAdapter => (m as Partial<LanguageModelAdapter>).kind === 'language-model';
