import { addInPlace } from '../backend/add-in-place.js';
import { normalizeRowsInPlace } from '../backend/normalize-rows-in-place.js';
import type { Backend, MatmulPrecision } from '../backend/backend.js';
import { shapeToString, type Shape, type Tensor } from '../backend/tensor.js';
import { InvalidArgumentError, ModelFileError, ShapeMismatchError } from '../errors.js';
import { Rng } from '../random/rng.js';
import { generateSaeParams } from './init-params.js';
import { resolveSaeConfig, type SaeConfig, type SaeConfigInput } from './sae-config.js';
import { DeviceLosses, disposeLossSums, type LossSums, type LossTerms } from './device-losses.js';
import { addBDecInputTerm, firingCounts, saeBackward, saeForward, saeLossTensors, type ForwardCache } from './sae-graph.js';
import { planSaeStep, type SaeForwardPlan, type SaeStepRequest } from './step-plan.js';
import { BUFFER_INITIAL_VALUES, saeBufferShapes, saeParamShapes, type SaeParamName } from './sae-params.js';
import { isBatchTopKStyle, saeArchitecture, usesVariantGraph } from './architecture.js';
import { variantPass } from './variant-graph.js';
import type { VariantLayout } from './compact-latents.js';
import { updateBatchThreshold } from './batch-threshold.js';

export interface ForwardOutput {
  /** Reconstruction [B, d]. */
  xHat: Tensor;
  /** Sparse latents [B, F] (dense layout; zeros where TopK dropped a latent). */
  z: Tensor;
  /** Activations before the TopK mask [B, F]. */
  zPre: Tensor;
}

export interface LossOptions {
  precision?: MatmulPrecision;
  /** Also count, per latent, the rows it fired in (for dead-latent tracking). */
  firing?: boolean;
  /** [F], 1 for each latent counted as dead: the AuxK loss (aux_k_coef > 0) revives these. */
  deadMask?: Tensor;
  /** Multiplies the sparsity penalty (beta_l1, l0_coefficient): the trainer's l1_warmup_steps. Default 1. */
  penaltyScale?: number;
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

export interface DeviceGradientOptions extends LossOptions {
  /** As in `GradientOptions`: each gradient as the backward pass finishes it (the returned map is then empty). */
  onGradient?: (name: SaeParamName, grad: Tensor) => void;
}

export interface DeviceLossAndGrads {
  /** The loss terms, still on the backend (read them when needed; the caller disposes). */
  losses: DeviceLosses;
  /** Gradient of the total loss for every parameter (none with `onGradient`); the caller disposes them. */
  grads: Map<SaeParamName, Tensor>;
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
  readonly #buffers: Map<SaeParamName, Tensor>;
  /** BatchTopK: whether θ has a value (else inference ranks over the batch, as in training). */
  #thresholdSet = false;
  /**
   * BatchTopK, JumpReLU, Matryoshka and AuxK: dense [B, F] latents after the selection, or sparse
   * rows of the firing ones (see `VariantLayout`). 'auto' picks per pass; the others are for tests
   * and benchmarks. DeepLens's TopK and L1 ignore it.
   */
  variantLayout: VariantLayout = 'auto';

  private constructor(backend: Backend, config: SaeConfig, params: Map<SaeParamName, Tensor>, buffers: Map<SaeParamName, Tensor>) {
    this.backend = backend;
    this.config = config;
    this.#params = params;
    this.#buffers = buffers;
  }

  /** The buffers of this config at their starting values (see `saeBufferShapes`). */
  static #initialBuffers(backend: Backend, config: SaeConfig): Map<SaeParamName, Tensor> {
    return new Map([...saeBufferShapes(config)].map(([name, shape]) => [name, backend.fill(shape, BUFFER_INITIAL_VALUES[name] ?? 0)]));
  }

