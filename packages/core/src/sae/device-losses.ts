import type { Backend } from '../backend/backend.js';
import type { Tensor } from '../backend/tensor.js';
import type { SaeConfig } from './sae-config.js';
import { usesVariantGraph } from './architecture.js';

export interface LossTerms {
  /**
   * The loss the gradients are of: mse (+ betaL1 · l1 in L1 mode), or for the other architectures
   * the mean prefix MSE (Matryoshka) plus the sparsity penalty (JumpReLU) and AuxK.
   */
  total: number;
  /** The AuxK term (included in total), when AuxK ran. */
  aux?: number;
  /** Mean squared error over batch × d. */
  mse: number;
  /** Mean |z| over batch × F, before betaL1 (reported in both modes; only L1 mode adds it to total). */
  l1: number;
  /** Fraction of non-zero latents over batch × F. */
  nonZeroFrac: number;
  /** Rows in the batch. */
  rows: number;
  /** Sum of squared reconstruction errors over the batch (mse · rows · d). */
  sumSquaredError: number;
  /** Per latent, how many rows of the batch it was non-zero in (when asked for with `firing`). */
  firing?: Float32Array;
}

/** The sums a batch's loss terms are made of, as [1] tensors on the backend. */
export interface LossSums {
  sumSquaredError: Tensor;
  sumAbsZ: Tensor;
  nonZero: Tensor;
  /** Shape `[F]`: rows each latent fired in. */
  firing?: Tensor;
  /** The whole loss, when the graph computes more than DeepLens's terms (variant-graph.ts). */
  objective?: Tensor;
  /** The AuxK term. */
  aux?: Tensor;
  /** BatchTopK training: the smallest kept activation of the batch (−1: none), for the threshold estimate. */
  minKept?: Tensor;
}

/** The order of the sums in `DeviceLosses.pack()` (absent ones are packed as 0). */
export const PACKED_LOSS_SUMS = ['sumSquaredError', 'sumAbsZ', 'nonZero', 'objective', 'aux'] as const;

/**
 * A batch's loss terms still on the backend, so a training step need not wait for them: read them
 * (one host read) only on the steps that report them. The owner disposes it.
 */
export class DeviceLosses {
  readonly #backend: Backend;
  readonly #config: SaeConfig;
  readonly #sums: LossSums;
  readonly rows: number;

  readonly #penaltyScale: number;

  constructor(backend: Backend, config: SaeConfig, rows: number, sums: LossSums, options: { penaltyScale?: number } = {}) {
    this.#backend = backend;
    this.#config = config;
    this.rows = rows;
    this.#sums = sums;
    this.#penaltyScale = options.penaltyScale ?? 1;
  }

  /** The [1] sum tensors and the [F] firing counts (owned by this object). */
  get sums(): Readonly<LossSums> {
    return this.#sums;
  }

  /** [Σ(x̂ − x)², Σ|z|, non-zero count, objective, aux] as one new [5] tensor (the caller disposes it); see `termsFrom`. */
  pack(): Tensor {
    const b = this.#backend;
    const zeros: Tensor[] = [];
    try {
      return b.concat(PACKED_LOSS_SUMS.map((k) => this.#sums[k] ?? (zeros[zeros.push(b.zeros([1])) - 1] as Tensor)));
    } finally {
      for (const t of zeros) t.dispose();
    }
  }

  /** The loss terms from the packed sums, read back. */
  termsFrom(packed: ArrayLike<number>): LossTerms {
    const terms = lossTermsFromSums(this.#config, this.rows, packed[0]!, packed[1]!, packed[2]!, this.#penaltyScale);
    if (this.#sums.objective) terms.total = packed[3]!;
    if (this.#sums.aux) terms.aux = packed[4]!;
    return terms;
  }

  /** Reads the loss terms (one read, two with firing counts). */
  async read(): Promise<LossTerms> {
    const packed = this.pack();
    try {
      const terms = this.termsFrom(await this.#backend.read(packed));
      if (this.#sums.firing) terms.firing = (await this.#backend.read(this.#sums.firing)) as Float32Array;
      return terms;
    } finally {
      packed.dispose();
    }
  }

  dispose(): void {
    disposeLossSums(this.#sums);
  }
}

export function lossTermsFromSums(config: SaeConfig, rows: number, sse: number, sumAbs: number, nonZero: number, penaltyScale = 1): LossTerms {
  const mse = sse / (rows * config.inputDims);
  const l1 = sumAbs / (rows * config.nFeatures);
  // TopK configs have no beta_l1 (a config rule), so this is the MSE there; the variant graph's
  // total comes packed (`objective`).
  const total = mse + (usesVariantGraph(config) ? 0 : (config.betaL1 ?? 0) * penaltyScale * l1);
  return { total, mse, l1, nonZeroFrac: nonZero / (rows * config.nFeatures), rows, sumSquaredError: sse };
}

export function disposeLossSums(t: LossSums): void {
  t.sumSquaredError.dispose();
  t.sumAbsZ.dispose();
  t.nonZero.dispose();
  t.firing?.dispose();
  t.objective?.dispose();
  t.aux?.dispose();
  t.minKept?.dispose();
}
