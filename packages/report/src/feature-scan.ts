import { InvalidArgumentError, Rng } from '@deeplens/core';
import { ContextTracker, type FeatureExample } from './context-tracker.js';
import { ExamplePool } from './example-pool.js';

/** Rows of activations in dataset order, with the token each row belongs to and its document. */
export interface ActivationBatch {
  acts: Float32Array;
  rows: number;
  tokens: Int32Array;
  doc: Int32Array;
}

/** The SAE's latents [rows, features] (dense; zero where a latent is off) for raw activation rows. */
export type Encoder = (acts: Float32Array, rows: number) => Promise<Float32Array>;

export interface FeatureScanOptions {
  features: number;
  /** Top activating examples kept per feature (default 20). */
  topK?: number;
  /** Tokens of context on each side of an example (default 5). */
  context?: number;
  /** Equal-width activation intervals of (0, max] sampled per feature (default 10). */
  quantileBins?: number;
  /** Examples sampled uniformly per interval (reservoir sampling; default 3). */
  samplesPerBin?: number;
  seed?: number;
  onProgress?: (pass: 1 | 2, rows: number) => void;
}

/** log10 |activation| histogram range shared by every feature. */
export const HIST_LOG10_RANGE = [-3, 3] as const;
export const HIST_BINS = 48;

export interface QuantileBin {
  lo: number;
  hi: number;
  count: number;
  examples: FeatureExample[];
}

export interface FeatureStats {
  features: number;
  rows: number;
  /** Rows each feature is active (≠ 0) in. */
  count: Float64Array;
  sum: Float64Array;
  max: Float32Array;
  /** [features × HIST_BINS] counts of log10 |activation| over HIST_LOG10_RANGE (clamped). */
  hist: Uint32Array;
  /** Rows with each L0 (index = active features in the row). */
  l0Hist: number[];
  /** A feature's top examples, largest first (views into the shared example store). */
  top(f: number): FeatureExample[];
  /** A feature's equal-width activation intervals with their sampled examples. */
  quantiles(f: number): QuantileBin[];
}

/**
 * Per-feature statistics in two streaming passes over the activations (memory: the heaps and
 * reservoirs, never the dataset): density, activation histogram, the L0 distribution and the top
 * activating examples with context (pass 1), then examples sampled from equal-width intervals of
 * each feature's activation range (pass 2, which needs pass 1's maxima).
 */
export async function scanFeatures(source: () => AsyncIterable<ActivationBatch>, encode: Encoder, options: FeatureScanOptions): Promise<FeatureStats> {
  const F = options.features;
  const topK = options.topK ?? 20;
  const C = options.context ?? 5;
  const bins = options.quantileBins ?? 10;
  const per = options.samplesPerBin ?? 3;
  const count = new Float64Array(F);
  const sum = new Float64Array(F);
  const max = new Float32Array(F);
  const hist = new Uint32Array(F * HIST_BINS);
  const l0Hist: number[] = [];
  const [lo, hi] = HIST_LOG10_RANGE;
  // Every feature's top examples live in slots f·topK … f·topK + topK − 1 of one pool, ordered as a
  // min-heap (by value) in heap[]; a full heap reuses its root's slot for the example that beats it.
  const topPool = new ExamplePool(F * topK, C);
  const heap = new Int32Array(F * topK);
  const heapSize = new Int32Array(F);
  const less = (a: number, b: number) => topPool.value[a]! < topPool.value[b]!;
  const siftUp = (base: number, i: number) => {
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!less(heap[base + i]!, heap[base + p]!)) break;
      [heap[base + i], heap[base + p]] = [heap[base + p]!, heap[base + i]!];
      i = p;
    }
  };
  const siftDown = (base: number, n: number) => {
    for (let i = 0; ;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < n && less(heap[base + l]!, heap[base + m]!)) m = l;
      if (r < n && less(heap[base + r]!, heap[base + m]!)) m = r;
      if (m === i) return;
      [heap[base + i], heap[base + m]] = [heap[base + m]!, heap[base + i]!];
      i = m;
    }
  };
  let rows = 0;

  const pass = async (which: 1 | 2, tracker: ContextTracker, onActive: (f: number, v: number) => void) => {
    let row = 0;
    for await (const b of source()) {
      const z = await encode(b.acts, b.rows);
      if (z.length !== b.rows * F) throw new InvalidArgumentError(`the encoder gave ${z.length} values for ${b.rows} rows of ${F} features`);
      for (let r = 0; r < b.rows; r++, row++) {
        const o = r * F;
        let n = 0;
        for (let f = 0; f < F; f++) if (z[o + f] !== 0) n++;
        const idx = new Int32Array(n);
        const val = new Float32Array(n);
        n = 0;
        for (let f = 0; f < F; f++) {
          const v = z[o + f]!;
          if (v !== 0) {
            idx[n] = f;
            val[n++] = v;
          }
        }
        tracker.beginRow(row, b.doc[r]!, b.tokens[r]!, idx, val);
        if (which === 1) l0Hist[n] = (l0Hist[n] ?? 0) + 1;
        for (let i = 0; i < n; i++) onActive(idx[i]!, val[i]!);
      }
      options.onProgress?.(which, row);
    }
    return row;
  };

  const topTracker = new ContextTracker(topPool);
  rows = await pass(1, topTracker, (f, v) => {
    count[f]! += 1;
    sum[f]! += v;
    if (v > max[f]!) max[f] = v;
    const bin = Math.min(HIST_BINS - 1, Math.max(0, Math.floor(((Math.log10(Math.abs(v)) - lo) / (hi - lo)) * HIST_BINS)));
    hist[f * HIST_BINS + bin]! += 1;
    if (topK === 0) return;
    const base = f * topK;
    const size = heapSize[f]!;
    if (size < topK) {
      heap[base + size] = base + size;
      topTracker.example(base + size, f, v);
      heapSize[f] = size + 1;
      siftUp(base, size);
    } else if (v > topPool.value[heap[base]!]!) {
      topTracker.example(heap[base]!, f, v);
      siftDown(base, topK);
    }
  });
  for (let i = 0; i < l0Hist.length; i++) l0Hist[i] ??= 0;

  // Interval samples: slot ((f·bins + b)·per + j); reservoir sampling within each interval.
  const rng = new Rng(options.seed ?? 0);
  const qPool = new ExamplePool(F * bins * per, C);
  const qCount = new Float64Array(F * bins);
  const qTracker = new ContextTracker(qPool);
  await pass(2, qTracker, (f, v) => {
    if (!(max[f]! > 0) || v <= 0 || per === 0) return;
    const cell = f * bins + Math.min(bins - 1, Math.floor((v / max[f]!) * bins));
    const seen = ++qCount[cell]!;
    if (seen <= per) qTracker.example(cell * per + seen - 1, f, v);
    else {
      const j = rng.int(seen);
      if (j < per) qTracker.example(cell * per + j, f, v);
    }
  });
  return {
    features: F, rows, count, sum, max, hist, l0Hist,
    top: (f) => Array.from({ length: heapSize[f]! }, (_, i) => topPool.example(heap[f * topK + i]!)).sort((a, b) => b.value - a.value || a.row - b.row),
    quantiles: (f) => Array.from({ length: bins }, (_, b) => {
      const cell = f * bins + b;
      return {
        lo: (max[f]! * b) / bins, hi: (max[f]! * (b + 1)) / bins, count: qCount[cell]!,
        examples: Array.from({ length: Math.min(per, qCount[cell]!) }, (_, j) => qPool.example(cell * per + j)),
      };
    }),
  };
}
