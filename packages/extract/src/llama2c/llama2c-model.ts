import { InvalidArgumentError } from '@deeplens/core';
import type { TransformerSite } from '../sites.js';
import { matmulRows, rmsNormRows } from './dense-math.js';
import type { Llama2cConfig, Llama2cWeights } from './llama2c-checkpoint.js';

const RMS_EPS = 1e-5;
const ROPE_THETA = 10000;

/** Keys and values of the positions run so far, per layer ([maxLen, kvDim] each). */
export interface KvCache {
  keys: Float32Array[];
  values: Float32Array[];
  maxLen: number;
}

export interface BlockHooks {
  /** Called with [rows, width] of the positions just run; may overwrite them in place. */
  at?: (site: TransformerSite, layer: number, rows: Float32Array, positions: number) => void | Promise<void>;
  /** Stop after this block and skip the unembedding (extraction needs no logits). */
  stopAfterLayer?: number;
}

/**
 * The Llama-2 forward pass of llama2.c's run.c: RMSNorm, grouped-query attention with rotary
 * embeddings on interleaved pairs, SwiGLU MLP, tied or separate classifier. Runs a block of
 * consecutive positions at once against a KV cache, so a whole sequence (extraction, evaluation)
 * and one token at a time (sampling) use the same code.
 */
export class Llama2cModel {
  readonly headSize: number;
  readonly kvDim: number;

  constructor(
    readonly config: Llama2cConfig,
    readonly weights: Llama2cWeights,
  ) {
    this.headSize = config.dim / config.nHeads;
    this.kvDim = (config.dim * config.nKvHeads) / config.nHeads;
  }

  siteWidth(site: TransformerSite): number {
    return site === 'mlp_hidden' ? this.config.hiddenDim : this.config.dim;
  }

  newCache(maxLen = this.config.seqLen): KvCache {
    const n = this.config.nLayers;
    return { keys: Array.from({ length: n }, () => new Float32Array(maxLen * this.kvDim)), values: Array.from({ length: n }, () => new Float32Array(maxLen * this.kvDim)), maxLen };
  }

  /**
   * Run `tokens` at positions start..start+n−1 (earlier positions must be in `cache`). Returns the
   * logits [n, vocab], or null when `hooks.stopAfterLayer` ended the pass early.
   */
  async forward(tokens: ArrayLike<number>, start: number, cache: KvCache, hooks: BlockHooks = {}): Promise<Float32Array | null> {
    const { dim, hiddenDim, nLayers, vocabSize } = this.config;
    const n = tokens.length;
    if (start + n > cache.maxLen) {
      throw new InvalidArgumentError(`positions ${start}..${start + n - 1} do not fit a context of ${cache.maxLen} tokens`, { hint: 'use a shorter --context-size or split the text' });
    }
    const x = new Float32Array(n * dim);
    for (let r = 0; r < n; r++) {
      const t = tokens[r]!;
      if (!Number.isInteger(t) || t < 0 || t >= vocabSize) throw new InvalidArgumentError(`token id ${t} is outside the vocabulary of ${vocabSize}`);
      x.set(this.weights.tokenEmbedding.subarray(t * dim, (t + 1) * dim), r * dim);
    }
    const at = hooks.at;
    const last = hooks.stopAfterLayer ?? nLayers - 1;
    for (let l = 0; l <= last; l++) {
      const w = this.weights.layers[l]!;
      if (at) await at('resid_pre', l, x, n);
      const xb = rmsNormRows(x, w.rmsAtt, n, dim, RMS_EPS);
      const q = matmulRows(xb, w.wq, n, dim, dim);
      const k = matmulRows(xb, w.wk, n, dim, this.kvDim);
      const v = matmulRows(xb, w.wv, n, dim, this.kvDim);
      this.#rope(q, dim, start, n);
      this.#rope(k, this.kvDim, start, n);
      cache.keys[l]!.set(k, start * this.kvDim);
      cache.values[l]!.set(v, start * this.kvDim);
      const att = this.#attention(q, cache.keys[l]!, cache.values[l]!, start, n);
      const attnOut = matmulRows(att, w.wo, n, dim, dim);
      if (at) await at('attn_out', l, attnOut, n);
      for (let i = 0; i < x.length; i++) x[i]! += attnOut[i]!;
      const xf = rmsNormRows(x, w.rmsFfn, n, dim, RMS_EPS);
      const h1 = matmulRows(xf, w.w1, n, dim, hiddenDim);
      const h3 = matmulRows(xf, w.w3, n, dim, hiddenDim);
      for (let i = 0; i < h1.length; i++) {
        const a = h1[i]!;
        h1[i] = (a / (1 + Math.exp(-a))) * h3[i]!;
      }
      if (at) await at('mlp_hidden', l, h1, n);
      const mlpOut = matmulRows(h1, w.w2, n, hiddenDim, dim);
      if (at) await at('mlp_out', l, mlpOut, n);
      for (let i = 0; i < x.length; i++) x[i]! += mlpOut[i]!;
      if (at) await at('resid_post', l, x, n);
    }
    if (hooks.stopAfterLayer !== undefined) return null;
    const xn = rmsNormRows(x, this.weights.rmsFinal, n, dim, RMS_EPS);
    return matmulRows(xn, this.weights.classifier, n, dim, vocabSize);
  }

