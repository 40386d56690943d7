import type { DType, Shape, SparseRows, Tensor } from './tensor.js';

export type ActivationKind = 'relu' | 'silu';

/** Rounding applied to matmul inputs. 'bf16' keeps float32 accumulation (mixed precision). */
export type MatmulPrecision = 'float32' | 'bf16';

export interface MatmulOptions {
  /** Use Aᵀ: `a` is stored as [K, M]. */
  transposeA?: boolean;
  /** Use Bᵀ: `b` is stored as [N, K]. */
  transposeB?: boolean;
  precision?: MatmulPrecision;
}

export type ReduceKind = 'sum' | 'sumAbs' | 'sumSquares' | 'countNonZero' | 'countNonFinite';

/** axis 0: over rows → [cols]; axis 1: over columns → [rows]; undefined: everything → [1]. */
export type ReduceAxis = 0 | 1 | undefined;

export interface LayerNormResult {
  y: Tensor;
  /** Per-row mean, [rows]. */
  mean: Tensor;
  /** Per-row 1/sqrt(var + eps) with the biased variance, [rows]. */
  rstd: Tensor;
}

export interface LayerNormGrads {
  dx: Tensor;
  dGamma: Tensor;
  dBeta: Tensor;
}

/** torch.optim.Adam / AdamW update for one parameter, applied in place to param, m and v. */
export interface AdamHyperparams {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /** true: AdamW's decoupled decay; false: L2 added to the gradient (torch.optim.Adam). */
  decoupled: boolean;
  /** 1-based step number used for bias correction. */
  step: number;
}

export interface BackendCapabilities {
  /** matmul honours `precision: 'bf16'`; otherwise the trainer warns and runs float32. */
  bf16: boolean;
  /** `readSync` is implemented. */
  syncRead: boolean;
  /**
   * `sparseTransposeMatmul` honours `yOffset` (spᵀ·(y − offset) without the shifted copy of y).
   * Absent or false: core makes the shifted copy itself before calling it.
   */
  sparseYOffset?: boolean;
  /**
   * `encodeTopK` honours `xOffset` (encodes x − offset without the shifted copy of x). Absent or
   * false: core makes the shifted copy itself before calling it.
   */
  encodeXOffset?: boolean;
  /**
   * The most bytes all of this backend's tensors can hold together (wasm32: 4 GiB), if it has a
   * ceiling below the machine's memory. Training checks its memory estimate against it up front.
   */
  maxMemoryBytes?: number;
}

/** Result of the fused TopK encoder. */
export interface EncodedTopK {
  /** The latents: per row the k entries of largest |act(pre)|, signed. */
  z: SparseRows;
  /** The pre-activations at those entries, [rows, k] (for the activation's gradient). */
  preAtK: Tensor;
}

export interface MemoryInfo {
  /** Live (not disposed) tensors created by this backend. */
  tensors: number;
  bytes: number;
}

/**
 * Optional fused fast paths. Core's `sparseOps` use them when present and fall back to the dense
 * required ops otherwise, so a backend may skip them and still compute the right numbers.
 */
export interface FusedSparseOps {
  /** Σ_j values[r,j]·W[indices[r,j], :] with W [cols, n]; transposeB: W is [n, cols]. → [rows, n] */
  sparseMatmul?(sp: SparseRows, w: Tensor, options?: { transposeB?: boolean }): Tensor;
  /** out[r,j] = ⟨a[r,:], W[indices[r,j], :]⟩ with a [rows, n], W [cols, n]; transposeB: W is [n, cols]. → [rows, k] */
  sampledMatmul?(a: Tensor, w: Tensor, indices: Tensor, options?: { transposeB?: boolean }): Tensor;
  /**
   * spᵀ·y with y [rows, n] → [cols, n]; transposeOut: (spᵀ·y)ᵀ → [n, cols]. yOffset [n] (only
   * when the backend declares `capabilities.sparseYOffset`): every row of y minus yOffset, each
   * difference rounded to float32 as a separate subtraction would round it.
   */
  sparseTransposeMatmul?(sp: SparseRows, y: Tensor, options?: { transposeOut?: boolean; yOffset?: Tensor }): Tensor;
  /** Column sums of the sparse matrix → [cols]. */
  sparseColumnSum?(sp: SparseRows): Tensor;
  /**
   * The TopK encoder in one op: pre = x·W + bias (x [rows, d], W [d, cols], bias [cols]),
   * a = act(pre), then per row the entries topKAbs(a, k) would choose, plus pre at them. A fused
   * implementation never holds the [rows, cols] pre-activations at once. xOffset [d] (only when the
   * backend declares `capabilities.encodeXOffset`): encode every row of x minus xOffset, each
   * difference rounded to float32 as a separate subtraction would round it.
   */
  encodeTopK?(x: Tensor, w: Tensor, bias: Tensor, k: number, activation: ActivationKind, options?: { xOffset?: Tensor }): EncodedTopK;
}

