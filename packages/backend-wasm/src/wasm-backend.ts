import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import {
  CpuBackend, featureMatrixWidth, matmulDims, shapeToString, ShapeMismatchError, sparseDims,
  InvalidArgumentError, type ActivationKind, type BackendCapabilities, type MatmulOptions, type SparseRows, type Tensor,
} from '@deeplens/core';
import { WasmArrayMemory } from './wasm-array-memory.js';
import { WorkerPool } from './worker-pool.js';

export interface WasmBackendOptions {
  /** Threads for matmuls and row-parallel sparse kernels (default: available cores). */
  threads?: number;
}

interface Kernels {
  pack_b(b: number, k: number, n: number, packed: number): void;
  matmul(a: number, b: number, packed: number, c: number, m: number, k: number, n: number, r0: number, r1: number): void;
  sparse_matmul(values: number, indices: number, k: number, w: number, n: number, out: number, r0: number, r1: number): void;
  sampled_matmul(a: number, indices: number, k: number, w: number, n: number, out: number, r0: number, r1: number): void;
  sparse_transpose_matmul(values: number, indices: number, rows: number, k: number, y: number, n: number, out: number, cols: number): void;
  add_row_vector(x: number, v: number, alpha: number, n: number, out: number, r0: number, r1: number): void;
  relu(x: number, n: number, out: number, r0: number, r1: number): void;
  top_k_abs(x: number, cols: number, k: number, values: number, indices: number, scratch: number, r0: number, r1: number): void;
  transpose(src: number, rows: number, cols: number, dst: number, r0: number, r1: number): void;
}

let compiled: WebAssembly.Module | undefined;

/** The kernels, compiled once per process (AssemblyScript output in build/kernels.wasm). */
export function kernelModule(): WebAssembly.Module {
  if (!compiled) {
    // V8 would first run the kernels on its baseline compiler (Liftoff) and optimise them later;
    // a single first matmul then takes seconds. Compile them optimised from the start.
    setFlagsFromString('--no-liftoff');
    compiled = new WebAssembly.Module(readFileSync(new URL('../build/kernels.wasm', import.meta.url)));
  }
  return compiled;
}

/**
 * WebAssembly SIMD backend. Tensor data lives in one shared WebAssembly.Memory; dense matmuls and
 * the TopK sparse products run as 128-bit SIMD kernels split across worker threads, and every
 * other op is the reference backend's code working on the same memory.
 */
export class WasmBackend extends CpuBackend {
  override readonly capabilities: BackendCapabilities = { bf16: false, syncRead: true };
  readonly threads: number;
  readonly #mem: WasmArrayMemory;
  readonly #k: Kernels;
  readonly #pool: WorkerPool;

  constructor(options: WasmBackendOptions = {}) {
    const mem = new WasmArrayMemory();
    super({ name: 'wasm', memory: mem });
    this.#mem = mem;
    this.threads = Math.max(1, options.threads ?? availableParallelism());
    const module = kernelModule();
    this.#k = new WebAssembly.Instance(module, { env: { memory: mem.memory } }).exports as unknown as Kernels;
    this.#pool = new WorkerPool(module, mem.memory, this.threads);
  }

  /** Bytes of wasm memory in use by live tensors and scratch space. */
  get wasmBytesInUse(): number {
    return this.#mem.usedBytes;
  }

