import type { ElementwiseOps } from './elementwise-ops.js';
import type { DType, Shape, SparseRows, Tensor } from './tensor.js';

/** The activations every DeepLens model knows; core composes them from primitives on any backend. */
export type BuiltinActivation = 'relu' | 'silu';

/**
 * An activation's name: a built-in one, or one registered with `defineActivation`. A backend
 * computes natively only the kinds it lists in `capabilities.activations`; core composes the rest.
 */
export type ActivationKind = BuiltinActivation | (string & {});

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

/**
 * What a backend can do, declared once so core, `auto` selection and the conformance suite adapt to
 * it instead of guessing. Absent optional fields take the defaults named here.
 */
export interface BackendCapabilities {
  /** matmul honours `precision: 'bf16'`; otherwise the trainer warns and runs float32. */
  bf16: boolean;
  /** `readSync` is implemented (reading never blocks on a GPU queue). */
  syncRead: boolean;
  /**
   * Tensors live in the host's memory (default false), so a synchronous read is a copy rather than a
   * wait for a device queue. Core reads back small values mid-step only on such backends (the
   * variant graph's sparse layout, `VariantLayout` 'auto').
   */
  hostMemory?: boolean;
  /**
   * Bits of the float type tensors are computed in (default 32). WebGL may run float16: the
   * conformance suite then checks with float16 tolerances, and a plugin whose probe reports it
   * (`Availability.capabilities`) is taken by `auto` only when no float32 backend is available.
   */
  floatBits?: 16 | 32;
  /**
   * NaN and ±Inf behave as IEEE 754 says (default true): they propagate through arithmetic and
   * `reduce(…, 'countNonFinite')` sees them. false: the suite's NaN cases are skipped with this
   * stated, and training's divergence check cannot be trusted on this backend.
   */
  ieeeNonFinite?: boolean;
  /**
   * How in-place ops change a tensor (default 'native'): 'native' writes into its storage;
   * 'rebind' computes a new buffer and points the handle at it (tfjs, gpu.js). Either way, other
   * tensors made from it earlier (reshape, clone) keep their values: see the aliasing rules on `Backend`.
   */
  inPlace?: 'native' | 'rebind';
  /**
   * Activation kinds that `activation`/`activationGrad`/`activationGradInPlace`/`encodeTopK`
   * compute natively (default none). Others are composed by core from primitives.
   */
  activations?: readonly string[];
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
 * Optional in-place and fused ops. Core's helpers of the same name (`scaleInPlace(backend, …)`,
 * `adamUpdate(backend, …)`, …) call the backend's op when it has one and otherwise compose it from
 * required ops, so the numbers are right either way; a backend adds one only to be faster.
 */
export interface OptionalOps {
  /** a + alpha·v with v [n] broadcast over the rows of a [rows, n]. */
  addRowVector?(a: Tensor, v: Tensor, alpha?: number): Tensor;
  /** act(x) for the kinds in `capabilities.activations`. */
  activation?(x: Tensor, kind: ActivationKind): Tensor;
  /** dy ⊙ act′(pre), with relu′(0) = 0 as in PyTorch, for the kinds in `capabilities.activations`. */
  activationGrad?(dy: Tensor, pre: Tensor, kind: ActivationKind): Tensor;
  /**
   * dy ← (dy + l1·sign(pre)) ⊙ act′(pre) in place (l1 default 0), relu′(0) = 0, for the kinds in
   * `capabilities.activations`. sign(pre) is sign(act(pre)) for ReLU and SiLU, so this is the
   * backward pass of an L1 penalty l1·Σ|act(pre)| and of the activation in one pass; `pre` may be
   * act(pre) itself for ReLU (same signs, same mask).
   */
  activationGradInPlace?(dy: Tensor, pre: Tensor, kind: ActivationKind, l1?: number): void;
  /** torch.optim.Adam/AdamW's update of one parameter, in place on param, m and v. */
  adamUpdate?(param: Tensor, grad: Tensor, m: Tensor, v: Tensor, hp: AdamHyperparams): void;
  /** Scale each row of a 2-D tensor to unit L2 norm (rows of norm 0 are left as they are). */
  normalizeRowsInPlace?(x: Tensor): void;
  scaleInPlace?(x: Tensor, s: number): void;
  /** a += b (same shape). */
  addInPlace?(a: Tensor, b: Tensor): void;
  /** out += op(a)·op(b) (out [m, n]) without a new [m, n] tensor: micro-batch gradient sums. */
  matmulAccumulate?(out: Tensor, a: Tensor, b: Tensor, options?: MatmulOptions): void;
}

