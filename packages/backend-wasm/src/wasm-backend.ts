import { availableParallelism } from 'node:os';
import {
  assertRank, assertSameShape, CpuBackend, featureMatrixWidth, InvalidArgumentError, matmulAccumulateDims, matmulDims, shapeToString,
  ShapeMismatchError, sparseDims, UnsupportedOpError, IndexOutOfRangeError, assertDType,
  type ActivationKind, type AdamHyperparams, type Backend, type BackendCapabilities, type DType, type EncodedTopK, type LayerNormGrads,
  type LayerNormResult, type MatmulOptions, type MemoryInfo, type ReduceAxis, type ReduceKind, type Shape, type SparseRows, type Tensor,
} from '@deeplens/core';
import { kernelModule, relaxedSimdSupported, type KernelFlavor, type Kernels } from './kernel-module.js';
import { WasmArrayMemory } from './wasm-array-memory.js';
import { WorkerPool } from './worker-pool.js';

export interface WasmBackendOptions {
  /** Threads for the kernels (default: available cores). */
  threads?: number;
  /**
   * Use the fused multiply-add (relaxed SIMD) kernels: default true where the runtime supports
   * them; false forces the plain SIMD build; true fails where unsupported.
   */
  relaxedSimd?: boolean;
  /**
   * The TopK encoder's int16 screen, ReLU and SiLU (exact either way; see the backends docs). 'auto'
   * (default): batches of ≥ 512 rows with k ≤ width/64, where it pays — and a shape whose last
   * screened call sent over 1/8 of its rows to float32 or recomputed over 1/32 of the latents per row is
   * encoded in float32 for its next 50 calls. 'always': every call (tests). 'off': float32.
   */
  screen?: ScreenPolicy;
}

/** Elements per work unit of element-wise kernels, and units a thread needs before splitting. */
const BLOCK = 4096;
const MIN_BLOCKS_PER_THREAD = 16;
/** What WasmBackend.lastScreen reports of the last screened TopK encode. */
export interface ScreenStats {
  rows: number;
  /** Rows the screen could not settle, encoded in float32. */
  float32Rows: number;
  /** Mean latents recomputed in float32 per screened row (≥ k). */
  candidatesPerRow: number;
}

/** When the TopK encoder screens in int16: see WasmBackendOptions.screen. */
export type ScreenPolicy = 'auto' | 'always' | 'off';
/** 'auto' screens batches of at least this many rows (below, quantising W costs more than it saves) … */
const SCREEN_MIN_ROWS = 512;
/** … whose k is at most width / SCREEN_MAX_DENSITY (denser top-k: too many latents to recompute) … */
const SCREEN_MAX_DENSITY = 64;
/** … and skips a shape for this many calls after a screened call that did not pay. */
const SCREEN_BACKOFF_CALLS = 50;
/** Below this many rows B is read in place (no packing) when its width allows. */
const PACK_MIN_ROWS = 64;
/**
 * A packed copy of B larger than this is made a depth chunk at a time (at least one depth block):
 * e.g. ∂W_enc = xinᵀ·∂pre in L1 training would otherwise copy the whole [batch, F] ∂pre, and each
 * micro-batch of an L1 step would hold a whole packed copy of W_dec.
 */
const PACK_CHUNK_BYTES = 8 * 2 ** 20;

/** How gemm reads B (its bPacked argument): in place, packed by pack_b, or packed panel by panel as it goes. */
const B_IN_PLACE = 0;
const B_PACKED = 1;
const B_RAW = 2;
const B_RAW_TRANSPOSED = 3;
type BLayout = typeof B_IN_PLACE | typeof B_PACKED | typeof B_RAW | typeof B_RAW_TRANSPOSED;
const ACT_CODE = { relu: 1, silu: 2 } as const;
const REDUCE_CODE: Record<ReduceKind, number> = { sum: 0, sumAbs: 1, sumSquares: 2, countNonZero: 3, countNonFinite: 4 };
const OP_CODE = { add: 0, sub: 1, mul: 2 } as const;

/**
 * The worker threads and kernel build a backend made with these options runs on: threads default to
 * one per available core, kernels to relaxed SIMD (FMA) where the runtime supports it.
 */
export function wasmSettings(options: Pick<WasmBackendOptions, 'threads' | 'relaxedSimd'>): { threads: number; kernelFlavor: KernelFlavor } {
  return {
    threads: Math.max(1, options.threads ?? availableParallelism()),
    kernelFlavor: options.relaxedSimd === false ? 'simd' : options.relaxedSimd === true || relaxedSimdSupported() ? 'relaxed-simd' : 'simd',
  };
}

/**
 * WebAssembly SIMD backend. Tensor data lives in one shared WebAssembly.Memory; matmuls (packed,
 * register-tiled, FMA where the runtime has relaxed SIMD), the fused TopK encoder, the sparse
 * products, element-wise ops, reductions and the optimiser update run as SIMD kernels split across
 * worker threads. The remaining ops (LayerNorm, gathers, scatters) are the reference backend's
 * code working on the same memory.
 */
