import { FileFormatError } from '@deeplens/core';

/** The hyperparameters in a llama2.c checkpoint's header. */
export interface Llama2cConfig {
  dim: number;
  hiddenDim: number;
  nLayers: number;
  nHeads: number;
  nKvHeads: number;
  vocabSize: number;
  seqLen: number;
  /** The output classifier is the token embedding (a positive vocab size in the header). */
  sharedClassifier: boolean;
}

/** One block's weights, row-major [out, in] as llama2.c stores them. */
export interface Llama2cLayerWeights {
  rmsAtt: Float32Array;
  wq: Float32Array;
  wk: Float32Array;
  wv: Float32Array;
  wo: Float32Array;
  rmsFfn: Float32Array;
  w1: Float32Array;
  w2: Float32Array;
  w3: Float32Array;
}

export interface Llama2cWeights {
  tokenEmbedding: Float32Array;
  layers: Llama2cLayerWeights[];
  rmsFinal: Float32Array;
  /** The unembedding, [vocab, dim]. */
  classifier: Float32Array;
}

const HEADER_INTS = 7;
/** Newer llama2.c exports start with this magic ("ak42"); only the legacy layout is read here. */
const VERSIONED_MAGIC = 0x616b3432;

/**
 * Parse a llama2.c checkpoint in the legacy layout (`run.c`'s format, which Karpathy's tinyllamas
 * stories260K/15M/42M/110M files use): 7 int32 header values, then float32 weights.
 */
export function parseLlama2cCheckpoint(bytes: Uint8Array, file = 'checkpoint'): { config: Llama2cConfig; weights: Llama2cWeights } {
  if (bytes.byteLength < HEADER_INTS * 4) throw new FileFormatError(file, `is ${bytes.byteLength} bytes, too short for a llama2.c checkpoint header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) === VERSIONED_MAGIC) {
    throw new FileFormatError(file, "is a versioned llama2.c export ('ak42' magic); this loader reads the legacy layout", {
      hint: "export the model with llama2.c's export.py --version 0 (the legacy format of run.c and the tinyllamas files)",
    });
  }
  const h = Array.from({ length: HEADER_INTS }, (_, i) => view.getInt32(i * 4, true));
  const [dim, hiddenDim, nLayers, nHeads, nKvHeads, rawVocab, seqLen] = h as [number, number, number, number, number, number, number];
  const config: Llama2cConfig = { dim, hiddenDim, nLayers, nHeads, nKvHeads, vocabSize: Math.abs(rawVocab), seqLen, sharedClassifier: rawVocab > 0 };
  const sane = dim > 0 && hiddenDim > 0 && nLayers > 0 && nHeads > 0 && nKvHeads > 0 && config.vocabSize > 0 && seqLen > 0 && dim % nHeads === 0 && nHeads % nKvHeads === 0;
  if (!sane) throw new FileFormatError(file, `has an invalid llama2.c header [${h.join(', ')}] (dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size, seq_len)`);
  const headSize = dim / nHeads;
  const kvDim = (dim * nKvHeads) / nHeads;
  const sizes = {
    emb: config.vocabSize * dim, rmsAtt: nLayers * dim, wq: nLayers * dim * dim, wk: nLayers * kvDim * dim, wv: nLayers * kvDim * dim,
    wo: nLayers * dim * dim, rmsFfn: nLayers * dim, w1: nLayers * hiddenDim * dim, w2: nLayers * dim * hiddenDim, w3: nLayers * hiddenDim * dim,
    rmsFinal: dim, freqCis: seqLen * headSize, cls: config.sharedClassifier ? 0 : config.vocabSize * dim,
  };
  const floats = Object.values(sizes).reduce((a, b) => a + b, 0);
  const expected = HEADER_INTS * 4 + floats * 4;
  if (bytes.byteLength !== expected) {
    throw new FileFormatError(file, `is ${bytes.byteLength} bytes; a legacy llama2.c checkpoint with header [${h.join(', ')}] has ${expected}`, {
      hint: 'the file is truncated, or not a llama2.c checkpoint',
    });
  }
  // Float32Array views need 4-byte alignment: copy once if the bytes do not start on one.
  const aligned = bytes.byteOffset % 4 === 0 ? bytes : bytes.slice();
  let offset = aligned.byteOffset + HEADER_INTS * 4;
  const take = (n: number): Float32Array => {
    const a = new Float32Array(aligned.buffer, offset, n);
    offset += n * 4;
    return a;
  };
  const perLayer = (total: number): Float32Array[] => {
    const all = take(total);
    const n = total / nLayers;
    return Array.from({ length: nLayers }, (_, l) => all.subarray(l * n, (l + 1) * n));
  };
  const tokenEmbedding = take(sizes.emb);
  const rmsAtt = perLayer(sizes.rmsAtt);
  const wq = perLayer(sizes.wq);
  const wk = perLayer(sizes.wk);
  const wv = perLayer(sizes.wv);
  const wo = perLayer(sizes.wo);
  const rmsFfn = perLayer(sizes.rmsFfn);
  const w1 = perLayer(sizes.w1);
  const w2 = perLayer(sizes.w2);
  const w3 = perLayer(sizes.w3);
  const rmsFinal = take(sizes.rmsFinal);
  take(sizes.freqCis); // the legacy rotary table: recomputed, as run.c does
  const classifier = config.sharedClassifier ? tokenEmbedding : take(sizes.cls);
  const layers = Array.from({ length: nLayers }, (_, l) => ({
    rmsAtt: rmsAtt[l]!, wq: wq[l]!, wk: wk[l]!, wv: wv[l]!, wo: wo[l]!, rmsFfn: rmsFfn[l]!, w1: w1[l]!, w2: w2[l]!, w3: w3[l]!,
  }));
  return { config, weights: { tokenEmbedding, layers, rmsFinal, classifier } };
}