  #ptr(t: Tensor, op: string): number {
    return this.view(t, op).byteOffset;
  }

  /** A row-major copy of the transpose of x [rows, cols], in wasm memory (free it after use). */
  #transposed(x: Tensor, op: string): Float32Array {
    const [rows, cols] = x.shape as [number, number];
    const src = this.#ptr(x, op);
    const out = this.arrays.allocFloat32(rows * cols);
    this.#pool.run('transpose', rows, (r0, r1) => [src, rows, cols, out.byteOffset, r0, r1], this.#k.transpose, 32);
    return out;
  }

  override matmul(a: Tensor, b: Tensor, options: MatmulOptions = {}): Tensor {
    const { m, k, n } = matmulDims('matmul', a, b, options);
    const temps: Float32Array[] = [];
    const aData = options.transposeA ? (temps[temps.length] = this.#transposed(a, 'matmul')) : (this.view(a, 'matmul') as Float32Array);
    const bData = options.transposeB ? (temps[temps.length] = this.#transposed(b, 'matmul')) : (this.view(b, 'matmul') as Float32Array);
    const packed = this.arrays.allocFloat32(Math.max(4, (n >> 3) * 8 * k));
    const out = this.arrays.allocFloat32(m * n);
    try {
      this.#k.pack_b(bData.byteOffset, k, n, packed.byteOffset);
      const args = (r0: number, r1: number) => [aData.byteOffset, bData.byteOffset, packed.byteOffset, out.byteOffset, m, k, n, r0, r1];
      this.#pool.run('matmul', m, args, this.#k.matmul);
    } finally {
      this.arrays.free(packed);
      for (const t of temps) this.arrays.free(t);
    }
    return this.wrap(out, [m, n]);
  }

  override sparseMatmul(sp: SparseRows, w: Tensor, options: { transposeB?: boolean } = {}): Tensor {
    const { rows, k } = sparseDims('sparseMatmul', sp.values, sp.indices);
    const n = featureMatrixWidth('sparseMatmul', w, sp.cols, options.transposeB ?? false);
    this.#checkIndices(sp.indices, sp.cols, 'sparseMatmul');
    const wT = options.transposeB ? this.#transposed(w, 'sparseMatmul') : undefined;
    const wPtr = wT ? wT.byteOffset : this.#ptr(w, 'sparseMatmul');
    const out = this.arrays.allocFloat32(rows * n);
    try {
      const args = (r0: number, r1: number) => [this.#ptr(sp.values, 'sparseMatmul'), this.#ptr(sp.indices, 'sparseMatmul'), k, wPtr, n, out.byteOffset, r0, r1];
      this.#pool.run('sparse_matmul', rows, args, this.#k.sparse_matmul);
    } finally {
      if (wT) this.arrays.free(wT);
    }
    return this.wrap(out, [rows, n]);
  }

  override sampledMatmul(a: Tensor, w: Tensor, indices: Tensor, options: { transposeB?: boolean } = {}): Tensor {
    const [rows, n] = a.shape as [number, number];
    const cols = options.transposeB ? w.shape[1]! : w.shape[0]!;
    if (featureMatrixWidth('sampledMatmul', w, cols, options.transposeB ?? false) !== n || indices.shape[0] !== rows) {
      throw new ShapeMismatchError(`sampledMatmul: a ${shapeToString(a.shape)}, W ${shapeToString(w.shape)} and indices ${shapeToString(indices.shape)} do not fit`);
    }
    this.#checkIndices(indices, cols, 'sampledMatmul');
    const k = indices.shape[1]!;
    const wT = options.transposeB ? this.#transposed(w, 'sampledMatmul') : undefined;
    const wPtr = wT ? wT.byteOffset : this.#ptr(w, 'sampledMatmul');
    const out = this.arrays.allocFloat32(rows * k);
    try {
      const args = (r0: number, r1: number) => [this.#ptr(a, 'sampledMatmul'), this.#ptr(indices, 'sampledMatmul'), k, wPtr, n, out.byteOffset, r0, r1];
      this.#pool.run('sampled_matmul', rows, args, this.#k.sampled_matmul);
    } finally {
      if (wT) this.arrays.free(wT);
    }
    return this.wrap(out, [rows, k]);
  }

  override sparseTransposeMatmul(sp: SparseRows, y: Tensor, options: { transposeOut?: boolean } = {}): Tensor {
    const { rows, k } = sparseDims('sparseTransposeMatmul', sp.values, sp.indices);
    if (y.shape.length !== 2 || y.shape[0] !== rows) throw new ShapeMismatchError(`sparseTransposeMatmul: ${rows} sparse rows, y has shape ${shapeToString(y.shape)}`);
    this.#checkIndices(sp.indices, sp.cols, 'sparseTransposeMatmul');
    const n = y.shape[1]!;
    const out = this.arrays.allocFloat32(sp.cols * n);
    this.#k.sparse_transpose_matmul(this.#ptr(sp.values, 'sparseTransposeMatmul'), this.#ptr(sp.indices, 'sparseTransposeMatmul'), rows, k, this.#ptr(y, 'sparseTransposeMatmul'), n, out.byteOffset, sp.cols);
    const t = this.wrap(out, [sp.cols, n]);
    if (!options.transposeOut) return t;
    const tt = this.#transposed(t, 'sparseTransposeMatmul');
    t.dispose();
    return this.wrap(tt, [n, sp.cols]);
  }

  override addRowVector(a: Tensor, v: Tensor, alpha = 1): Tensor {
    if (a.shape.length !== 2 || v.shape.length !== 1 || v.shape[0] !== a.shape[1]) return super.addRowVector(a, v, alpha);
    const [rows, n] = a.shape as [number, number];
    const out = this.arrays.allocFloat32(rows * n);
    const args = (r0: number, r1: number) => [this.#ptr(a, 'addRowVector'), this.#ptr(v, 'addRowVector'), alpha, n, out.byteOffset, r0, r1];
    this.#pool.run('add_row_vector', rows, args, this.#k.add_row_vector, 64);
    return this.wrap(out, a.shape);
  }

  override activation(x: Tensor, kind: ActivationKind): Tensor {
    if (kind !== 'relu' || x.shape.length !== 2) return super.activation(x, kind);
    const [rows, n] = x.shape as [number, number];
    const out = this.arrays.allocFloat32(rows * n);
    const args = (r0: number, r1: number) => [this.#ptr(x, 'activation'), n, out.byteOffset, r0, r1];
    this.#pool.run('relu', rows, args, this.#k.relu, 64);
    return this.wrap(out, x.shape);
  }

  override topKAbs(x: Tensor, k: number): SparseRows {
    if (x.shape.length !== 2) return super.topKAbs(x, k);
    const [rows, cols] = x.shape as [number, number];
    if (!Number.isInteger(k) || k < 1 || k > cols) throw new InvalidArgumentError(`topKAbs: k must be an integer in [1, ${cols}], got ${k}`);
    const values = this.arrays.allocFloat32(rows * k);
    const indices = this.arrays.allocInt32(rows * k);
    const scratch = this.arrays.allocFloat32(this.threads * 2 * cols);
    try {
      const args = (r0: number, r1: number, slice: number) => [this.#ptr(x, 'topKAbs'), cols, k, values.byteOffset, indices.byteOffset, scratch.byteOffset + slice * 8 * cols, r0, r1];
      this.#pool.run('top_k_abs', rows, args, this.#k.top_k_abs);
    } finally {
      this.arrays.free(scratch);
    }
    return { values: this.wrap(values, [rows, k]), indices: this.wrap(indices, [rows, k], 'int32'), cols };
  }

  /** Kernels trust indices; an index outside [0, cols) would read or write the wrong memory. */
  #checkIndices(indices: Tensor, cols: number, op: string): void {
    const idx = this.view(indices, op) as Int32Array;
    for (let i = 0; i < idx.length; i++) {
      const v = idx[i]!;
      if (v < 0 || v >= cols) throw new ShapeMismatchError(`${op}: index ${v} is outside [0, ${cols})`);
    }
  }

  override dispose(): void {
    void this.#pool.dispose();
  }
}
