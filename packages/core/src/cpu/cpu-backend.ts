import { ForeignTensorError, IndexOutOfRangeError, InvalidArgumentError, ShapeMismatchError, UnsupportedOpError } from '../errors.js';
import type {
  ActivationKind, AdamHyperparams, Backend, BackendCapabilities, LayerNormGrads, LayerNormResult,
  MatmulOptions, MemoryInfo, ReduceAxis, ReduceKind,
} from '../backend/backend.js';
import {
  assertDType, assertRank, assertSameShape, featureMatrixWidth, matmulAccumulateDims, matmulDims, sparseDims,
} from '../backend/shape-checks.js';
import { shapeToString, sizeOf, type DType, type Shape, type SparseRows, type Tensor } from '../backend/tensor.js';
import { broadcastShape } from '../backend/broadcast.js';
import { CpuTensor } from './cpu-tensor.js';
import { BINARY_FUNCTIONS, binaryKernel, UNARY_FUNCTIONS, whereKernel } from './elementwise-kernels.js';
import { layerNormGradKernel, layerNormKernel } from './layer-norm-kernel.js';
import { bf16Copy, matmulKernel, transposeKernel } from './matmul-kernel.js';
import { sampledMatmulKernel, sparseMatmulKernel, sparseTransposeMatmulKernel } from './sparse-kernels.js';
import { topKAbsKernel } from './top-k-kernel.js';

/** Where a typed-array backend keeps tensor data: the JS heap by default, or e.g. wasm memory. */
export interface ArrayMemory {
  allocFloat32(length: number): Float32Array;
  allocInt32(length: number): Int32Array;
  free(array: Float32Array | Int32Array): void;
}

const heapMemory: ArrayMemory = {
  allocFloat32: (n) => new Float32Array(n),
  allocInt32: (n) => new Int32Array(n),
  free: () => {},
};

export interface CpuBackendOptions {
  /** Backend name reported by tensors and errors (default 'cpu'). */
  name?: string;
  /** Where tensor data lives (default: the JS heap). */
  memory?: ArrayMemory;
}

/**
 * The reference backend: pure TypeScript on typed arrays. Correct first; cache-blocked matmul and
 * sparse TopK kernels keep it usable for small models and for checking other backends.
 *
 * Other typed-array backends compose it rather than inherit from it: they create one with their own
 * `ArrayMemory` (e.g. wasm memory), run their kernels on its arrays through the documented
 * typed-array surface below (`arrayMemory`, `arrayOf`, `tensorFrom`, `offsetView`), and delegate
 * the ops they do not accelerate to it. Nothing else of its internals is public.
 */
