import { InvalidArgumentError, Rng } from '@deeplens/core';
import type { LanguageModelAdapter, RunOptions, RunOutput } from '../model-adapter.js';
import { checkSite, TRANSFORMER_SITES, type SiteRef, type TransformerSite } from '../sites.js';
import { logSoftmax, matmulRows } from './dense-math.js';
import { parseLlama2cCheckpoint } from './llama2c-checkpoint.js';
import { Llama2cModel } from './llama2c-model.js';
import { BOS, Llama2cTokenizer } from './llama2c-tokenizer.js';

export interface SampleOptions {
  /** Text the story starts with (tokenized after BOS); none: the model starts from BOS alone. */
  prompt?: string;
  /** Positions run, as llama2.c's `steps` (at most the context size): the story has up to steps + 1 tokens, BOS included. */
  steps: number;
  /** 0: greedy (argmax). */
  temperature?: number;
  /** Nucleus sampling: keep the smallest set of tokens whose probability reaches topP (1: all). */
  topP?: number;
  seed?: number;
}

/**
 * A llama2.c checkpoint (Karpathy's tinyllamas stories260K/15M/42M/110M, or any legacy-format
 * export) with its tokenizer, as a language-model adapter: sites `resid_pre`, `attn_out`,
 * `mlp_hidden` (the input of w2), `mlp_out`, `resid_post` of every layer, and next-token logits.
 */
export class Llama2cAdapter implements LanguageModelAdapter {
  readonly kind = 'language-model';
  readonly sites = TRANSFORMER_SITES;
  readonly bos = BOS;

  private constructor(
    readonly name: string,
    readonly model: Llama2cModel,
    readonly tokenizer: Llama2cTokenizer,
  ) {}

  static fromBytes(checkpoint: Uint8Array, tokenizer: Uint8Array, options: { name?: string; checkpointFile?: string; tokenizerFile?: string } = {}): Llama2cAdapter {
    const { config, weights } = parseLlama2cCheckpoint(checkpoint, options.checkpointFile);
    const tok = Llama2cTokenizer.parse(tokenizer, options.tokenizerFile);
    if (tok.vocabSize !== config.vocabSize) {
      throw new InvalidArgumentError(`the tokenizer has ${tok.vocabSize} tokens, the model's vocabulary ${config.vocabSize}`, {
        hint: 'pass the tokenizer the model was trained with (tok512.bin for stories260K, tokenizer.bin for stories15M/42M/110M)',
      });
    }
    return new Llama2cAdapter(`llama2c:${options.name ?? 'model'}`, new Llama2cModel(config, weights), tok);
  }

  get layers(): number {
    return this.model.config.nLayers;
  }

  get contextSize(): number {
    return this.model.config.seqLen;
  }

  get vocabSize(): number {
    return this.model.config.vocabSize;
  }

  siteWidth(site: SiteRef): number {
    checkSite(site, this.sites, this.layers, this.name);
    return this.model.siteWidth(site.site as TransformerSite);
  }

  tokenize(text: string): Int32Array {
    return this.tokenizer.encode(text, { bos: true });
  }

  tokenText(id: number): string {
    return this.tokenizer.piece(id);
  }

  decode(tokens: ArrayLike<number>): string {
    return this.tokenizer.decode(tokens);
  }

  async run(sequences: readonly Int32Array[], options: RunOptions = {}): Promise<RunOutput> {
    const hooks = options.hooks ?? [];
    for (const h of hooks) checkSite(h.site, this.sites, this.layers, this.name);
    const stopAfterLayer = options.logits ? undefined : Math.max(-1, ...hooks.map((h) => h.site.layer));
    if (stopAfterLayer === -1) return {};
    const logits: Float32Array[] = [];
    for (let sequence = 0; sequence < sequences.length; sequence++) {
      const tokens = sequences[sequence]!;
      if (tokens.length > this.contextSize) {
        throw new InvalidArgumentError(`sequence ${sequence} has ${tokens.length} tokens; ${this.name} takes at most ${this.contextSize}`, { hint: 'split long documents into windows (--context-size)' });
      }
      const at = hooks.length === 0 ? undefined : async (site: TransformerSite, layer: number, rows: Float32Array, positions: number) => {
        for (const h of hooks) {
          if (h.site.site === site && h.site.layer === layer) await h.hook(rows, { sequence, positions, width: this.model.siteWidth(site) });
        }
      };
      const out = await this.model.forward(tokens, 0, this.model.newCache(tokens.length), { ...(at ? { at } : {}), ...(stopAfterLayer !== undefined ? { stopAfterLayer } : {}) });
      if (out) logits.push(out);
    }
    return options.logits ? { logits } : {};
  }