/**
 * The contract every compute backend implements: the ops SAE training needs. Ops are issued
 * synchronously and return new tensors the caller owns; only reading data back may be async, so
 * GPU and worker-thread backends can queue work.
 *
 * **Values and handles.** A tensor is a value: no op changes it, except the in-place ops, which
 * change only the tensor passed as their first argument(s) (`assignInPlace`, the `…InPlace` ops,
 * `adamUpdate`'s param/m/v, `matmulAccumulate`'s out). Those handles are the mutable state of
 * training: parameters, optimiser moments, gradient sums. An in-place op may write into the
 * storage ('native') or compute a new buffer and rebind the handle to it ('rebind', the only way
 * for tfjs and gpu.js) — so `reshape` and `clone` results never see a later in-place change of
 * their source, nor the source theirs, whether or not the backend shares storage between them.
 * The conformance suite checks this. The one required in-place op is `assignInPlace`; core
 * composes every optional one from it (see `OptionalOps`).
 *
 * Float tensors are float32 unless `capabilities.floatBits` says 16. Shapes are checked; a
 * mismatch throws `ShapeMismatchError`. A backend that cannot do an op throws `UnsupportedOpError`
 * naming it — never a wrong number.
 */
export interface Backend extends ElementwiseOps, OptionalOps, FusedSparseOps {
  readonly name: string;
  readonly capabilities: BackendCapabilities;
  /** How it runs here, for logs (e.g. tfjs's engine and why better ones were skipped). */
  readonly detail?: string;

  fromArray(data: Float32Array | Int32Array | readonly number[], shape: Shape, dtype?: DType): Tensor;
  zeros(shape: Shape, dtype?: DType): Tensor;
  /** Copy the tensor's data out. float32 tensors give a Float32Array, int32 an Int32Array. */
  read(t: Tensor): Promise<Float32Array | Int32Array>;
  /** Only with `capabilities.syncRead`; core calls it mid-step only where `capabilities.hostMemory` (or when asked to). */
  readSync?(t: Tensor): Float32Array | Int32Array;
  /** A new tensor with the same values (see the aliasing rules above). */
  clone(t: Tensor): Tensor;
  /** The same values in a new shape of equal size (see the aliasing rules above). */
  reshape(t: Tensor, shape: Shape): Tensor;

  matmul(a: Tensor, b: Tensor, options?: MatmulOptions): Tensor;
  reduce(x: Tensor, kind: ReduceKind, axis?: ReduceAxis): Tensor;

  layerNorm(x: Tensor, gamma: Tensor, beta: Tensor, eps: number): LayerNormResult;
  layerNormGrad(dy: Tensor, x: Tensor, mean: Tensor, rstd: Tensor, gamma: Tensor): LayerNormGrads;

  /**
   * Per row, the k entries of largest |x| with their signed values; NaN ranks above every number
   * (as torch.topk does), ties go to the lower column.
   */
  topKAbs(x: Tensor, k: number): SparseRows;
  /** out[r,j] = x[r, indices[r,j]] → [rows, k]. */
  gatherCols(x: Tensor, indices: Tensor): Tensor;
  /** Dense [rows, cols] with zeros outside the stored entries. */
  scatterToDense(sp: SparseRows): Tensor;

  /** Overwrite `target`'s values with `source`'s (same shape). */
  assignInPlace(target: Tensor, source: Tensor): void;

  /**
   * Wait until every queued op has finished (a fence). Optional: synchronous backends have nothing
   * to wait for. For timing code and tests; training itself synchronises only by reading.
   */
  sync?(): Promise<void>;
  /** Live tensors and bytes as the backend itself counts them (a leak inside an op shows here). */
  memory(): MemoryInfo;
  /** Release everything the backend holds (worker threads, GPU contexts); may be async. */
  dispose(): void | Promise<void>;
}

/** Every op name of the contract, for declaring ops unsupported in the conformance suite. */
export type BackendOpName = Exclude<keyof Backend, 'name' | 'capabilities' | 'detail'>;
