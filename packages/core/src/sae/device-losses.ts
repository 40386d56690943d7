import type { Backend } from '../backend/backend.js';
import type { Tensor } from '../backend/tensor.js';
import type { SaeConfig } from './sae-config.js';

export interface LossTerms {
  /** mse, plus betaL1 · l1 in L1 mode. */
  total: number;
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
}

/** The order of the sums in `DeviceLosses.pack()`. */
export const PACKED_LOSS_SUMS = ['sumSquaredError', 'sumAbsZ', 'nonZero'] as const;

/**
 * A batch's loss terms still on the backend, so a training step need not wait for them: read them
 * (one host read) only on the steps that report them. The owner disposes it.
 */
export class DeviceLosses {
  readonly #backend: Backend;
  readonly #config: SaeConfig;
  readonly #sums: LossSums;
  readonly rows: number;

  constructor(backend: Backend, config: SaeConfig, rows: number, sums: LossSums) {
    this.#backend = backend;
    this.#config = config;
    this.rows = rows;
    this.#sums = sums;
  }

  /** The [1] sum tensors and the [F] firing counts (owned by this object). */
  get sums(): Readonly<LossSums> {
    return this.#sums;
  }

  /** [Σ(x̂ − x)², Σ|z|, non-zero count] as one new [3] tensor (the caller disposes it); see `termsFrom`. */
  pack(): Tensor {
    return this.#backend.concat(PACKED_LOSS_SUMS.map((k) => this.#sums[k]));
  }

  /** The loss terms from the three packed sums, read back. */
  termsFrom(packed: ArrayLike<number>): LossTerms {
    return lossTermsFromSums(this.#config, this.rows, packed[0]!, packed[1]!, packed[2]!);
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

export function lossTermsFromSums(config: SaeConfig, rows: number, sse: number, sumAbs: number, nonZero: number): LossTerms {
  const mse = sse / (rows * config.inputDims);
  const l1 = sumAbs / (rows * config.nFeatures);
  // TopK configs have no beta_l1 (a config rule), so this is the MSE there.
  const total = mse + (config.betaL1 ?? 0) * l1;
  return { total, mse, l1, nonZeroFrac: nonZero / (rows * config.nFeatures), rows, sumSquaredError: sse };
}

export function disposeLossSums(t: LossSums): void {
  t.sumSquaredError.dispose();
  t.sumAbsZ.dispose();
  t.nonZero.dispose();
  t.firing?.dispose();
}
