import { addInPlace } from '../backend/add-in-place.js';
import type { Backend, MatmulPrecision } from '../backend/backend.js';
import { shapeToString, type Shape, type Tensor } from '../backend/tensor.js';
import { InvalidArgumentError, ModelFileError, ShapeMismatchError } from '../errors.js';
import { Rng } from '../random/rng.js';
import { generateSaeParams } from './init-params.js';
import { resolveSaeConfig, type SaeConfig, type SaeConfigInput } from './sae-config.js';
import { addBDecInputTerm, firingCounts, saeBackward, saeForward, saeLossTensors, type ForwardCache, type ForwardOptions, type LossTensors } from './sae-graph.js';
import { saeParamShapes, type SaeParamName } from './sae-params.js';

export interface ForwardOutput {
  /** Reconstruction [B, d]. */
  xHat: Tensor;
  /** Sparse latents [B, F] (dense layout; zeros where TopK dropped a latent). */
  z: Tensor;
  /** Activations before the TopK mask [B, F]. */
  zPre: Tensor;
}

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

export interface LossOptions {
  precision?: MatmulPrecision;
  /** Also count, per latent, the rows it fired in (for dead-latent tracking). */
  firing?: boolean;
}

export interface GradientOptions extends LossOptions {
  /**
   * Take each gradient as the backward pass finishes it, instead of in the returned map (which is
   * then empty): the decoder weights' before the encoder weights' is made, so an optimiser applied
   * here (`Optimizer.beginStep`) keeps one weight-sized gradient alive instead of two — the
   * "optimizer step in backward" of PyTorch. The callback owns each tensor (disposes it, also
   * when it throws); the backward pass no longer reads that parameter, so it may be updated in
   * place. With it, the loss terms are read before the backward pass (see `beforeBackward`).
   */
  onGradient?: (name: SaeParamName, grad: Tensor) => void;
  /**
   * With `onGradient`: called with the loss terms before any gradient exists; throw here to stop
   * the step before anything is updated (e.g. on a non-finite loss).
   */
  beforeBackward?: (losses: LossTerms) => void;
}

export interface LossAndGrads {
  losses: LossTerms;
  /** Gradient of `losses.total` for every parameter (none with `onGradient`); the caller disposes them. */
  grads: Map<SaeParamName, Tensor>;
}

export interface CreateSaeOptions {
  backend: Backend;
  config: SaeConfigInput;
  /** Seed for initialisation (default 42, the trainer's default). */
  seed?: number;
  /** Use this generator instead of a seed (the trainer shares one across init and data). */
  rng?: Rng;
}

export interface SaeFromArraysOptions {
  backend: Backend;
  config: SaeConfigInput;
  params: ReadonlyMap<string, Float32Array> | Readonly<Record<string, Float32Array>>;
  /** Where the arrays came from, for error messages. */
  source?: string;
}

/** The sparse autoencoder of DeepLens, on any backend. Parameters live on the backend. */
export class SparseAutoencoder {
  readonly config: SaeConfig;
  readonly backend: Backend;
  readonly #params: Map<SaeParamName, Tensor>;

  private constructor(backend: Backend, config: SaeConfig, params: Map<SaeParamName, Tensor>) {
    this.backend = backend;
    this.config = config;
    this.#params = params;
  }

  static create(options: CreateSaeOptions): SparseAutoencoder {
    const config = resolveSaeConfig(options.config);
    const rng = options.rng ?? new Rng(options.seed ?? 42);
    // Each parameter is uploaded as it is made, through one reused array: a model of a few hundred
    // MiB does not also exist whole in JavaScript memory while the backend fills up.
    const shapes = saeParamShapes(config);
    const params = new Map<SaeParamName, Tensor>();
    try {
      generateSaeParams(config, rng, (name, data) => params.set(name, options.backend.fromArray(data, shapes.get(name)!)), true);
    } catch (error) {
      for (const t of params.values()) t.dispose();
      throw error;
    }
    return new SparseAutoencoder(options.backend, config, params);
  }