  /** cos and sin of pos · 10000^(−2j/head) for pair j of a head, per position (filled as positions are first used). */
  #ropeCos = new Float64Array(0);
  #ropeSin = new Float64Array(0);

  #ropeTable(upTo: number): void {
    const half = this.headSize / 2;
    const have = this.#ropeCos.length / half;
    if (upTo <= have) return;
    const cos = new Float64Array(upTo * half);
    const sin = new Float64Array(upTo * half);
    cos.set(this.#ropeCos);
    sin.set(this.#ropeSin);
    for (let pos = have; pos < upTo; pos++) {
      for (let j = 0; j < half; j++) {
        const angle = pos / ROPE_THETA ** ((2 * j) / this.headSize);
        cos[pos * half + j] = Math.cos(angle);
        sin[pos * half + j] = Math.sin(angle);
      }
    }
    this.#ropeCos = cos;
    this.#ropeSin = sin;
  }

  /** Rotate interleaved pairs (i, i+1) of each head by pos · 10000^(−(i mod head)/head). */
  #rope(v: Float32Array, width: number, start: number, n: number): void {
    const hs = this.headSize;
    const half = hs / 2;
    this.#ropeTable(start + n);
    const cosT = this.#ropeCos;
    const sinT = this.#ropeSin;
    for (let r = 0; r < n; r++) {
      const o = r * width;
      const t = (start + r) * half;
      for (let i = 0; i < width; i += 2) {
        const j = t + ((i % hs) >> 1);
        const c = cosT[j]!;
        const s = sinT[j]!;
        const a = v[o + i]!;
        const b = v[o + i + 1]!;
        v[o + i] = a * c - b * s;
        v[o + i + 1] = a * s + b * c;
      }
    }
  }

  /** Causal grouped-query attention of the n new positions over every cached position up to each. */
  #attention(q: Float32Array, keys: Float32Array, values: Float32Array, start: number, n: number): Float32Array {
    const { dim, nHeads, nKvHeads } = this.config;
    const hs = this.headSize;
    const kvDim = this.kvDim;
    const group = nHeads / nKvHeads;
    const out = new Float32Array(n * dim);
    const scores = new Float64Array(start + n);
    const acc = new Float64Array(hs);
    const scale = 1 / Math.sqrt(hs);
    for (let r = 0; r < n; r++) {
      const t = start + r;
      for (let h = 0; h < nHeads; h++) {
        const qo = r * dim + h * hs;
        const ko = Math.floor(h / group) * hs;
        let max = -Infinity;
        for (let s = 0; s <= t; s++) {
          const kOff = s * kvDim + ko;
          let dot = 0;
          for (let i = 0; i < hs; i++) dot += q[qo + i]! * keys[kOff + i]!;
          const score = dot * scale;
          scores[s] = score;
          if (score > max) max = score;
        }
        let sum = 0;
        for (let s = 0; s <= t; s++) {
          scores[s] = Math.exp(scores[s]! - max);
          sum += scores[s]!;
        }
        acc.fill(0);
        for (let s = 0; s <= t; s++) {
          const w = scores[s]!;
          const vo = s * kvDim + ko;
          for (let i = 0; i < hs; i++) acc[i]! += w * values[vo + i]!;
        }
        for (let i = 0; i < hs; i++) out[qo + i] = acc[i]! / sum;
      }
    }
    return out;
  }
}