  logitEffect(site: SiteRef, direction: Float32Array): Float32Array {
    const width = this.siteWidth(site);
    if (direction.length !== width) throw new InvalidArgumentError(`a direction at ${site.site} of layer ${site.layer} has ${width} values, got ${direction.length}`);
    const { dim, hiddenDim, vocabSize } = this.model.config;
    const w = this.model.weights;
    const resid = site.site === 'mlp_hidden' ? matmulRows(direction, w.layers[site.layer]!.w2, 1, hiddenDim, dim) : Float32Array.from(direction);
    for (let j = 0; j < dim; j++) resid[j] = resid[j]! * w.rmsFinal[j]!;
    return matmulRows(resid, w.classifier, 1, dim, vocabSize);
  }

  /** Sample a story as llama2.c's `generate` does: BOS, the prompt, then one token at a time until BOS or `steps`. */
  async sample(options: SampleOptions): Promise<Int32Array> {
    const steps = Math.min(options.steps, this.contextSize);
    if (!Number.isInteger(options.steps) || options.steps < 1) throw new InvalidArgumentError(`steps must be a positive integer, got ${options.steps}`);
    const temperature = options.temperature ?? 1;
    const topP = options.topP ?? 1;
    if (!(temperature >= 0)) throw new InvalidArgumentError(`temperature must be ≥ 0, got ${temperature}`);
    if (!(topP > 0 && topP <= 1)) throw new InvalidArgumentError(`topP must be in (0, 1], got ${topP}`);
    const rng = new Rng(options.seed ?? 0);
    const tokens = Array.from(options.prompt ? this.tokenize(options.prompt) : [BOS]).slice(0, steps);
    const cache = this.model.newCache(steps);
    let logits = (await this.model.forward(tokens, 0, cache))!;
    let row = tokens.length - 1;
    const vocab = this.vocabSize;
    while (tokens.length <= steps) {
      const next = temperature === 0 ? argmax(logits, row * vocab, vocab) : sampleToken(logits, row * vocab, vocab, temperature, topP, rng);
      if (next === BOS) break;
      tokens.push(next);
      if (tokens.length > steps) break;
      logits = (await this.model.forward([next], tokens.length - 1, cache))!;
      row = 0;
    }
    return Int32Array.from(tokens);
  }
}

function argmax(x: Float32Array, offset: number, n: number): number {
  let best = 0;
  for (let i = 1; i < n; i++) if (x[offset + i]! > x[offset + best]!) best = i;
  return best;
}

function sampleToken(logits: Float32Array, offset: number, n: number, temperature: number, topP: number, rng: Rng): number {
  const scaled = new Float32Array(n);
  for (let i = 0; i < n; i++) scaled[i] = logits[offset + i]! / temperature;
  const logp = logSoftmax(scaled, 0, n);
  let order = Array.from({ length: n }, (_, i) => i);
  if (topP < 1) {
    order.sort((a, b) => logp[b]! - logp[a]!);
    let mass = 0;
    let keep = 0;
    while (keep < n && mass < topP) mass += Math.exp(logp[order[keep++]!]!);
    order = order.slice(0, keep);
  }
  const total = order.reduce((s, i) => s + Math.exp(logp[i]!), 0);
  let u = rng.next() * total;
  for (const i of order) {
    u -= Math.exp(logp[i]!);
    if (u <= 0) return i;
  }
  return order[order.length - 1]!;
}
