import { InvalidArgumentError } from '../errors.js';
import { Rng } from '../random/rng.js';

export interface SyntheticFeaturesOptions {
  /** Width of the generated vectors (default 256). */
  dim?: number;
  /** Number of ground-truth features (default 512). */
  nFeatures?: number;
  /** Expected number of active features per sample (default 5). */
  meanActive?: number;
  /** Feature i fires with probability ∝ decay^i (default 0.99). */
  decay?: number;
  seed?: number;
}

/**
 * Toy data with known sparse structure (Sharkey, Braun & Millidge 2022): unit-norm ground-truth
 * directions in `dim` dimensions; each sample is a sum of a few of them with U[0, 1) coefficients,
 * feature i active with probability c·decay^i. An SAE trained on it should recover the directions.
 */
export class SyntheticFeatures {
  readonly dim: number;
  readonly nFeatures: number;
  /** Ground-truth directions, [nFeatures, dim], unit norm. */
  readonly features: Float32Array;
  /** Firing probability of each feature. */
  readonly probabilities: Float64Array;

  constructor(options: SyntheticFeaturesOptions = {}) {
    this.dim = options.dim ?? 256;
    this.nFeatures = options.nFeatures ?? 512;
    const decay = options.decay ?? 0.99;
    const meanActive = options.meanActive ?? 5;
    if (!(this.dim > 0 && this.nFeatures > 0 && decay > 0 && decay <= 1 && meanActive > 0)) {
      throw new InvalidArgumentError('SyntheticFeatures: dim, nFeatures and meanActive must be positive and decay in (0, 1]');
    }
    const rng = new Rng(options.seed ?? 0);
    this.features = new Float32Array(this.nFeatures * this.dim);
    for (let f = 0; f < this.nFeatures; f++) {
      let ss = 0;
      for (let j = 0; j < this.dim; j++) {
        const v = rng.normal();
        this.features[f * this.dim + j] = v;
        ss += v * v;
      }
      const norm = Math.sqrt(ss);
      for (let j = 0; j < this.dim; j++) this.features[f * this.dim + j] /= norm;
    }
    const raw = Float64Array.from({ length: this.nFeatures }, (_, i) => decay ** i);
    const total = raw.reduce((a, b) => a + b, 0);
    this.probabilities = raw.map((p) => Math.min(1, (p * meanActive) / total));
  }

  /** `rows` samples, [rows, dim] row-major. */
  sample(rows: number, rng: Rng): Float32Array {
    const out = new Float32Array(rows * this.dim);
    for (let r = 0; r < rows; r++) {
      for (let f = 0; f < this.nFeatures; f++) {
        if (rng.next() >= this.probabilities[f]!) continue;
        const c = rng.next();
        const o = r * this.dim;
        const fo = f * this.dim;
        for (let j = 0; j < this.dim; j++) out[o + j] += c * this.features[fo + j]!;
      }
    }
    return out;
  }
}

/**
 * Mean over ground-truth features of the largest cosine similarity with any learned direction
 * (MMCS). `learned` is [nLearned, dim] (e.g. W_dec); rows need not be unit norm.
 */
export function meanMaxCosineSimilarity(groundTruth: Float32Array, learned: Float32Array, dim: number): number {
  const nTrue = groundTruth.length / dim;
  const nLearned = learned.length / dim;
  const norms = new Float64Array(nLearned);
  for (let l = 0; l < nLearned; l++) {
    let ss = 0;
    for (let j = 0; j < dim; j++) ss += learned[l * dim + j]! ** 2;
    norms[l] = Math.sqrt(ss) || 1;
  }
  let total = 0;
  for (let t = 0; t < nTrue; t++) {
    let tn = 0;
    for (let j = 0; j < dim; j++) tn += groundTruth[t * dim + j]! ** 2;
    tn = Math.sqrt(tn) || 1;
    let best = -1;
    for (let l = 0; l < nLearned; l++) {
      let dot = 0;
      for (let j = 0; j < dim; j++) dot += groundTruth[t * dim + j]! * learned[l * dim + j]!;
      best = Math.max(best, dot / (tn * norms[l]!));
    }
    total += best;
  }
  return total / nTrue;
}