export class CpuBackend implements Backend {
  readonly name: string;
  readonly capabilities: BackendCapabilities = {
    bf16: true, syncRead: true, hostMemory: true, floatBits: 32, ieeeNonFinite: true, inPlace: 'native', activations: ['relu', 'silu'], sparseYOffset: true,
  };
  readonly #arrays: ArrayMemory;
  #liveTensors = 0;
  #liveBytes = 0;
  readonly #release = (t: CpuTensor, data: Float32Array | Int32Array): void => {
    this.#liveTensors--;
    this.#liveBytes -= t.size * 4;
    this.#arrays.free(data);
  };

  constructor(options: CpuBackendOptions = {}) {
    this.name = options.name ?? 'cpu';
    this.#arrays = options.memory ?? heapMemory;
  }

  #make(data: Float32Array | Int32Array, shape: Shape, dtype: DType = 'float32'): CpuTensor {
    this.#liveTensors++;
    this.#liveBytes += data.length * 4;
    return new CpuTensor(data, [...shape], dtype, this.#release, this.name, this);
  }

  /** New float32 array in this backend's memory. */
  #f(n: number): Float32Array {
    return this.#arrays.allocFloat32(n);
  }

  /** Copy `src` into this backend's memory (identity on the JS heap). */
  #own(src: Float32Array): Float32Array {
    if (this.#arrays === heapMemory) return src;
    const out = this.#arrays.allocFloat32(src.length);
    out.set(src);
    return out;
  }

  /** Take over a freshly cloned tensor's array (its handle is retired without freeing the data). */
  #adopt(c: CpuTensor): Float32Array | Int32Array {
    const data = c.dataFor('reshape');
    c.retire();
    this.#liveTensors--;
    this.#liveBytes -= data.length * 4;
    return data;
  }

  /** Typed-array surface: where this backend allocates (the memory given to its constructor). */
  get arrayMemory(): ArrayMemory {
    return this.#arrays;
  }

  /**
   * Typed-array surface: wrap an array allocated from `arrayMemory` as a tensor this backend owns
   * (it frees the array when the tensor is disposed). The array must not be used elsewhere after.
   */
  tensorFrom(data: Float32Array | Int32Array, shape: Shape, dtype: DType = 'float32'): Tensor {
    if (sizeOf(shape) !== data.length) throw new ShapeMismatchError(`tensorFrom: ${data.length} values do not fill shape ${shapeToString(shape)}`);
    return this.#make(data, shape, dtype);
  }

  /**
   * Typed-array surface: the array behind a tensor of this backend, without a copy, for a composing
   * backend's kernels. Throws ForeignTensorError for another backend's tensor and
   * TensorDisposedError for a disposed one (`op` names the caller in the message).
   */
  arrayOf(t: Tensor, op: string): Float32Array | Int32Array {
    return this.view(t, op);
  }

  private view(t: Tensor, op: string): Float32Array | Int32Array {
    if (!(t instanceof CpuTensor) || t.owner !== this) throw new ForeignTensorError(this.name, op, t.backendName);
    return t.dataFor(op);
  }

  #f32(t: Tensor, op: string): Float32Array {
    const d = this.view(t, op);
    assertDType(op, 'input', t, 'float32');
    return d as Float32Array;
  }

  /** Typed-array surface: a [n] float32 offset vector's data (e.g. yOffset of sparseTransposeMatmul), shape-checked. */
  offsetView(op: string, offset: Tensor, n: number): Float32Array {
    if (offset.shape.length !== 1 || offset.shape[0] !== n) throw new ShapeMismatchError(`${op}: the row offset ${shapeToString(offset.shape)} must be [${n}], one value per column`);
    return this.#f32(offset, op);
  }

  #i32(t: Tensor, op: string): Int32Array {
    const d = this.view(t, op);
    assertDType(op, 'indices', t, 'int32');
    return d as Int32Array;
  }

  fromArray(data: Float32Array | Int32Array | readonly number[], shape: Shape, dtype: DType = 'float32'): Tensor {
    if (sizeOf(shape) !== data.length) {
      throw new ShapeMismatchError(`fromArray: ${data.length} values do not fill shape ${shapeToString(shape)}`);
    }
    const copy = dtype === 'int32' ? this.#arrays.allocInt32(data.length) : this.#f(data.length);
    copy.set(data);
    return this.#make(copy, shape, dtype);
  }

  zeros(shape: Shape, dtype: DType = 'float32'): Tensor {
    const n = sizeOf(shape);
    const data = dtype === 'int32' ? this.#arrays.allocInt32(n) : this.#f(n);
    data.fill(0);
    return this.#make(data, shape, dtype);
  }

  async read(t: Tensor): Promise<Float32Array | Int32Array> {
    return this.readSync(t);
  }

  readSync(t: Tensor): Float32Array | Int32Array {
    return this.view(t, 'read').slice();
  }

  clone(t: Tensor): Tensor {
    const src = this.view(t, 'clone');
    const copy = t.dtype === 'int32' ? this.#arrays.allocInt32(src.length) : this.#f(src.length);
    copy.set(src);
    return this.#make(copy, t.shape, t.dtype);
  }

  reshape(t: Tensor, shape: Shape): Tensor {
    if (sizeOf(shape) !== t.size) {
      throw new ShapeMismatchError(`reshape: cannot view ${shapeToString(t.shape)} as ${shapeToString(shape)}`);
    }
    const c = this.clone(t) as CpuTensor;
    return this.#make(this.#adopt(c), shape, t.dtype);
  }

  matmul(a: Tensor, b: Tensor, options: MatmulOptions = {}): Tensor {
    const { m, n } = matmulDims('matmul', a, b, options);
    const out = this.#f(m * n);
    this.#matmulInto(out, a, b, options, false);
    return this.#make(out, [m, n]);
  }

  matmulAccumulate(out: Tensor, a: Tensor, b: Tensor, options: MatmulOptions = {}): void {
    matmulAccumulateDims('matmulAccumulate', out, a, b, options);
    this.#matmulInto(this.#f32(out, 'matmulAccumulate'), a, b, options, true);
  }

  #matmulInto(out: Float32Array, a: Tensor, b: Tensor, options: MatmulOptions, accumulate: boolean): void {
    const { m, k, n } = matmulDims('matmul', a, b, options);
    let ad = this.#f32(a, 'matmul');
    let bd = this.#f32(b, 'matmul');
    if (options.transposeA) ad = transposeKernel(ad, k, m);
    if (options.transposeB) bd = transposeKernel(bd, n, k);
    if (options.precision === 'bf16') {
      ad = bf16Copy(ad);
      bd = bf16Copy(bd);
    }
    matmulKernel(ad, bd, out, m, k, n, accumulate);
  }

  #binary(op: keyof typeof BINARY_FUNCTIONS, a: Tensor, b: Tensor): Tensor {
    const shape = broadcastShape(op, a.shape, b.shape);
    const out = this.#f(sizeOf(shape));
    binaryKernel(this.#f32(a, op), a.shape, this.#f32(b, op), b.shape, out, shape, BINARY_FUNCTIONS[op]);
    return this.#make(out, shape);
  }

  #unary(op: string, a: Tensor, f: (x: number) => number): Tensor {
    const x = this.#f32(a, op);
    const out = this.#f(x.length);
    for (let i = 0; i < x.length; i++) out[i] = f(x[i]);
    return this.#make(out, a.shape);
  }

  add(a: Tensor, b: Tensor): Tensor {
    return this.#binary('add', a, b);
  }

  sub(a: Tensor, b: Tensor): Tensor {
    return this.#binary('sub', a, b);
  }

  mul(a: Tensor, b: Tensor): Tensor {
    return this.#binary('mul', a, b);
  }

  div(a: Tensor, b: Tensor): Tensor {
    return this.#binary('div', a, b);
  }

  maximum(a: Tensor, b: Tensor): Tensor {
    return this.#binary('maximum', a, b);
  }

  minimum(a: Tensor, b: Tensor): Tensor {
    return this.#binary('minimum', a, b);
  }

  greater(a: Tensor, b: Tensor): Tensor {
    return this.#binary('greater', a, b);
  }

  equal(a: Tensor, b: Tensor): Tensor {
    return this.#binary('equal', a, b);
  }

  where(cond: Tensor, a: Tensor, b: Tensor): Tensor {
    const shape = broadcastShape('where', cond.shape, a.shape, b.shape);
    const out = this.#f(sizeOf(shape));
    whereKernel(this.#f32(cond, 'where'), cond.shape, this.#f32(a, 'where'), a.shape, this.#f32(b, 'where'), b.shape, out, shape);
    return this.#make(out, shape);
  }

  scale(a: Tensor, s: number): Tensor {
    return this.#unary('scale', a, (x) => x * s);
  }

  addScalar(a: Tensor, s: number): Tensor {
    return this.#unary('addScalar', a, (x) => x + s);
  }

  abs(a: Tensor): Tensor {
    return this.#unary('abs', a, UNARY_FUNCTIONS.abs);
  }

  neg(a: Tensor): Tensor {
    return this.#unary('neg', a, UNARY_FUNCTIONS.neg);
  }

  sqrt(a: Tensor): Tensor {
    return this.#unary('sqrt', a, UNARY_FUNCTIONS.sqrt);
  }

  exp(a: Tensor): Tensor {
    return this.#unary('exp', a, UNARY_FUNCTIONS.exp);
  }

  log(a: Tensor): Tensor {
    return this.#unary('log', a, UNARY_FUNCTIONS.log);
  }

  sigmoid(a: Tensor): Tensor {
    return this.#unary('sigmoid', a, UNARY_FUNCTIONS.sigmoid);
  }

  sign(a: Tensor): Tensor {
    return this.#unary('sign', a, UNARY_FUNCTIONS.sign);
  }

  fill(shape: Shape, value: number, dtype: DType = 'float32'): Tensor {
    const t = this.zeros(shape, dtype);
    this.view(t, 'fill').fill(value);
    return t;
  }

  concat(tensors: readonly Tensor[]): Tensor {
    if (tensors.length === 0) throw new InvalidArgumentError('concat: give at least one tensor');
    const [first] = tensors as [Tensor, ...Tensor[]];
    const tail = first.shape.slice(1);
    let rows = 0;
    for (const t of tensors) {
      if (t.dtype !== first.dtype || t.shape.length !== first.shape.length || t.shape.slice(1).some((s, i) => s !== tail[i])) {
        throw new ShapeMismatchError(`concat: ${shapeToString(t.shape)} ${t.dtype} does not stack onto ${shapeToString(first.shape)} ${first.dtype}`);
      }
      rows += t.shape[0] ?? 1;
    }
    const shape = first.shape.length === 0 ? [rows] : [rows, ...tail];
    const out = first.dtype === 'int32' ? this.#arrays.allocInt32(sizeOf(shape)) : this.#f(sizeOf(shape));
    let at = 0;
    for (const t of tensors) {
      const d = this.view(t, 'concat');
      out.set(d, at);
      at += d.length;
    }
    return this.#make(out, shape, first.dtype);
  }

  addRowVector(a: Tensor, v: Tensor, alpha = 1): Tensor {
    assertRank('addRowVector', 'a', a, 2);
    assertRank('addRowVector', 'v', v, 1);
    const [rows, n] = a.shape as [number, number];
    if (v.shape[0] !== n) {
      throw new ShapeMismatchError(`addRowVector: row vector ${shapeToString(v.shape)} does not match ${shapeToString(a.shape)}`);
    }
    const x = this.#f32(a, 'addRowVector');
    const w = this.#f32(v, 'addRowVector');
    const out = this.#f(x.length);
    for (let r = 0; r < rows; r++) for (let c = 0; c < n; c++) out[r * n + c] = x[r * n + c] + alpha * w[c];
    return this.#make(out, a.shape);
  }

  activation(x: Tensor, kind: ActivationKind): Tensor {
    this.#nativeActivation(kind);
    if (kind === 'relu') return this.#unary('activation', x, (v) => (v > 0 ? v : v === v ? 0 : NaN));
    return this.#unary('activation', x, (v) => v / (1 + Math.exp(-v)));
  }

  activationGrad(dy: Tensor, pre: Tensor, kind: ActivationKind): Tensor {
    assertSameShape('activationGrad', dy, pre);
    const grad = activationGradTerm(kind);
    const [g, h] = [this.#f32(dy, 'activationGrad'), this.#f32(pre, 'activationGrad')];
    const out = this.#f(g.length);
    for (let i = 0; i < g.length; i++) out[i] = grad(g[i]!, h[i]!);
    return this.#make(out, dy.shape);
  }

  activationGradInPlace(dy: Tensor, pre: Tensor, kind: ActivationKind, l1 = 0): void {
    assertSameShape('activationGradInPlace', dy, pre);
    const [g, h] = [this.#f32(dy, 'activationGradInPlace'), this.#f32(pre, 'activationGradInPlace')];
    const grad = activationGradTerm(kind);
    // The L1 term in float32 (as sign · scaleInPlace · addInPlace would round it), then act′.
    const c = Math.fround(l1);
    for (let i = 0; i < g.length; i++) {
      const v = h[i]!;
      g[i] = grad(c === 0 ? g[i]! : Math.fround(g[i]! + c * Math.sign(v)), v);
    }
  }

  reduce(x: Tensor, kind: ReduceKind, axis?: ReduceAxis): Tensor {
    const d = this.#f32(x, 'reduce');
    const term = reduceTerm(kind);
    if (axis === undefined) {
      let s = 0;
      for (let i = 0; i < d.length; i++) s += term(d[i]);
      return this.#make(this.#own(Float32Array.of(s)), [1]);
    }
    assertRank('reduce', 'x', x, 2);
    const [rows, cols] = x.shape as [number, number];
    const acc = new Float64Array(axis === 0 ? cols : rows);
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) acc[axis === 0 ? c : r] += term(d[r * cols + c]);
    }
    return this.#make(this.#own(Float32Array.from(acc)), [acc.length]);
  }

  layerNorm(x: Tensor, gamma: Tensor, beta: Tensor, eps: number): LayerNormResult {
    assertRank('layerNorm', 'x', x, 2);
    const [rows, n] = x.shape as [number, number];
    if (gamma.size !== n || beta.size !== n) {
      throw new ShapeMismatchError(`layerNorm: gamma/beta must have ${n} entries, got ${gamma.size}/${beta.size}`);
    }
    const y = this.#f(rows * n);
    const mean = this.#f(rows);
    const rstd = this.#f(rows);
    layerNormKernel(this.#f32(x, 'layerNorm'), rows, n, this.#f32(gamma, 'layerNorm'), this.#f32(beta, 'layerNorm'), eps, y, mean, rstd);
    return { y: this.#make(y, [rows, n]), mean: this.#make(mean, [rows]), rstd: this.#make(rstd, [rows]) };
  }

  layerNormGrad(dy: Tensor, x: Tensor, mean: Tensor, rstd: Tensor, gamma: Tensor): LayerNormGrads {
    assertSameShape('layerNormGrad', dy, x);
    const [rows, n] = x.shape as [number, number];
    const dx = this.#f(rows * n);
    const dGamma = this.#f(n);
    const dBeta = this.#f(n);
    layerNormGradKernel(
      this.#f32(dy, 'layerNormGrad'), this.#f32(x, 'layerNormGrad'), rows, n, this.#f32(mean, 'layerNormGrad'),
      this.#f32(rstd, 'layerNormGrad'), this.#f32(gamma, 'layerNormGrad'), dx, dGamma, dBeta,
    );
    return { dx: this.#make(dx, [rows, n]), dGamma: this.#make(dGamma, [n]), dBeta: this.#make(dBeta, [n]) };
  }

  topKAbs(x: Tensor, k: number): SparseRows {
    assertRank('topKAbs', 'x', x, 2);
    const [rows, cols] = x.shape as [number, number];
    if (!Number.isInteger(k) || k < 1 || k > cols) {
      throw new InvalidArgumentError(`topKAbs: k must be an integer in [1, ${cols}], got ${k}`);
    }
    const values = this.#f(rows * k);
    const indices = this.#arrays.allocInt32(rows * k);
    topKAbsKernel(this.#f32(x, 'topKAbs'), rows, cols, k, values, indices);
    return { values: this.#make(values, [rows, k]), indices: this.#make(indices, [rows, k], 'int32'), cols };
  }

  gatherCols(x: Tensor, indices: Tensor): Tensor {
    assertRank('gatherCols', 'x', x, 2);
    assertRank('gatherCols', 'indices', indices, 2);
    const [rows, cols] = x.shape as [number, number];
    const k = indices.shape[1]!;
    if (indices.shape[0] !== rows) throw new ShapeMismatchError(`gatherCols: ${rows} rows in x, ${indices.shape[0]} in indices`);
    const d = this.#f32(x, 'gatherCols');
    const idx = this.#i32(indices, 'gatherCols');
    const out = this.#f(rows * k);
    for (let r = 0; r < rows; r++) for (let j = 0; j < k; j++) out[r * k + j] = d[r * cols + checkIndex(idx[r * k + j], cols, 'gatherCols')];
    return this.#make(out, [rows, k]);
  }

  scatterToDense(sp: SparseRows): Tensor {
    const { rows, k } = sparseDims('scatterToDense', sp.values, sp.indices);
    const v = this.#f32(sp.values, 'scatterToDense');
    const idx = this.#i32(sp.indices, 'scatterToDense');
    const out = this.#f(rows * sp.cols);
    out.fill(0);
    for (let r = 0; r < rows; r++) for (let j = 0; j < k; j++) out[r * sp.cols + checkIndex(idx[r * k + j], sp.cols, 'scatterToDense')] += v[r * k + j];
    return this.#make(out, [rows, sp.cols]);
  }

  sparseMatmul(sp: SparseRows, w: Tensor, options: { transposeB?: boolean } = {}): Tensor {
    const { rows, k } = sparseDims('sparseMatmul', sp.values, sp.indices);
    const n = featureMatrixWidth('sparseMatmul', w, sp.cols, options.transposeB ?? false);
    this.#checkIndices(sp.indices, sp.cols, 'sparseMatmul');
    const out = this.#f(rows * n);
    // A strided walk over W [n, cols] is cache-hostile; one transpose (O(n·cols)) is cheaper.
    const wd = options.transposeB ? transposeKernel(this.#f32(w, 'sparseMatmul'), n, sp.cols) : this.#f32(w, 'sparseMatmul');
    sparseMatmulKernel(this.#f32(sp.values, 'sparseMatmul'), this.#i32(sp.indices, 'sparseMatmul'), rows, k, wd, sp.cols, n, false, out);
    return this.#make(out, [rows, n]);
  }

  sampledMatmul(a: Tensor, w: Tensor, indices: Tensor, options: { transposeB?: boolean } = {}): Tensor {
    assertRank('sampledMatmul', 'a', a, 2);
    const [rows, n] = a.shape as [number, number];
    const cols = options.transposeB ? w.shape[1]! : w.shape[0]!;
    if (featureMatrixWidth('sampledMatmul', w, cols, options.transposeB ?? false) !== n || indices.shape[0] !== rows) {
      throw new ShapeMismatchError(`sampledMatmul: a ${shapeToString(a.shape)}, W ${shapeToString(w.shape)} and indices ${shapeToString(indices.shape)} do not fit`);
    }
    const k = indices.shape[1]!;
    this.#checkIndices(indices, cols, 'sampledMatmul');
    const out = this.#f(rows * k);
    const wd = options.transposeB ? transposeKernel(this.#f32(w, 'sampledMatmul'), n, cols) : this.#f32(w, 'sampledMatmul');
    sampledMatmulKernel(this.#f32(a, 'sampledMatmul'), this.#i32(indices, 'sampledMatmul'), rows, k, wd, cols, n, false, out);
    return this.#make(out, [rows, k]);
  }

  sparseTransposeMatmul(sp: SparseRows, y: Tensor, options: { transposeOut?: boolean; yOffset?: Tensor } = {}): Tensor {
    const { rows, k } = sparseDims('sparseTransposeMatmul', sp.values, sp.indices);
    assertRank('sparseTransposeMatmul', 'y', y, 2);
    if (y.shape[0] !== rows) throw new ShapeMismatchError(`sparseTransposeMatmul: ${rows} sparse rows, y has ${y.shape[0]}`);
    const n = y.shape[1]!;
    const offset = options.yOffset ? this.offsetView('sparseTransposeMatmul', options.yOffset, n) : undefined;
    this.#checkIndices(sp.indices, sp.cols, 'sparseTransposeMatmul');
    const out = this.#f(sp.cols * n);
    sparseTransposeMatmulKernel(this.#f32(sp.values, 'sparseTransposeMatmul'), this.#i32(sp.indices, 'sparseTransposeMatmul'),
      rows, k, this.#f32(y, 'sparseTransposeMatmul'), sp.cols, n, false, out, offset);
    if (!options.transposeOut) return this.#make(out, [sp.cols, n]);
    const t = this.#own(transposeKernel(out, sp.cols, n));
    this.#arrays.free(out);
    return this.#make(t, [n, sp.cols]);
  }

  sparseColumnSum(sp: SparseRows): Tensor {
    const { rows, k } = sparseDims('sparseColumnSum', sp.values, sp.indices);
    const v = this.#f32(sp.values, 'sparseColumnSum');
    const idx = this.#i32(sp.indices, 'sparseColumnSum');
    const acc = new Float64Array(sp.cols);
    for (let i = 0; i < rows * k; i++) acc[checkIndex(idx[i], sp.cols, 'sparseColumnSum')] += v[i];
    return this.#make(this.#own(Float32Array.from(acc)), [sp.cols]);
  }

  adamUpdate(param: Tensor, grad: Tensor, m: Tensor, v: Tensor, hp: AdamHyperparams): void {
    assertSameShape('adamUpdate', param, grad);
    assertSameShape('adamUpdate', param, m);
    assertSameShape('adamUpdate', param, v);
    const p = this.#f32(param, 'adamUpdate');
    const g = this.#f32(grad, 'adamUpdate');
    const md = this.#f32(m, 'adamUpdate');
    const vd = this.#f32(v, 'adamUpdate');
    const { lr, beta1, beta2, eps, weightDecay, decoupled, step } = hp;
    const stepSize = lr / (1 - beta1 ** step);
    const bc2Sqrt = Math.sqrt(1 - beta2 ** step);
    const decay = decoupled ? 1 - lr * weightDecay : 1;
    const l2 = decoupled ? 0 : weightDecay;
    for (let i = 0; i < p.length; i++) {
      const gi = g[i] + l2 * p[i];
      const mi = (md[i] = beta1 * md[i] + (1 - beta1) * gi);
      const vi = (vd[i] = beta2 * vd[i] + (1 - beta2) * gi * gi);
      p[i] = p[i] * decay - (stepSize * mi) / (Math.sqrt(vi) / bc2Sqrt + eps);
    }
  }

  normalizeRowsInPlace(x: Tensor): void {
    assertRank('normalizeRowsInPlace', 'x', x, 2);
    const [rows, n] = x.shape as [number, number];
    const d = this.#f32(x, 'normalizeRowsInPlace');
    for (let r = 0; r < rows; r++) {
      let ss = 0;
      for (let c = 0; c < n; c++) ss += d[r * n + c] * d[r * n + c];
      const norm = Math.sqrt(ss);
      if (norm > 0) for (let c = 0; c < n; c++) d[r * n + c] /= norm;
    }
  }

  scaleInPlace(x: Tensor, s: number): void {
    const d = this.#f32(x, 'scaleInPlace');
    for (let i = 0; i < d.length; i++) d[i] *= s;
  }

  addInPlace(a: Tensor, b: Tensor): void {
    assertSameShape('addInPlace', a, b);
    const [x, y] = [this.#f32(a, 'addInPlace'), this.#f32(b, 'addInPlace')];
    for (let i = 0; i < x.length; i++) x[i] += y[i]!;
  }

  assignInPlace(target: Tensor, source: Tensor): void {
    assertSameShape('assignInPlace', target, source);
    this.#f32(target, 'assignInPlace').set(this.#f32(source, 'assignInPlace'));
  }

  #checkIndices(indices: Tensor, cols: number, op: string): void {
    const idx = this.#i32(indices, op);
    for (let i = 0; i < idx.length; i++) checkIndex(idx[i]!, cols, op);
  }

  #nativeActivation(kind: ActivationKind): void {
    if (kind !== 'relu' && kind !== 'silu') throw new UnsupportedOpError(this.name, `activation '${kind}'`);
  }

  memory(): MemoryInfo {
    return { tensors: this.#liveTensors, bytes: this.#liveBytes };
  }

  dispose(): void {
    // Typed arrays are garbage collected; nothing else to release.
  }
}

/** (dy, pre) ↦ dy·act′(pre), relu′(0) = 0. */
function activationGradTerm(kind: ActivationKind): (g: number, h: number) => number {
  if (kind !== 'relu' && kind !== 'silu') throw new UnsupportedOpError('cpu', `activation '${kind}'`);
  if (kind === 'relu') return (g, h) => (h > 0 ? g : 0);
  return (g, h) => {
    const s = 1 / (1 + Math.exp(-h));
    return g * s * (1 + h * (1 - s));
  };
}

function reduceTerm(kind: ReduceKind): (x: number) => number {
  switch (kind) {
    case 'sum': return (x) => x;
    case 'sumAbs': return (x) => Math.abs(x);
    case 'sumSquares': return (x) => x * x;
    case 'countNonZero': return (x) => (x !== 0 ? 1 : 0);
    case 'countNonFinite': return (x) => (Number.isFinite(x) ? 0 : 1);
  }
}

function checkIndex(i: number, cols: number, op = 'gather/scatter'): number {
  if (i < 0 || i >= cols) throw new IndexOutOfRangeError(op, i, cols);
  return i;
}