  /** Build a model from parameter arrays (SAELens names and orientation). */
  static fromArrays(options: SaeFromArraysOptions): SparseAutoencoder {
    const config = resolveSaeConfig(options.config);
    const source = options.source ?? 'parameters';
    const get = (name: string): Float32Array | undefined =>
      options.params instanceof Map ? options.params.get(name) : (options.params as Record<string, Float32Array>)[name];
    const params = new Map<SaeParamName, Tensor>();
    for (const [name, shape] of saeParamShapes(config)) {
      const data = get(name);
      if (!data) {
        throw new ModelFileError(source, `tensor '${name}' is missing (expected shape ${shapeToString(shape)})`, { tensor: name });
      }
      const n = shape.reduce((a, b) => a * b, 1);
      if (data.length !== n) {
        throw new ModelFileError(source, `tensor '${name}' has ${data.length} values, expected shape ${shapeToString(shape)} (${n} values)`, { tensor: name });
      }
      params.set(name, options.backend.fromArray(data, shape));
    }
    return new SparseAutoencoder(options.backend, config, params);
  }

  get paramNames(): SaeParamName[] {
    return [...this.#params.keys()];
  }

  /** The live parameter tensors (owned by the model; do not dispose). */
  get params(): ReadonlyMap<SaeParamName, Tensor> {
    return this.#params;
  }

  param(name: SaeParamName): Tensor {
    const t = this.#params.get(name);
    if (!t) throw new InvalidArgumentError(`this model has no parameter '${name}' (it has ${this.paramNames.join(', ')})`);
    return t;
  }

  readonly #lookup = (name: SaeParamName): Tensor => this.param(name);

  /** Forward pass for analysis. The caller disposes the three outputs. */
  forward(x: Tensor): ForwardOutput {
    const cache = this.#forward(x, 'float32', { dense: true });
    try {
      const b = this.backend;
      const z = cache.sparseZ ? b.scatterToDense(cache.sparseZ) : b.clone(cache.zPre!);
      return { xHat: b.clone(cache.xHat!), z, zPre: b.clone(cache.zPre!) };
    } finally {
      cache.bag.dispose();
    }
  }

  /**
   * The loss terms of a batch, without gradients. `x` may be given as micro-batches (row blocks of
   * one batch, see `lossAndGrads`): the terms are those of the whole batch.
   */
  async loss(x: Tensor | readonly Tensor[], options: LossOptions = {}): Promise<LossTerms> {
    const parts = this.#parts(x);
    const precision = options.precision ?? 'float32';
    let sums: LossSums | undefined;
    try {
      for (const part of parts) {
        const cache = this.#forward(part, precision, { training: true });
        try {
          sums = this.#addLossTensors(sums, this.#lossTensors(cache, options.firing ?? false));
        } finally {
          cache.bag.dispose();
        }
      }
      const s = sums!;
      sums = undefined;
      return await this.#readLosses(batchRowsOf(parts), s);
    } finally {
      if (sums) disposeLossTensors(sums);
    }
  }

  /**
   * The loss terms and the gradient of `losses.total` for every parameter.
   *
   * `x` may be an array of micro-batches: row blocks that together are one batch. The forward and
   * backward passes then run one block at a time and add each block's share into one set of
   * gradients (in place, `matmulAccumulate`), so only one block's [rows, F] intermediates are ever
   * alive — what an L1 step's memory is made of. Losses and gradients are those of the whole batch
   * (the same as passing it in one piece, up to float32 rounding of the sums); with `onGradient`
   * the gradients go to it after the last block, once `beforeBackward` has seen the losses.
   */
  async lossAndGrads(x: Tensor | readonly Tensor[], options: GradientOptions = {}): Promise<LossAndGrads> {
    const parts = this.#parts(x);
    if (parts.length > 1) return this.#lossAndGradsInParts(parts, options);
    const precision = options.precision ?? 'float32';
    const cache = this.#forward(parts[0]!, precision, { training: true });
    try {
      // The loss terms first: the backward pass turns the residual into ∂xHat in place.
      const lossTensors = this.#lossTensors(cache, options.firing ?? false);
      const rows = cache.x.shape[0]!;
      const { onGradient } = options;
      if (onGradient) {
        const losses = await this.#readLosses(rows, lossTensors);
        options.beforeBackward?.(losses);
        saeBackward(this.backend, this.config, this.#lookup, cache, { precision, sink: onGradient });
        return { losses, grads: new Map() };
      }
      let grads: Map<SaeParamName, Tensor>;
      try {
        grads = saeBackward(this.backend, this.config, this.#lookup, cache, { precision });
      } catch (error) {
        disposeLossTensors(lossTensors);
        throw error;
      }
      try {
        return { losses: await this.#readLosses(rows, lossTensors), grads };
      } catch (error) {
        for (const g of grads.values()) g.dispose();
        throw error;
      }
    } finally {
      cache.bag.dispose();
    }
  }

  async #lossAndGradsInParts(parts: readonly Tensor[], options: GradientOptions): Promise<LossAndGrads> {
    const precision = options.precision ?? 'float32';
    const batchRows = batchRowsOf(parts);
    let sums: LossSums | undefined;
    let grads: Map<SaeParamName, Tensor> | undefined;
    try {
      for (const part of parts) {
        const cache = this.#forward(part, precision, { training: true });
        try {
          sums = this.#addLossTensors(sums, this.#lossTensors(cache, options.firing ?? false));
          // The first block's gradients are the running sums the others are added into; b_dec's
          // term through the encoder input is added once at the end, from the summed ∂b_enc.
          const backward = { precision, batchRows, deferBDecInputTerm: true };
          if (grads) saeBackward(this.backend, this.config, this.#lookup, cache, { ...backward, into: grads });
          else grads = saeBackward(this.backend, this.config, this.#lookup, cache, backward);
        } finally {
          cache.bag.dispose();
        }
      }
      addBDecInputTerm(this.backend, this.config, this.#lookup, grads!);
      const s = sums!;
      sums = undefined;
      const losses = await this.#readLosses(batchRows, s);
      const { onGradient } = options;
      if (!onGradient) {
        const out = grads!;
        grads = undefined;
        return { losses, grads: out };
      }
      options.beforeBackward?.(losses);
      for (const [name, g] of [...grads!]) {
        grads!.delete(name);
        onGradient(name, g);
      }
      return { losses, grads: new Map() };
    } finally {
      if (sums) disposeLossTensors(sums);
      for (const g of grads?.values() ?? []) g.dispose();
    }
  }

  /** After each optimiser step: unit-norm decoder directions (untied, unitNormDecoder). */
  postStep(): void {
    if (this.config.unitNormDecoder && !this.config.tieWeights) this.backend.normalizeRowsInPlace(this.param('W_dec'));
  }

  async toArrays(): Promise<Map<SaeParamName, { data: Float32Array; shape: Shape }>> {
    const out = new Map<SaeParamName, { data: Float32Array; shape: Shape }>();
    for (const [name, t] of this.#params) out.set(name, { data: (await this.backend.read(t)) as Float32Array, shape: t.shape });
    return out;
  }

  /** Overwrite parameters in place (resume, fine-tuning); every named array must fit its shape. */
  setArrays(params: ReadonlyMap<string, Float32Array>): void {
    for (const [name, data] of params) {
      const t = this.param(name as SaeParamName);
      if (data.length !== t.size) throw new ShapeMismatchError(`setArrays: '${name}' has ${data.length} values, expected ${shapeToString(t.shape)}`);
      const src = this.backend.fromArray(data, t.shape);
      this.backend.assignInPlace(t, src);
      src.dispose();
    }
  }

  /** A copy of this model on another backend (parameters are read and uploaded). */
  async toBackend(backend: Backend): Promise<SparseAutoencoder> {
    const arrays = await this.toArrays();
    return SparseAutoencoder.fromArrays({ backend, config: this.config, params: new Map([...arrays].map(([n, a]) => [n, a.data])) });
  }

  dispose(): void {
    for (const t of this.#params.values()) t.dispose();
  }

  #forward(x: Tensor, precision: MatmulPrecision, options: ForwardOptions = {}): ForwardCache {
    if (x.shape.length !== 2 || x.shape[1] !== this.config.inputDims) {
      throw new ShapeMismatchError(
        `input batch has shape ${shapeToString(x.shape)}, but the model expects [batch, ${this.config.inputDims}] (input_dims)`,
        { hint: 'activations must be 2-D [n_tokens, d]; check that input_dims matches your data width' },
      );
    }
    return saeForward(this.backend, this.config, this.#lookup, x, precision, options);
  }

  /** x as micro-batches: one tensor, or a non-empty array of row blocks of the same width. */
  #parts(x: Tensor | readonly Tensor[]): readonly Tensor[] {
    const parts: readonly Tensor[] = Array.isArray(x) ? x : [x as Tensor];
    if (parts.length === 0) throw new InvalidArgumentError('the batch was given as an empty list of micro-batches; pass at least one [rows, input_dims] tensor');
    return parts;
  }

  #lossTensors(cache: ForwardCache, withFiring: boolean): LossSums {
    const t = saeLossTensors(this.backend, cache);
    try {
      return withFiring ? { ...t, firing: firingCounts(this.backend, cache) } : t;
    } catch (error) {
      disposeLossTensors(t);
      throw error;
    }
  }

  /** Adds a block's loss tensors into the running sums (disposing them); the first block's are the sums. */
  #addLossTensors(sums: LossSums | undefined, t: LossSums): LossSums {
    if (!sums) return t;
    try {
      addInPlace(this.backend, sums.sumSquaredError, t.sumSquaredError);
      addInPlace(this.backend, sums.sumAbsZ, t.sumAbsZ);
      addInPlace(this.backend, sums.nonZero, t.nonZero);
      if (sums.firing && t.firing) addInPlace(this.backend, sums.firing, t.firing);
      return sums;
    } finally {
      disposeLossTensors(t);
    }
  }

  /** Reads (and disposes) the loss tensors of a batch of `rows` rows. */
  async #readLosses(rows: number, t: LossSums): Promise<LossTerms> {
    try {
      const [sse, sabs, nz] = await Promise.all([t.sumSquaredError, t.sumAbsZ, t.nonZero].map((s) => this.backend.read(s)));
      const mse = sse![0]! / (rows * this.config.inputDims);
      const l1 = sabs![0]! / (rows * this.config.nFeatures);
      const total = this.config.k === null && this.config.betaL1 ? mse + this.config.betaL1 * l1 : mse;
      const out: LossTerms = { total, mse, l1, nonZeroFrac: nz![0]! / (rows * this.config.nFeatures), rows, sumSquaredError: sse![0]! };
      if (t.firing) out.firing = (await this.backend.read(t.firing)) as Float32Array;
      return out;
    } finally {
      disposeLossTensors(t);
    }
  }
}

/** The loss tensors of a forward pass, or their running sums over micro-batches. */
type LossSums = LossTensors & { firing?: Tensor };

function batchRowsOf(parts: readonly Tensor[]): number {
  return parts.reduce((a, t) => a + (t.shape[0] ?? 0), 0);
}

function disposeLossTensors(t: LossSums): void {
  t.sumSquaredError.dispose();
  t.sumAbsZ.dispose();
  t.nonZero.dispose();
  t.firing?.dispose();
}