/**
 * The contract every compute backend implements: the ops SAE training needs. Ops are issued
 * synchronously and return new tensors the caller owns; only reading data back may be async, so
 * GPU and worker-thread backends can queue work. Ops whose name ends in `InPlace` (and
 * `adamUpdate`) mutate their first arguments instead of allocating.
 *
 * Float tensors are float32 unless stated. Shapes are checked; a mismatch throws
 * `ShapeMismatchError`. A backend that cannot do an op throws `UnsupportedOpError`.
 */
export interface Backend extends FusedSparseOps {
  readonly name: string;
  readonly capabilities: BackendCapabilities;

  fromArray(data: Float32Array | Int32Array | readonly number[], shape: Shape, dtype?: DType): Tensor;
  zeros(shape: Shape, dtype?: DType): Tensor;
  /** Copy the tensor's data out. float32 tensors give a Float32Array, int32 an Int32Array. */
  read(t: Tensor): Promise<Float32Array | Int32Array>;
  readSync?(t: Tensor): Float32Array | Int32Array;
  clone(t: Tensor): Tensor;
  /** Same data, new shape of equal size. */
  reshape(t: Tensor, shape: Shape): Tensor;

  matmul(a: Tensor, b: Tensor, options?: MatmulOptions): Tensor;
  add(a: Tensor, b: Tensor): Tensor;
  sub(a: Tensor, b: Tensor): Tensor;
  mul(a: Tensor, b: Tensor): Tensor;
  scale(a: Tensor, s: number): Tensor;
  /** a [rows, n] + alpha·v [n] broadcast over rows. */
  addRowVector(a: Tensor, v: Tensor, alpha?: number): Tensor;
  sign(a: Tensor): Tensor;
  activation(x: Tensor, kind: ActivationKind): Tensor;
  /** dy ⊙ act′(pre), with relu′(0) = 0 as in PyTorch. */
  activationGrad(dy: Tensor, pre: Tensor, kind: ActivationKind): Tensor;
  reduce(x: Tensor, kind: ReduceKind, axis?: ReduceAxis): Tensor;

  layerNorm(x: Tensor, gamma: Tensor, beta: Tensor, eps: number): LayerNormResult;
  layerNormGrad(dy: Tensor, x: Tensor, mean: Tensor, rstd: Tensor, gamma: Tensor): LayerNormGrads;

  /** Per row, the k entries of largest |x| with their signed values. */
  topKAbs(x: Tensor, k: number): SparseRows;
  /** out[r,j] = x[r, indices[r,j]] → [rows, k]. */
  gatherCols(x: Tensor, indices: Tensor): Tensor;
  /** Dense [rows, cols] with zeros outside the stored entries. */
  scatterToDense(sp: SparseRows): Tensor;

  adamUpdate(param: Tensor, grad: Tensor, m: Tensor, v: Tensor, hp: AdamHyperparams): void;
  /** Scale each row of a 2-D tensor to unit L2 norm (rows of norm 0 are left as they are). */
  normalizeRowsInPlace(x: Tensor): void;
  scaleInPlace(x: Tensor, s: number): void;
  /** Overwrite `target`'s data with `source`'s (same shape). */
  assignInPlace(target: Tensor, source: Tensor): void;
  /**
   * Optional: a += b (same shape), without a new tensor. Core's `addInPlace` helper uses it, or
   * add + assignInPlace (one temporary) for a backend without it.
   */
  addInPlace?(a: Tensor, b: Tensor): void;
  /**
   * Optional: dy ← (dy + l1·sign(pre)) ⊙ act′(pre) in place (l1 default 0: dy ⊙ act′(pre)), relu′(0) = 0.
   * sign(pre) is sign(act(pre)) for ReLU and SiLU, so this is the backward pass of an L1 penalty
   * l1·Σ|act(pre)| and of the activation in one pass, without a new [rows, F] tensor; `pre` may be
   * act(pre) itself for ReLU (same signs, same mask). Core's `activationGradInPlace` helper uses it,
   * or sign + scaleInPlace + addInPlace + activationGrad + assignInPlace for a backend without it.
   */
  activationGradInPlace?(dy: Tensor, pre: Tensor, kind: ActivationKind, l1?: number): void;
  /**
   * Optional: out += op(a)·op(b) (out [m, n]), without a new [m, n] tensor — gradients summed over
   * the micro-batches of one step. Core's `matmulAccumulate` helper uses it, or matmul +
   * addInPlace (one [m, n] temporary) for a backend without it.
   */
  matmulAccumulate?(out: Tensor, a: Tensor, b: Tensor, options?: MatmulOptions): void;

  memory(): MemoryInfo;
  /** Release everything the backend holds (worker threads, GPU contexts). */
  dispose(): void;
}