  static create(options: CreateSaeOptions): SparseAutoencoder {
    const config = resolveSaeConfig(options.config);
    const rng = options.rng ?? new Rng(options.seed ?? 42);
    // Each parameter is uploaded as it is made, through one reused array: a model of a few hundred
    // MiB does not also exist whole in JavaScript memory while the backend fills up.
    const shapes = saeParamShapes(config);
    const params = new Map<SaeParamName, Tensor>();
    try {
      generateSaeParams(config, rng, (name, data) => {
        params.get(name)?.dispose();
        params.set(name, options.backend.fromArray(data, shapes.get(name)!));
      }, true);
    } catch (error) {
      for (const t of params.values()) t.dispose();
      throw error;
    }
    return new SparseAutoencoder(options.backend, config, params, SparseAutoencoder.#initialBuffers(options.backend, config));
  }

  /** Build a model from parameter arrays (SAELens names and orientation). */
  static fromArrays(options: SaeFromArraysOptions): SparseAutoencoder {
    const config = resolveSaeConfig(options.config);
    const source = options.source ?? 'parameters';
    const get = (name: string): Float32Array | undefined =>
      options.params instanceof Map ? options.params.get(name) : (options.params as Record<string, Float32Array>)[name];
    const params = new Map<SaeParamName, Tensor>();
    const buffers = new Map<SaeParamName, Tensor>();
    let thresholdSet = false;
    for (const [name, shape] of [...saeParamShapes(config), ...saeBufferShapes(config)]) {
      const data = get(name);
      if (!data) {
        throw new ModelFileError(source, `tensor '${name}' is missing (expected shape ${shapeToString(shape)})`, { tensor: name });
      }
      const n = shape.reduce((a, b) => a * b, 1);
      if (data.length !== n) {
        throw new ModelFileError(source, `tensor '${name}' has ${data.length} values, expected shape ${shapeToString(shape)} (${n} values)`, { tensor: name });
      }
      (saeParamShapes(config).has(name) ? params : buffers).set(name, options.backend.fromArray(data, shape));
      if (!saeParamShapes(config).has(name) && name === 'threshold') thresholdSet = data[0]! >= 0;
    }
    const model = new SparseAutoencoder(options.backend, config, params, buffers);
    model.#thresholdSet = thresholdSet;
    return model;
  }

  /** State saved with the model but not trained (BatchTopK's threshold); owned by the model. */
  get buffers(): ReadonlyMap<SaeParamName, Tensor> {
    return this.#buffers;
  }

  get paramNames(): SaeParamName[] {
    return [...this.#params.keys()];
  }

  /** The live parameter tensors (owned by the model; do not dispose). */
  get params(): ReadonlyMap<SaeParamName, Tensor> {
    return this.#params;
  }

  param(name: SaeParamName): Tensor {
    const t = this.#params.get(name) ?? this.#buffers.get(name);
    if (!t) throw new InvalidArgumentError(`this model has no parameter '${name}' (it has ${this.paramNames.join(', ')})`);
    return t;
  }

  readonly #lookup = (name: SaeParamName): Tensor => this.param(name);

  /** Forward pass for analysis. The caller disposes the three outputs. */
  forward(x: Tensor): ForwardOutput {
    if (usesVariantGraph(this.config)) {
      this.#checkInput(x);
      const out = variantPass(this.backend, this.config, this.#lookup, x, { training: false, precision: 'float32', firing: false, keepOutputs: true, thresholdUnset: !this.#thresholdSet, layout: this.variantLayout });
      disposeLossSums(out.sums);
      return out.outputs!;
    }
    const cache = this.#forward(x, this.#plan({ purpose: 'analysis', rows: x.shape[0] ?? 0 }).forward);
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
    const losses = this.lossOnDevice(x, options);
    try {
      return await losses.read();
    } finally {
      losses.dispose();
    }
  }

  /** `loss` without reading anything back: the terms stay on the backend until read. */
  lossOnDevice(x: Tensor | readonly Tensor[], options: LossOptions = {}): DeviceLosses {
    const parts = this.#parts(x);
    const precision = options.precision ?? 'float32';
    if (usesVariantGraph(this.config)) {
      return this.#whole(parts, (batch) => {
        const out = variantPass(this.backend, this.config, this.#lookup, batch, {
          training: false, precision, firing: options.firing ?? false, thresholdUnset: !this.#thresholdSet, penaltyScale: options.penaltyScale ?? 1, layout: this.variantLayout,
        });
        return new DeviceLosses(this.backend, this.config, batch.shape[0]!, out.sums, { penaltyScale: options.penaltyScale ?? 1 });
      });
    }
    let sums: LossSums | undefined;
    try {
      for (const part of parts) {
        const cache = this.#forward(part, this.#plan({ purpose: 'loss', precision, rows: part.shape[0] ?? 0 }).forward);
        try {
          sums = this.#addLossTensors(sums, this.#lossTensors(cache, options.firing ?? false));
        } finally {
          cache.bag.dispose();
        }
      }
      const out = new DeviceLosses(this.backend, this.config, batchRowsOf(parts), sums!);
      sums = undefined;
      return out;
    } finally {
      if (sums) disposeLossSums(sums);
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
   *
   * This reads the loss terms back (a host round trip); a training loop that reports them only
   * now and then uses `lossAndGradsOnDevice`.
   */
  async lossAndGrads(x: Tensor | readonly Tensor[], options: GradientOptions = {}): Promise<LossAndGrads> {
    const { beforeBackward } = options;
    let losses: LossTerms | undefined;
    const out = await this.#lossAndGradsOnDevice(x, options, options.onGradient && beforeBackward
      ? async (device) => {
          losses = await device.read();
          beforeBackward(losses);
        }
      : undefined);
    try {
      losses ??= await out.losses.read();
      return { losses, grads: out.grads };
    } catch (error) {
      for (const g of out.grads.values()) g.dispose();
      throw error;
    } finally {
      out.losses.dispose();
    }
  }

  /**
   * `lossAndGrads` without any host read: the loss terms (and firing counts) stay on the backend.
   * GPU backends queue the whole step this way; the trainer reads the terms only on logged steps.
   */
  lossAndGradsOnDevice(x: Tensor | readonly Tensor[], options: DeviceGradientOptions = {}): Promise<DeviceLossAndGrads> {
    return this.#lossAndGradsOnDevice(x, options, undefined);
  }

  async #lossAndGradsOnDevice(
    x: Tensor | readonly Tensor[], options: DeviceGradientOptions, beforeGradients: ((losses: DeviceLosses) => Promise<void>) | undefined,
  ): Promise<DeviceLossAndGrads> {
    const parts = this.#parts(x);
    const precision = options.precision ?? 'float32';
    const batchRows = batchRowsOf(parts);
    const { onGradient } = options;
    if (usesVariantGraph(this.config)) return this.#variantLossAndGrads(parts, options, beforeGradients);
    let losses: DeviceLosses | undefined;
    let grads: Map<SaeParamName, Tensor> | undefined;
    const c = options.penaltyScale !== undefined && this.config.betaL1 !== null ? { ...this.config, betaL1: this.config.betaL1 * options.penaltyScale } : this.config;
    try {
      if (parts.length === 1) {
        const plan = this.#plan({ purpose: 'training', precision, rows: batchRows, sink: onGradient !== undefined });
        const cache = this.#forward(parts[0]!, plan.forward);
        try {
          // The loss terms first: the backward pass turns the residual into ∂xHat in place.
          losses = new DeviceLosses(this.backend, this.config, batchRows, this.#lossTensors(cache, options.firing ?? false), { penaltyScale: options.penaltyScale ?? 1 });
          if (onGradient) await beforeGradients?.(losses);
          grads = saeBackward(this.backend, c, this.#lookup, cache, plan.backward!, { sink: onGradient });
        } finally {
          cache.bag.dispose();
        }
      } else {
        let sums: LossSums | undefined;
        try {
          for (const [i, part] of parts.entries()) {
            // The first block's gradients are the running sums the others are added into; b_dec's
            // term through the encoder input is added once at the end, from the summed ∂b_enc.
            const plan = this.#plan({ purpose: 'training', precision, rows: part.shape[0] ?? 0, batchRows, part: i, parts: parts.length });
            const cache = this.#forward(part, plan.forward);
            try {
              sums = this.#addLossTensors(sums, this.#lossTensors(cache, options.firing ?? false));
              if (grads) saeBackward(this.backend, c, this.#lookup, cache, plan.backward!, { into: grads });
              else grads = saeBackward(this.backend, c, this.#lookup, cache, plan.backward!);
            } finally {
              cache.bag.dispose();
            }
          }
          losses = new DeviceLosses(this.backend, this.config, batchRows, sums!, { penaltyScale: options.penaltyScale ?? 1 });
          sums = undefined;
        } finally {
          if (sums) disposeLossSums(sums);
        }
        addBDecInputTerm(this.backend, this.config, this.#lookup, grads!);
        if (onGradient) {
          await beforeGradients?.(losses);
          for (const [name, g] of [...grads!]) {
            grads!.delete(name);
            onGradient(name, g);
          }
        }
      }
      const out = { losses, grads: grads! };
      losses = undefined;
      grads = undefined;
      return out;
    } finally {
      losses?.dispose();
      for (const g of grads?.values() ?? []) g.dispose();
    }
  }

  /**
   * After each optimiser step: unit-norm decoder directions (untied, unitNormDecoder); JumpReLU's
   * thresholds kept ≥ 0; BatchTopK's inference threshold moved towards this step's smallest kept
   * activation (`losses`: the step's, from `lossAndGradsOnDevice`; see batch-threshold.ts).
   */
  postStep(losses?: DeviceLosses): void {
    if (this.config.unitNormDecoder && !this.config.tieWeights) normalizeRowsInPlace(this.backend, this.param('W_dec'));
    const arch = saeArchitecture(this.config);
    if (arch === 'jumprelu') {
      const theta = this.param('threshold');
      const zero = this.backend.fill([1], 0);
      const clamped = this.backend.maximum(theta, zero);
      zero.dispose();
      this.backend.assignInPlace(theta, clamped);
      clamped.dispose();
    }
    const minKept = losses?.sums.minKept;
    if (isBatchTopKStyle(arch) && minKept) {
      updateBatchThreshold(this.backend, this.param('threshold'), this.param('threshold_updates'), minKept);
      this.#thresholdSet = true;
    }
  }

  /** Parameters and buffers, read back. */
  async toArrays(): Promise<Map<SaeParamName, { data: Float32Array; shape: Shape }>> {
    const out = new Map<SaeParamName, { data: Float32Array; shape: Shape }>();
    for (const [name, t] of [...this.#params, ...this.#buffers]) out.set(name, { data: (await this.backend.read(t)) as Float32Array, shape: t.shape });
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
      if (this.#buffers.has(name as SaeParamName) && name === 'threshold') this.#thresholdSet = data[0]! >= 0;
    }
  }

  /** A copy of this model on another backend (parameters are read and uploaded). */
  async toBackend(backend: Backend): Promise<SparseAutoencoder> {
    const arrays = await this.toArrays();
    return SparseAutoencoder.fromArrays({ backend, config: this.config, params: new Map([...arrays].map(([n, a]) => [n, a.data])) });
  }

  dispose(): void {
    for (const t of this.#params.values()) t.dispose();
    for (const t of this.#buffers.values()) t.dispose();
  }

  /** The variant graph's training pass (one piece: its selection is over the whole batch). */
  async #variantLossAndGrads(
    parts: readonly Tensor[], options: DeviceGradientOptions, beforeGradients: ((losses: DeviceLosses) => Promise<void>) | undefined,
  ): Promise<DeviceLossAndGrads> {
    const penaltyScale = options.penaltyScale ?? 1;
    const { losses, grads } = this.#whole(parts, (batch) => {
      const out = variantPass(this.backend, this.config, this.#lookup, batch, {
        training: true, precision: options.precision ?? 'float32', firing: options.firing ?? false, deadMask: options.deadMask, penaltyScale, layout: this.variantLayout,
      });
      return { losses: new DeviceLosses(this.backend, this.config, batch.shape[0]!, out.sums, { penaltyScale }), grads: out.grads! };
    });
    if (!options.onGradient) return { losses, grads };
    try {
      await beforeGradients?.(losses);
    } catch (error) {
      losses.dispose();
      for (const g of grads.values()) g.dispose();
      throw error;
    }
    for (const [name, g] of [...grads]) {
      grads.delete(name);
      options.onGradient(name, g);
    }
    return { losses, grads };
  }

  /** Runs `fn` on the batch in one piece (micro-batches are joined: the variant graph selects over the batch). */
  #whole<T>(parts: readonly Tensor[], fn: (batch: Tensor) => T): T {
    for (const part of parts) this.#checkInput(part);
    if (parts.length === 1) return fn(parts[0]!);
    const batch = this.backend.concat(parts);
    try {
      return fn(batch);
    } finally {
      batch.dispose();
    }
  }

  #checkInput(x: Tensor): void {
    if (x.shape.length !== 2 || x.shape[1] !== this.config.inputDims) {
      throw new ShapeMismatchError(
        `input batch has shape ${shapeToString(x.shape)}, but the model expects [batch, ${this.config.inputDims}] (input_dims)`,
        { hint: 'activations must be 2-D [n_tokens, d]; check that input_dims matches your data width' },
      );
    }
  }

  /** The plan of one pass (see step-plan.ts). */
  #plan(request: SaeStepRequest) {
    return planSaeStep(this.config, request);
  }

  #forward(x: Tensor, plan: SaeForwardPlan): ForwardCache {
    this.#checkInput(x);
    return saeForward(this.backend, this.config, this.#lookup, x, plan);
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
      disposeLossSums(t);
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
      disposeLossSums(t);
    }
  }
}

function batchRowsOf(parts: readonly Tensor[]): number {
  return parts.reduce((a, t) => a + (t.shape[0] ?? 0), 0);
}