export class WasmBackend implements Backend {
  readonly name = 'wasm';
  readonly capabilities: BackendCapabilities = {
    bf16: false, syncRead: true, hostMemory: true, floatBits: 32, ieeeNonFinite: true, inPlace: 'native', activations: ['relu', 'silu'],
    sparseYOffset: true, encodeXOffset: true, maxMemoryBytes: 2 ** 32,
  };
  readonly threads: number;
  /** The kernel build in use: 'relaxed-simd' (fused multiply-add) or 'simd'. */
  readonly kernelFlavor: KernelFlavor;
  readonly #mem: WasmArrayMemory;
  readonly #ref: CpuBackend;
  readonly #k: Kernels;
  readonly #pool: WorkerPool;
  readonly #gemmScratch: number;
  readonly #rowBlock: number;
  /** The micro-kernel's strip height and panel width (rows of A, columns of B). */
  readonly #mr: number;
  readonly #nr: number;
  readonly #depthBlock: number;
  readonly #depthGroup: number;
  readonly #screen: ScreenPolicy;
  /** 'auto': calls left to encode in float32, per encoder shape, after a screen that did not pay. */
  readonly #screenBackoff = new Map<string, number>();
  #lastScreen: ScreenStats | undefined;

  constructor(options: WasmBackendOptions = {}) {
    const mem = new WasmArrayMemory();
    // The reference backend on the same wasm memory: its typed-array surface gives our kernels the
    // arrays, and the ops we do not accelerate are delegated to it.
    this.#ref = new CpuBackend({ name: 'wasm', memory: mem });
    this.#mem = mem;
    ({ threads: this.threads, kernelFlavor: this.kernelFlavor } = wasmSettings(options));
    const module = kernelModule(this.kernelFlavor);
    this.#k = new WebAssembly.Instance(module, { env: { memory: mem.memory } }).exports as unknown as Kernels;
    this.#pool = new WorkerPool(module, mem.memory, this.threads);
    this.#gemmScratch = this.#k.gemm_scratch_floats();
    this.#rowBlock = this.#k.gemm_row_block();
    this.#mr = this.#k.gemm_strip_rows();
    this.#nr = this.#k.gemm_panel_cols();
    this.#depthBlock = this.#k.gemm_depth_block();
    this.#depthGroup = this.#k.gemm_depth_group();
    this.#screen = options.screen ?? 'auto';
    if (!['auto', 'always', 'off'].includes(this.#screen)) throw new InvalidArgumentError(`wasm backend: screen must be 'auto', 'always' or 'off', got ${JSON.stringify(options.screen)}`);
  }

  /**
   * Resolves when every worker thread has started and instantiated the kernels. Ops work before
   * that (they wait for the workers), but the first would also pay for starting them.
   */
  ready(): Promise<void> {
    return this.#pool.ready;
  }

  /** Bytes of wasm memory in use by live tensors, packed panels and scratch space of a running op. */
  // The ops below are the reference backend's code on the same wasm memory.
  fromArray(data: Float32Array | Int32Array | readonly number[], shape: Shape, dtype?: DType): Tensor { return this.#ref.fromArray(data, shape, dtype); }
  zeros(shape: Shape, dtype?: DType): Tensor { return this.#ref.zeros(shape, dtype); }
  fill(shape: Shape, value: number, dtype?: 'float32' | 'int32'): Tensor { return this.#ref.fill(shape, value, dtype); }
  read(t: Tensor): Promise<Float32Array | Int32Array> { return this.#ref.read(t); }
  readSync(t: Tensor): Float32Array | Int32Array { return this.#ref.readSync(t); }
  clone(t: Tensor): Tensor { return this.#ref.clone(t); }
  reshape(t: Tensor, shape: Shape): Tensor { return this.#ref.reshape(t, shape); }
  concat(tensors: readonly Tensor[]): Tensor { return this.#ref.concat(tensors); }
  assignInPlace(target: Tensor, source: Tensor): void { this.#ref.assignInPlace(target, source); }
  div(a: Tensor, b: Tensor): Tensor { return this.#ref.div(a, b); }
  maximum(a: Tensor, b: Tensor): Tensor { return this.#ref.maximum(a, b); }
  minimum(a: Tensor, b: Tensor): Tensor { return this.#ref.minimum(a, b); }
  greater(a: Tensor, b: Tensor): Tensor { return this.#ref.greater(a, b); }
  equal(a: Tensor, b: Tensor): Tensor { return this.#ref.equal(a, b); }
  where(cond: Tensor, a: Tensor, b: Tensor): Tensor { return this.#ref.where(cond, a, b); }
  addScalar(a: Tensor, s: number): Tensor { return this.#ref.addScalar(a, s); }
  abs(a: Tensor): Tensor { return this.#ref.abs(a); }
  neg(a: Tensor): Tensor { return this.#ref.neg(a); }
  sqrt(a: Tensor): Tensor { return this.#ref.sqrt(a); }
  exp(a: Tensor): Tensor { return this.#ref.exp(a); }
  log(a: Tensor): Tensor { return this.#ref.log(a); }
  sigmoid(a: Tensor): Tensor { return this.#ref.sigmoid(a); }
  layerNorm(x: Tensor, gamma: Tensor, beta: Tensor, eps: number): LayerNormResult { return this.#ref.layerNorm(x, gamma, beta, eps); }
  layerNormGrad(dy: Tensor, x: Tensor, mean: Tensor, rstd: Tensor, gamma: Tensor): LayerNormGrads { return this.#ref.layerNormGrad(dy, x, mean, rstd, gamma); }
  gatherCols(x: Tensor, indices: Tensor): Tensor { return this.#ref.gatherCols(x, indices); }
  scatterToDense(sp: SparseRows): Tensor { return this.#ref.scatterToDense(sp); }
  sparseColumnSum(sp: SparseRows): Tensor { return this.#ref.sparseColumnSum(sp); }
  memory(): MemoryInfo { return this.#ref.memory(); }

  get wasmBytesInUse(): number {
    return this.#mem.usedBytes;
  }

  #ptr(t: Tensor, op: string): number {
    return this.#ref.arrayOf(t, op).byteOffset;
  }

  #f32ptr(t: Tensor, op: string): number {
    assertDType(op, 'input', t, 'float32');
    return this.#ptr(t, op);
  }

  /** Split [0, n) elements into blocks across threads: kernel(…, i0, i1). */
  #elementwise(kernel: 'binary' | 'scale' | 'sign' | 'activation' | 'activation_grad' | 'adam', n: number, args: (i0: number, i1: number) => number[], inPlace = false): void {
    const blocks = Math.ceil(n / BLOCK);
    this.#pool.run(kernel, blocks, (u0, u1) => args(u0 * BLOCK, Math.min(n, u1 * BLOCK)), this.#k[kernel] as (...a: number[]) => void, MIN_BLOCKS_PER_THREAD, inPlace);
  }

  /** A row-major copy of the transpose of x [rows, cols], in wasm memory (free it after use). */
  #transposed(x: Tensor, op: string): Float32Array {
    const [rows, cols] = x.shape as [number, number];
    const src = this.#ptr(x, op);
    const out = this.#mem.allocFloat32(rows * cols);
    this.#pool.run('transpose', rows, (r0, r1) => [src, rows, cols, out.byteOffset, r0, r1], this.#k.transpose, 32);
    return out;
  }

  /** B [k, n] (transB: stored [n, k]) packed into NR-column panels, in fresh wasm memory. */
  #pack(b: number, transB: boolean, k: number, n: number): Float32Array {
    const packed = this.#mem.allocFloat32(Math.max(4, Math.ceil(n / this.#nr) * this.#nr * k));
    this.#packInto(b, transB, k, n, packed.byteOffset);
    return packed;
  }

  /**
   * Pack B [k, n] (transB: stored [n, k]) into NR-column panels at `dst` (⌈n/NR⌉·NR·k floats). ld:
   * floats between stored rows, when `b` is a depth range of a larger matrix.
   */
  #packInto(b: number, transB: boolean, k: number, n: number, dst: number, ld = transB ? k : n): void {
    this.#pool.run('pack_b', Math.ceil(n / this.#nr), (q0, q1) => [b, transB ? 1 : 0, k, n, ld, dst, q0, q1], this.#k.pack_b, 16);
  }

  matmul(a: Tensor, b: Tensor, options: MatmulOptions = {}): Tensor {
    const { m, k, n } = matmulDims('matmul', a, b, options);
    const out = this.#mem.allocFloat32(m * n);
    try {
      if (m > 0 && n > 0 && k === 0) out.fill(0);
      else this.#matmulInto(out.byteOffset, a, b, options, false);
    } catch (error) {
      this.#mem.free(out);
      throw error;
    }
    return this.#ref.tensorFrom(out, [m, n]);
  }

  matmulAccumulate(out: Tensor, a: Tensor, b: Tensor, options: MatmulOptions = {}): void {
    const { k } = matmulAccumulateDims('matmulAccumulate', out, a, b, options);
    const outPtr = this.#f32ptr(out, 'matmulAccumulate');
    if (k > 0) this.#matmulInto(outPtr, a, b, options, true);
  }

  /** C (at byte offset c) = op(a)·op(b), or C += op(a)·op(b) with `accumulate`; k > 0. */
  #matmulInto(c: number, a: Tensor, b: Tensor, options: MatmulOptions, accumulate: boolean): void {
    const { m, k, n } = matmulDims('matmul', a, b, options);
    const aPtr = this.#f32ptr(a, 'matmul');
    const bPtr = this.#f32ptr(b, 'matmul');
    if (m === 0 || n === 0) return;
    if (n === 1 && !options.transposeA && !accumulate) {
      // Matrix · vector (b is [k, 1] or its transpose [1, k]: the same k contiguous values).
      this.#pool.run('matvec', m, (r0, r1) => [aPtr, bPtr, k, c, r0, r1], this.#k.matvec, Math.max(4, Math.ceil(MIN_BLOCKS_PER_THREAD * BLOCK / k)));
      return;
    }
    const transA = options.transposeA ?? false;
    const transB = options.transposeB ?? false;
    // B read in place (few rows, whole panels); packed panel by panel as each thread reaches it
    // (one row block, e.g. a micro-batch: a packed copy of B would be read once); else packed.
    const layout: BLayout = !transB && n % this.#nr === 0 && m < PACK_MIN_ROWS ? B_IN_PLACE
      : m <= this.#rowBlock ? (transB ? B_RAW_TRANSPOSED : B_RAW) : B_PACKED;
    if (layout === B_PACKED && k * Math.ceil(n / this.#nr) * this.#nr * 4 > PACK_CHUNK_BYTES) {
      this.#chunkedMatmul(aPtr, transA, m, k, n, bPtr, transB, c, accumulate);
      return;
    }
    const packed = layout === B_PACKED ? this.#pack(bPtr, transB, k, n) : undefined;
    const scratch = this.#mem.allocFloat32(this.threads * this.#gemmScratch);
    try {
      this.#gemm(aPtr, transA, m, k, n, packed ? packed.byteOffset : bPtr, layout, 0, c, scratch.byteOffset, layout === B_RAW || layout === B_RAW_TRANSPOSED, 0, 0, k, accumulate);
    } finally {
      this.#mem.free(scratch);
      if (packed) this.#mem.free(packed);
    }
  }

  /**
   * C = op(A)·op(B) (accumulate: C += …) with B [k, n] (transB: stored [n, k]) packed and
   * multiplied a chunk of depths at a time (whole multiples of the kernels' depth block, so every
   * sum is formed in the same order as in one go).
   */
  #chunkedMatmul(a: number, transA: boolean, m: number, k: number, n: number, b: number, transB: boolean, c: number, accumulate: boolean): void {
    const panels = Math.ceil(n / this.#nr);
    // At least one depth group (two blocks), so the kernel's C reuse between the blocks of a group is
    // not cut off: for x·W_enc [4096, 768]·[768, 6144] that is one chunk of 18 MiB instead of two of
    // 9 MiB, and the product 4–5% faster (interleaved runs).
    const chunk = Math.max(this.#depthGroup, Math.floor(PACK_CHUNK_BYTES / (panels * this.#nr * 4) / this.#depthBlock) * this.#depthBlock);
    const packed = this.#mem.allocFloat32(panels * this.#nr * Math.min(chunk, k));
    const scratch = this.#mem.allocFloat32(this.threads * this.#gemmScratch);
    try {
      for (let p0 = 0; p0 < k; p0 += chunk) {
        const kc = Math.min(chunk, k - p0);
        // Depths p0.. are rows p0.. of B, or columns p0.. of the stored Bᵀ (rows k floats apart).
        const src = transB ? b + p0 * 4 : b + p0 * n * 4;
        this.#packInto(src, transB, kc, n, packed.byteOffset, transB ? k : n);
        this.#gemm(a, transA, m, k, n, packed.byteOffset, B_PACKED, 0, c, scratch.byteOffset, false, 0, p0, p0 + kc, accumulate);
      }
    } finally {
      this.#mem.free(scratch);
      this.#mem.free(packed);
    }
  }

  /**
   * gemm over threads: split rows (in whole strips), or (few rows, or `splitColumns`) panels. aoff: row
   * offset of A (0: none); depths [pBegin, pEnd) only (a packed B then holds just those);
   * accumulate: C += op(A)·op(B).
   */
  #gemm(
    a: number, transA: boolean, m: number, k: number, n: number, b: number, bLayout: BLayout, bias: number, c: number, scratch: number,
    splitColumns = false, aoff = 0, pBegin = 0, pEnd = k, accumulate = false,
  ): void {
    const panels = Math.ceil(n / this.#nr);
    const scratchBytes = this.#gemmScratch * 4;
    const common = [a, transA ? 1 : 0, m, k, n, b, bLayout, bias, c];
    if (!splitColumns && (m >= 2 * PACK_MIN_ROWS || panels < 2 * this.threads)) {
      // Rows in whole strips (the micro-kernel's height).
      const mr = this.#mr;
      const strips = Math.ceil(m / mr);
      this.#pool.run('gemm', strips, (s0, s1, slice) => [...common, scratch + slice * scratchBytes, s0 * mr, Math.min(m, s1 * mr), 0, panels, aoff, pBegin, pEnd, accumulate ? 1 : 0], this.#k.gemm, 4);
    } else {
      this.#pool.run('gemm', panels, (q0, q1, slice) => [...common, scratch + slice * scratchBytes, 0, m, q0, q1, aoff, pBegin, pEnd, accumulate ? 1 : 0], this.#k.gemm, 8);
    }
  }

  encodeTopK(x: Tensor, w: Tensor, bias: Tensor, k: number, activation: ActivationKind, options: { xOffset?: Tensor } = {}): EncodedTopK {
    assertRank('encodeTopK', 'x', x, 2);
    const [rows, d] = x.shape as [number, number];
    // x − xOffset is formed while the kernels pack x's row blocks (no shifted copy of x).
    const xoff = options.xOffset ? this.#ref.offsetView('encodeTopK', options.xOffset, d).byteOffset : 0;
    const { n: cols } = matmulDims('encodeTopK', x, w);
    if (bias.shape.length !== 1 || bias.shape[0] !== cols) {
      throw new ShapeMismatchError(`encodeTopK: bias ${shapeToString(bias.shape)} must be [${cols}] to match W ${shapeToString(w.shape)}`);
    }
    if (!Number.isInteger(k) || k < 1 || k > cols) throw new InvalidArgumentError(`encodeTopK: k must be an integer in [1, ${cols}], got ${k}`);
    const values = this.#mem.allocFloat32(rows * k);
    const indices = this.#mem.allocInt32(rows * k);
    const preAtK = this.#mem.allocFloat32(rows * k);
    const xPtr = this.#f32ptr(x, 'encodeTopK');
    const bPtr = this.#f32ptr(bias, 'encodeTopK');
    // Screened in int16 when the policy says so (false: W is not finite — float32 then).
    const screened = rows > 0 && this.#shouldScreen(rows, d, cols, k)
      && this.#encodeScreened(xPtr, rows, d, cols, this.#f32ptr(w, 'encodeTopK'), bPtr, k, this.#actCode(activation, 'encodeTopK'), xoff, values, indices, preAtK);
    if (!screened && rows > 0 && rows < PACK_MIN_ROWS) {
      // Few rows: the product is bound by reading W, so threads split W's columns (each reads its
      // half once) into a small [rows, cols] block; then top-k per row.
      const pre = this.#mem.allocFloat32(rows * cols);
      const direct = cols % this.#nr === 0;
      const wPtr = this.#f32ptr(w, 'encodeTopK');
      const packed = direct ? undefined : this.#pack(wPtr, false, d, cols);
      const scratch = this.#mem.allocFloat32(this.threads * Math.max(this.#gemmScratch, 2 * k));
      try {
        this.#gemm(xPtr, false, rows, d, cols, packed ? packed.byteOffset : wPtr, direct ? B_IN_PLACE : B_PACKED, bPtr, pre.byteOffset, scratch.byteOffset, true, xoff);
        const per = Math.max(this.#gemmScratch, 2 * k) * 4;
        this.#pool.run('top_k_abs', rows, (r0, r1, slice) => [pre.byteOffset, cols, k, this.#actCode(activation, 'encodeTopK'), values.byteOffset, indices.byteOffset, preAtK.byteOffset, scratch.byteOffset + slice * per, r0, r1], this.#k.top_k_abs, 1);
      } finally {
        this.#mem.free(scratch);
        if (packed) this.#mem.free(packed);
        this.#mem.free(pre);
      }
    } else if (!screened && rows > 0) {
      // W is packed once per call — once per optimiser step in training — and freed straight away:
      // keeping the panels for the next call would hold a second copy of W_enc through the backward
      // pass, for a saving of about 1% of the step.
      const packed = this.#pack(this.#f32ptr(w, 'encodeTopK'), false, d, cols);
      const wPtr = packed.byteOffset;
      const per = this.#k.encode_scratch_floats(cols, k);
      const scratch = this.#mem.allocFloat32(this.threads * per);
      try {
        const args = (r0: number, r1: number, slice: number) => [
          xPtr, rows, d, cols, wPtr, 1, bPtr, k, this.#actCode(activation, 'encodeTopK'), values.byteOffset, indices.byteOffset,
          preAtK.byteOffset, scratch.byteOffset + slice * per * 4, r0, r1, xoff,
        ];
        // Threads take whole strips of rows, so only the last block of all has a partial strip.
        const mr = this.#mr;
        this.#pool.run('encode_top_k', Math.ceil(rows / mr), (s0, s1, slice) => args(s0 * mr, Math.min(rows, s1 * mr), slice), this.#k.encode_top_k, 2);
      } finally {
        this.#mem.free(scratch);
        this.#mem.free(packed);
      }
    }
    return {
      z: { values: this.#ref.tensorFrom(values, [rows, k]), indices: this.#ref.tensorFrom(indices, [rows, k], 'int32'), cols },
      preAtK: this.#ref.tensorFrom(preAtK, [rows, k]),
    };
  }

  /**
   * The last int16-screened TopK encode: its rows, how many of them the screen could not settle
   * and were encoded in float32 (rows with NaN/Inf, rows with fewer than k surely positive
   * values, too many candidates), and the mean number of latents recomputed per screened row
   * (≥ k; the closer to k, the less the screen costs). undefined until a call screens.
   */
  get lastScreen(): ScreenStats | undefined {
    return this.#lastScreen;
  }

  /** Whether this TopK encode screens in int16 (see WasmBackendOptions.screen). */
  #shouldScreen(rows: number, d: number, cols: number, k: number): boolean {
    if (this.#screen !== 'auto') return this.#screen === 'always';
    if (rows < SCREEN_MIN_ROWS || k * SCREEN_MAX_DENSITY > cols) return false;
    const key = `${d}:${cols}:${k}`;
    const left = this.#screenBackoff.get(key) ?? 0;
    if (left > 0) {
      this.#screenBackoff.set(key, left - 1);
      return false;
    }
    return true;
  }

  /**
   * The int16-screened TopK encoder (ReLU or SiLU): W quantised per column into int16 panels (threads split
   * the panels), then each thread screens, recomputes and selects its rows. False (nothing written)
   * when W has a non-finite value: the caller encodes in float32, which gives NaN its +Inf rank.
   */
  #encodeScreened(
    xPtr: number, rows: number, d: number, cols: number, wPtr: number, bPtr: number, k: number, act: number, xoff: number,
    values: Float32Array, indices: Int32Array, preAtK: Float32Array,
  ): boolean {
    const padded = Math.ceil(cols / this.#nr) * this.#nr;
    const wq = this.#mem.allocInt32(Math.ceil(this.#k.quant_w_bytes(d, cols) / 4));
    const scale = this.#mem.allocFloat32(padded);
    const err = this.#mem.allocFloat32(padded);
    const flag = this.#mem.allocInt32(4);
    const qPer = this.#k.quantize_scratch_floats();
    let scratch: Float32Array | undefined = this.#mem.allocFloat32(this.threads * qPer);
    try {
      flag[0] = 0;
      const qBase = scratch.byteOffset;
      this.#pool.run('quantize_w', padded / this.#nr, (q0, q1, slice) => [wPtr, d, cols, wq.byteOffset, scale.byteOffset, err.byteOffset, flag.byteOffset, q0, q1, qBase + slice * qPer * 4], this.#k.quantize_w, 16);
      this.#mem.free(scratch);
      scratch = undefined;
      if (Atomics.load(flag, 0) !== 0) {
        this.#lastScreen = { rows, float32Rows: rows, candidatesPerRow: 0 };
        return false;
      }
      const per = Math.ceil(this.#k.screen_scratch_bytes(d, cols, k) / 64) * 64;
      scratch = this.#mem.allocFloat32((this.threads * per) / 4);
      const base = scratch.byteOffset;
      const stats = this.#k.screen_stats_offset(d, cols, k);
      const i32 = new Int32Array(scratch.buffer);
      for (let t = 0; t < this.threads; t++) i32.fill(0, (base + t * per + stats) / 4, (base + t * per + stats) / 4 + 2);
      this.#pool.run('encode_top_k_screened', rows, (r0, r1, slice) => [
        xPtr, rows, d, cols, wPtr, wq.byteOffset, scale.byteOffset, err.byteOffset, bPtr, k, act, values.byteOffset,
        indices.byteOffset, preAtK.byteOffset, base + slice * per, r0, r1, xoff,
      ], this.#k.encode_top_k_screened, 64);
      let float32Rows = 0;
      let candidates = 0;
      for (let t = 0; t < this.threads; t++) {
        float32Rows += i32[(base + t * per + stats) / 4]!;
        candidates += i32[(base + t * per + stats) / 4 + 1]!;
      }
      this.#lastScreen = { rows, float32Rows, candidatesPerRow: rows > float32Rows ? candidates / (rows - float32Rows) : 0 };
      if (this.#screen === 'auto' && (8 * float32Rows > rows || 32 * this.#lastScreen.candidatesPerRow > cols)) this.#screenBackoff.set(`${d}:${cols}:${k}`, SCREEN_BACKOFF_CALLS);
      return true;
    } finally {
      if (scratch) this.#mem.free(scratch);
      this.#mem.free(flag);
      this.#mem.free(err);
      this.#mem.free(scale);
      this.#mem.free(wq);
    }
  }

  topKAbs(x: Tensor, k: number): SparseRows {
    if (x.shape.length !== 2 || x.dtype !== 'float32') return this.#ref.topKAbs(x, k);
    const [rows, cols] = x.shape as [number, number];
    if (!Number.isInteger(k) || k < 1 || k > cols) throw new InvalidArgumentError(`topKAbs: k must be an integer in [1, ${cols}], got ${k}`);
    const values = this.#mem.allocFloat32(rows * k);
    const indices = this.#mem.allocInt32(rows * k);
    const scratch = this.#mem.allocFloat32(this.threads * 2 * k);
    try {
      const args = (r0: number, r1: number, slice: number) => [this.#ptr(x, 'topKAbs'), cols, k, 0, values.byteOffset, indices.byteOffset, 0, scratch.byteOffset + slice * 8 * k, r0, r1];
      this.#pool.run('top_k_abs', rows, args, this.#k.top_k_abs);
    } finally {
      this.#mem.free(scratch);
    }
    return { values: this.#ref.tensorFrom(values, [rows, k]), indices: this.#ref.tensorFrom(indices, [rows, k], 'int32'), cols };
  }

  sparseMatmul(sp: SparseRows, w: Tensor, options: { transposeB?: boolean } = {}): Tensor {
    const { rows, k } = sparseDims('sparseMatmul', sp.values, sp.indices);
    const n = featureMatrixWidth('sparseMatmul', w, sp.cols, options.transposeB ?? false);
    this.#checkIndices(sp.indices, sp.cols, 'sparseMatmul');
    const wT = options.transposeB ? this.#transposed(w, 'sparseMatmul') : undefined;
    const wPtr = wT ? wT.byteOffset : this.#ptr(w, 'sparseMatmul');
    const out = this.#mem.allocFloat32(rows * n);
    try {
      const args = (r0: number, r1: number) => [this.#ptr(sp.values, 'sparseMatmul'), this.#ptr(sp.indices, 'sparseMatmul'), k, wPtr, n, out.byteOffset, r0, r1];
      this.#pool.run('sparse_matmul', rows, args, this.#k.sparse_matmul);
    } finally {
      if (wT) this.#mem.free(wT);
    }
    return this.#ref.tensorFrom(out, [rows, n]);
  }

  sampledMatmul(a: Tensor, w: Tensor, indices: Tensor, options: { transposeB?: boolean } = {}): Tensor {
    const [rows, n] = a.shape as [number, number];
    const cols = options.transposeB ? w.shape[1]! : w.shape[0]!;
    if (featureMatrixWidth('sampledMatmul', w, cols, options.transposeB ?? false) !== n || indices.shape[0] !== rows) {
      throw new ShapeMismatchError(`sampledMatmul: a ${shapeToString(a.shape)}, W ${shapeToString(w.shape)} and indices ${shapeToString(indices.shape)} do not fit`);
    }
    this.#checkIndices(indices, cols, 'sampledMatmul');
    const k = indices.shape[1]!;
    const wT = options.transposeB ? this.#transposed(w, 'sampledMatmul') : undefined;
    const wPtr = wT ? wT.byteOffset : this.#ptr(w, 'sampledMatmul');
    const out = this.#mem.allocFloat32(rows * k);
    try {
      const args = (r0: number, r1: number) => [this.#ptr(a, 'sampledMatmul'), this.#ptr(indices, 'sampledMatmul'), k, wPtr, n, out.byteOffset, r0, r1];
      this.#pool.run('sampled_matmul', rows, args, this.#k.sampled_matmul);
    } finally {
      if (wT) this.#mem.free(wT);
    }
    return this.#ref.tensorFrom(out, [rows, k]);
  }

  sparseTransposeMatmul(sp: SparseRows, y: Tensor, options: { transposeOut?: boolean; yOffset?: Tensor } = {}): Tensor {
    const { rows, k } = sparseDims('sparseTransposeMatmul', sp.values, sp.indices);
    if (y.shape.length !== 2 || y.shape[0] !== rows) throw new ShapeMismatchError(`sparseTransposeMatmul: ${rows} sparse rows, y has shape ${shapeToString(y.shape)}`);
    this.#checkIndices(sp.indices, sp.cols, 'sparseTransposeMatmul');
    const n = y.shape[1]!;
    const cols = sp.cols;
    const yOffset = options.yOffset ? this.#ref.offsetView('sparseTransposeMatmul', options.yOffset, n).byteOffset : 0;
    const out = this.#mem.allocFloat32(cols * n);
    const offsets = this.#mem.allocInt32(cols + 1);
    const order = this.#mem.allocInt32(Math.max(1, rows * k));
    const scratch = this.#mem.allocFloat32(this.threads * 16 * n);
    try {
      // Entries grouped by latent, then every output row summed once (no zero-fill, no transpose pass).
      this.#k.sparse_by_column(this.#ptr(sp.indices, 'sparseTransposeMatmul'), rows * k, cols, offsets.byteOffset, order.byteOffset);
      const base = [this.#f32ptr(sp.values, 'sparseTransposeMatmul'), order.byteOffset, offsets.byteOffset, k, this.#f32ptr(y, 'sparseTransposeMatmul'), yOffset, n, out.byteOffset, cols, options.transposeOut ? 1 : 0];
      this.#pool.run('sparse_transpose_matmul', Math.ceil(cols / 16), (b0, b1, slice) => [...base, scratch.byteOffset + slice * 64 * n, b0 * 16, Math.min(cols, b1 * 16)], this.#k.sparse_transpose_matmul, 4);
    } finally {
      this.#mem.free(scratch);
      this.#mem.free(order);
      this.#mem.free(offsets);
    }
    return this.#ref.tensorFrom(out, options.transposeOut ? [n, cols] : [cols, n]);
  }

  addRowVector(a: Tensor, v: Tensor, alpha = 1): Tensor {
    if (a.shape.length !== 2 || v.shape.length !== 1 || v.shape[0] !== a.shape[1] || a.dtype !== 'float32' || v.dtype !== 'float32') return this.#ref.addRowVector(a, v, alpha);
    const [rows, n] = a.shape as [number, number];
    const out = this.#mem.allocFloat32(rows * n);
    const args = (r0: number, r1: number) => [this.#ptr(a, 'addRowVector'), this.#ptr(v, 'addRowVector'), alpha, n, out.byteOffset, r0, r1];
    this.#pool.run('add_row_vector', rows, args, this.#k.add_row_vector, Math.max(4, Math.ceil(MIN_BLOCKS_PER_THREAD * BLOCK / Math.max(1, n))));
    return this.#ref.tensorFrom(out, a.shape);
  }

  #actCode(kind: ActivationKind, op: string): number {
    const code = (ACT_CODE as Record<string, number>)[kind];
    if (code === undefined) throw new UnsupportedOpError(this.name, `${op} '${kind}'`);
    return code;
  }

  #binaryOp(op: keyof typeof OP_CODE, a: Tensor, b: Tensor): Tensor {
    assertSameShape(op, a, b);
    const [ap, bp] = [this.#f32ptr(a, op), this.#f32ptr(b, op)];
    const out = this.#mem.allocFloat32(a.size);
    this.#elementwise('binary', a.size, (i0, i1) => [OP_CODE[op], ap, bp, out.byteOffset, i0, i1]);
    return this.#ref.tensorFrom(out, a.shape);
  }

  add(a: Tensor, b: Tensor): Tensor {
    if (!sameShape(a, b)) return this.#ref.add(a, b); // broadcasting: the reference kernel
    return this.#binaryOp('add', a, b);
  }

  sub(a: Tensor, b: Tensor): Tensor {
    if (!sameShape(a, b)) return this.#ref.sub(a, b); // broadcasting: the reference kernel
    return this.#binaryOp('sub', a, b);
  }

  mul(a: Tensor, b: Tensor): Tensor {
    if (!sameShape(a, b)) return this.#ref.mul(a, b); // broadcasting: the reference kernel
    return this.#binaryOp('mul', a, b);
  }

  addInPlace(a: Tensor, b: Tensor): void {
    assertSameShape('addInPlace', a, b);
    const [ap, bp] = [this.#f32ptr(a, 'addInPlace'), this.#f32ptr(b, 'addInPlace')];
    this.#elementwise('binary', a.size, (i0, i1) => [OP_CODE.add, ap, bp, ap, i0, i1], true);
  }

  scale(a: Tensor, s: number): Tensor {
    const ap = this.#f32ptr(a, 'scale');
    const out = this.#mem.allocFloat32(a.size);
    this.#elementwise('scale', a.size, (i0, i1) => [ap, s, out.byteOffset, i0, i1]);
    return this.#ref.tensorFrom(out, a.shape);
  }

  sign(a: Tensor): Tensor {
    const ap = this.#f32ptr(a, 'sign');
    const out = this.#mem.allocFloat32(a.size);
    this.#elementwise('sign', a.size, (i0, i1) => [ap, out.byteOffset, i0, i1]);
    return this.#ref.tensorFrom(out, a.shape);
  }

  activation(x: Tensor, kind: ActivationKind): Tensor {
    const xp = this.#f32ptr(x, 'activation');
    const out = this.#mem.allocFloat32(x.size);
    this.#elementwise('activation', x.size, (i0, i1) => [xp, this.#actCode(kind, 'activation'), out.byteOffset, i0, i1]);
    return this.#ref.tensorFrom(out, x.shape);
  }

  activationGrad(dy: Tensor, pre: Tensor, kind: ActivationKind): Tensor {
    assertSameShape('activationGrad', dy, pre);
    const [gp, hp] = [this.#f32ptr(dy, 'activationGrad'), this.#f32ptr(pre, 'activationGrad')];
    const out = this.#mem.allocFloat32(dy.size);
    this.#elementwise('activation_grad', dy.size, (i0, i1) => [gp, hp, this.#actCode(kind, 'activation'), 0, out.byteOffset, i0, i1]);
    return this.#ref.tensorFrom(out, dy.shape);
  }

  activationGradInPlace(dy: Tensor, pre: Tensor, kind: ActivationKind, l1 = 0): void {
    assertSameShape('activationGradInPlace', dy, pre);
    const [gp, hp] = [this.#f32ptr(dy, 'activationGradInPlace'), this.#f32ptr(pre, 'activationGradInPlace')];
    this.#elementwise('activation_grad', dy.size, (i0, i1) => [gp, hp, this.#actCode(kind, 'activation'), l1, gp, i0, i1], true);
  }

  reduce(x: Tensor, kind: ReduceKind, axis?: ReduceAxis): Tensor {
    if (x.dtype !== 'float32' || (axis !== undefined && x.shape.length !== 2)) return this.#ref.reduce(x, kind, axis);
    const xp = this.#ptr(x, 'reduce');
    const code = REDUCE_CODE[kind];
    if (axis === undefined) {
      // One float64 partial sum per thread (the allocator aligns to 16 bytes).
      const slots = this.#mem.allocFloat32(2 * this.threads);
      try {
        slots.fill(0);
        const blocks = Math.ceil(x.size / BLOCK);
        this.#pool.run('reduce_all', blocks, (u0, u1, slice) => [xp, code, slots.byteOffset, slice, u0 * BLOCK, Math.min(x.size, u1 * BLOCK)], this.#k.reduce_all, MIN_BLOCKS_PER_THREAD);
        const partials = new Float64Array(this.#mem.memory.buffer, slots.byteOffset, this.threads);
        let s = 0;
        for (const p of partials) s += p;
        const out = this.#mem.allocFloat32(1);
        out[0] = s;
        return this.#ref.tensorFrom(out, [1]);
      } finally {
        this.#mem.free(slots);
      }
    }
    const [rows, cols] = x.shape as [number, number];
    if (axis === 1) {
      const out = this.#mem.allocFloat32(rows);
      this.#pool.run('reduce_rows', rows, (r0, r1) => [xp, cols, code, out.byteOffset, r0, r1], this.#k.reduce_rows, Math.max(4, Math.ceil(MIN_BLOCKS_PER_THREAD * BLOCK / Math.max(1, cols))));
      return this.#ref.tensorFrom(out, [rows]);
    }
    const out = this.#mem.allocFloat32(cols);
    const acc = this.#mem.allocFloat32(this.threads * 512);
    try {
      const groups = Math.ceil(cols / 8);
      const minGroups = Math.max(4, Math.ceil((MIN_BLOCKS_PER_THREAD * BLOCK) / Math.max(1, rows * 8)));
      this.#pool.run('reduce_cols', groups, (g0, g1, slice) => [xp, rows, cols, code, out.byteOffset, acc.byteOffset + slice * 2048, g0 * 8, Math.min(cols, g1 * 8)], this.#k.reduce_cols, minGroups);
    } finally {
      this.#mem.free(acc);
    }
    return this.#ref.tensorFrom(out, [cols]);
  }

  adamUpdate(param: Tensor, grad: Tensor, m: Tensor, v: Tensor, hp: AdamHyperparams): void {
    assertSameShape('adamUpdate', param, grad);
    assertSameShape('adamUpdate', param, m);
    assertSameShape('adamUpdate', param, v);
    const ptrs = [param, grad, m, v].map((t) => this.#f32ptr(t, 'adamUpdate'));
    const { lr, beta1, beta2, eps, weightDecay, decoupled, step } = hp;
    const stepSize = lr / (1 - beta1 ** step);
    const bc2Sqrt = Math.sqrt(1 - beta2 ** step);
    const decay = decoupled ? 1 - lr * weightDecay : 1;
    const l2 = decoupled ? 0 : weightDecay;
    this.#elementwise('adam', param.size, (i0, i1) => [...ptrs, stepSize, bc2Sqrt, beta1, beta2, eps, decay, l2, i0, i1], true);
  }

  normalizeRowsInPlace(x: Tensor): void {
    assertRank('normalizeRowsInPlace', 'x', x, 2);
    const [rows, n] = x.shape as [number, number];
    const xp = this.#f32ptr(x, 'normalizeRowsInPlace');
    this.#pool.run('normalize_rows', rows, (r0, r1) => [xp, n, r0, r1], this.#k.normalize_rows, Math.max(4, Math.ceil(MIN_BLOCKS_PER_THREAD * BLOCK / Math.max(1, n))), true);
  }

  scaleInPlace(x: Tensor, s: number): void {
    const xp = this.#f32ptr(x, 'scaleInPlace');
    this.#elementwise('scale', x.size, (i0, i1) => [xp, s, xp, i0, i1], true);
  }

  /** Kernels trust indices; an index outside [0, cols) would read or write the wrong memory. */
  #checkIndices(indices: Tensor, cols: number, op: string): void {
    const idx = this.#ref.arrayOf(indices, op) as Int32Array;
    for (let i = 0; i < idx.length; i++) {
      const v = idx[i]!;
      if (v < 0 || v >= cols) throw new IndexOutOfRangeError(op, v, cols);
    }
  }

  /** Stops the worker threads; resolves when they have exited. */
  async dispose(): Promise<void> {
    await this.#pool.dispose();
    await this.#ref.dispose();
  }
}

function sameShape(a: Tensor, b: Tensor): boolean {
  return a.shape.length === b.shape.length && a.shape.every((s, i) => s === b.shape[i]);
}
