import {
  assertDType, assertRank, assertSameShape, featureMatrixWidth, ForeignTensorError, IndexOutOfRangeError, InvalidArgumentError,
  matmulAccumulateDims, matmulDims, shapeToString, ShapeMismatchError, sizeOf, sparseDims, TensorDisposedError, UnsupportedOpError,
  type ActivationKind, type AdamHyperparams, type Backend, type BackendCapabilities, type DType, type LayerNormGrads,
  type LayerNormResult, type MatmulOptions, type MemoryInfo, type ReduceAxis, type ReduceKind, type Shape, type SparseRows,
  type Tensor,
} from '@deeplens/core';
import { matrixView, planBroadcast } from './broadcast-plan.js';
import { CsrCache, type CsrLayout } from './csr-cache.js';
import { GpujsTensorTooLargeError } from './gpujs-errors.js';
import { FLOAT_EXACT_ELEMENTS, modeCapabilities, type ModeTraits } from './gpujs-mode.js';
import { GpujsTensor, GpuStorage, rangeOf, type GpuData, type GpuTexture, type IndexRange } from './gpujs-tensor.js';
import { KernelRunner, toFloat32, type GpuInstance, type KernelSpec } from './kernel-runner.js';
import {
  adamKernel, activationGradKernel, layerNormDxKernel, layerNormKernel, layerNormParamGradKernel, layerNormRowTermKernel,
  matmulKernel, normalizeRowsKernel, reduceKernel, rowMeanKernel, rowRstdKernel,
} from './kernels/dense.js';
import {
  binaryKernel, concatKernel, fillKernel, relayoutKernel, unaryKernel, uploadKernel, whereKernel, type BinaryOp, type UnaryOp,
} from './kernels/elementwise.js';
import { topKPassKernel } from './kernels/select.js';
import {
  gatherColsKernel, sampledMatmulKernel, scatterToDenseKernel, sparseColumnSumKernel, sparseMatmulKernel, sparseTransposeMatmulKernel,
} from './kernels/sparse.js';

export interface GpujsBackendInit {
  /** A gpu.js `GPU` instance in the mode `traits.mode` names (see `openGpu`). */
  gpu: GpuInstance;
  traits: ModeTraits;
  /** How it runs here, for logs. */
  detail?: string;
  /** Backend name in tensors and errors (default 'gpujs'). */
  name?: string;
}

/**
 * The DeepLens backend contract as gpu.js kernels: WebGL2/WebGL fragment shaders in browsers (and
 * headless-gl in Node), WebAssembly SIMD or JavaScript kernels on the host. Every op is a kernel
 * compiled once per shape; results stay where the kernels put them (GPU textures in GL modes) and
 * only `read` brings values back. Kernels never write into their inputs, so storage is immutable:
 * clone and reshape share it, and the in-place ops rebind their handle to a new result
 * (`inPlace: 'rebind'`). Scatter-shaped ops (the TopK gradients) are gathers over a column-sorted
 * entry list built on the GPU (see CsrCache), since a fragment shader cannot scatter.
 */
export class GpujsBackend implements Backend {
  readonly name: string;
  readonly capabilities: BackendCapabilities;
  readonly detail: string;
  readonly traits: ModeTraits;
  readonly #gpu: GpuInstance;
  readonly #runner: KernelRunner;
  readonly #csr: CsrCache;
  #tensors = 0;
  #bytes = 0;
  #disposed = false;
  readonly #onTensorDispose = (): void => {
    this.#tensors--;
  };

  constructor(init: GpujsBackendInit) {
    this.name = init.name ?? 'gpujs';
    this.traits = init.traits;
    this.capabilities = modeCapabilities(init.traits);
    this.detail = init.detail ?? `${init.traits.mode} mode`;
    this.#gpu = init.gpu;
    this.#runner = new KernelRunner(init.gpu, init.traits.textures);
    this.#csr = new CsrCache((spec, args) => this.#exec(spec, args), (data) => this.#storage(data, sizeOfData(data)));
  }

  /** How many kernels have been compiled so far (each shape of each op once). */
  get compiledKernels(): number {
    return this.#runner.compiled;
  }

  /** The gpu.js modes its compiled kernels actually run in (one, unless gpu.js moved a kernel to another). */
  get kernelModes(): string[] {
    return [...this.#runner.modesUsed()];
  }

  // ---- plumbing ------------------------------------------------------------------------------

  #storage(data: GpuData, elements: number): GpuStorage {
    this.#bytes += elements * 4;
    return new GpuStorage(data, elements, (s) => {
      this.#bytes -= s.elements * 4;
      if (!(s.data instanceof Float32Array)) (s.data as GpuTexture).delete();
    });
  }

  #tensor(storage: GpuStorage, shape: Shape, dtype: DType = 'float32', range?: IndexRange): GpujsTensor {
    this.#tensors++;
    return new GpujsTensor(storage, shape, dtype, this.name, this, this.#onTensorDispose, range);
  }

  #check(elements: number, op: string): void {
    if (elements > this.traits.maxElements) {
      throw new GpujsTensorTooLargeError(op, elements, this.traits.maxElements, this.traits.textures ? 'MAX_TEXTURE_SIZE² texels of one texture' : 'float32 index arithmetic');
    }
  }

  #exec(spec: KernelSpec, args: readonly (GpuData | number)[]): GpuData {
    this.#check(spec.rows * spec.cols, 'kernel');
    return this.#runner.run(spec, args);
  }

  /** Run a kernel and wrap its result as a new tensor of `shape`. */
  #out(spec: KernelSpec, args: readonly (GpuData | number)[], shape: Shape, dtype: DType = 'float32', range?: IndexRange): GpujsTensor {
    const data = this.#exec(spec, args);
    return this.#tensor(this.#storage(data, spec.rows * spec.cols), shape, dtype, range);
  }

  /** Run a kernel and point `target` at its result (the in-place ops). */
  #rebind(target: Tensor, spec: KernelSpec, args: readonly (GpuData | number)[]): void {
    const data = this.#exec(spec, args);
    (target as GpujsTensor).rebind(this.#storage(data, spec.rows * spec.cols));
  }

  #data(t: Tensor, op: string): GpuData {
    if (!(t instanceof GpujsTensor) || t.owner !== this) throw new ForeignTensorError(this.name, op, t.backendName);
    const s = t.storage;
    if (s === null) throw new TensorDisposedError(op);
    return s.data;
  }

  #f32(t: Tensor, op: string, name = 'input'): GpuData {
    const d = this.#data(t, op);
    assertDType(op, name, t, 'float32');
    return d;
  }

  /** Check every index of an int32 tensor is in [0, size), from its known range or by reading it. */
  #indices(t: Tensor, size: number, op: string): GpuData {
    const d = this.#data(t, op);
    assertDType(op, 'indices', t, 'int32');
    const range = (t as GpujsTensor).range ?? rangeOf(this.#values(d, t.size));
    if (range.min < 0) throw new IndexOutOfRangeError(op, range.min, size);
    if (range.max >= size) throw new IndexOutOfRangeError(op, range.max, size);
    return d;
  }

  #values(d: GpuData, size: number): Float32Array {
    if (d instanceof Float32Array) return d;
    const all = toFloat32(d.toArray());
    return all.length === size ? all : all.subarray(0, size);
  }

  #k(k: number, cols: number, op: string): void {
    if (!Number.isInteger(k) || k < 1 || k > cols) throw new InvalidArgumentError(`${op}: k must be an integer in [1, ${cols}], got ${k}`);
  }

  // ---- data --------------------------------------------------------------------------------------

  fromArray(data: Float32Array | Int32Array | readonly number[], shape: Shape, dtype: DType = 'float32'): Tensor {
    if (sizeOf(shape) !== data.length) throw new ShapeMismatchError(`fromArray: ${data.length} values do not fill shape ${shapeToString(shape)}`);
    this.#check(data.length, 'fromArray');
    const values = Float32Array.from(data);
    const [rows, cols] = matrixView(shape);
    const range = dtype === 'int32' ? rangeOf(values) : undefined;
    if (!this.traits.textures) return this.#tensor(this.#storage(values, values.length), shape, dtype, range);
    return this.#out(uploadKernel(this.#runner.dialect, rows, cols), [values], shape, dtype, range);
  }

  zeros(shape: Shape, dtype: DType = 'float32'): Tensor {
    return this.fill(shape, 0, dtype);
  }

  fill(shape: Shape, value: number, dtype: DType = 'float32'): Tensor {
    const v = dtype === 'int32' ? Math.trunc(value) : value;
    const n = sizeOf(shape);
    this.#check(n, 'fill');
    const range = { min: v, max: v };
    if (!this.traits.textures) return this.#tensor(this.#storage(new Float32Array(n).fill(v), n), shape, dtype, range);
    const [rows, cols] = matrixView(shape);
    return this.#out(fillKernel(rows, cols), [v], shape, dtype, range);
  }

  async read(t: Tensor): Promise<Float32Array | Int32Array> {
    return this.readSync(t);
  }

  readSync(t: Tensor): Float32Array | Int32Array {
    const d = this.#data(t, 'read');
    const values = this.#values(d, t.size);
    return t.dtype === 'int32' ? Int32Array.from(values, Math.round) : values.slice();
  }

  clone(t: Tensor): Tensor {
    this.#data(t, 'clone');
    const g = t as GpujsTensor;
    return this.#tensor(g.storage!.retain(), t.shape, t.dtype, g.range);
  }

  reshape(t: Tensor, shape: Shape): Tensor {
    if (sizeOf(shape) !== t.size) throw new ShapeMismatchError(`reshape: cannot view ${shapeToString(t.shape)} as ${shapeToString(shape)}`);
    const d = this.#data(t, 'reshape');
    const g = t as GpujsTensor;
    const [rows, cols] = matrixView(t.shape);
    const [outRows, outCols] = matrixView(shape);
    // Host arrays are flat; a texture's layout follows its [rows, cols] view, so a new view is a copy.
    if (!this.traits.textures || (rows === outRows && cols === outCols) || t.size <= 1) return this.#tensor(g.storage!.retain(), shape, t.dtype, g.range);
    if (t.size > FLOAT_EXACT_ELEMENTS) throw new GpujsTensorTooLargeError('reshape', t.size, FLOAT_EXACT_ELEMENTS, 'a texture relayout computes positions in float32');
    return this.#out(relayoutKernel(this.#runner.dialect, rows, cols, outRows, outCols), [d], shape, t.dtype, g.range);
  }

  concat(tensors: readonly Tensor[]): Tensor {
    if (tensors.length === 0) throw new InvalidArgumentError('concat: give at least one tensor');
    const first = tensors[0]!;
    const tail = first.shape.slice(1);
    for (const t of tensors) {
      if (t.dtype !== first.dtype || t.shape.length !== first.shape.length || t.shape.slice(1).some((s, i) => s !== tail[i])) {
        throw new ShapeMismatchError(`concat: ${shapeToString(t.shape)} ${t.dtype} does not stack onto ${shapeToString(first.shape)} ${first.dtype}`);
      }
    }
    const byRows = first.shape.length >= 2;
    let acc: GpujsTensor = this.clone(first) as GpujsTensor;
    let range = (first as GpujsTensor).range;
    for (const t of tensors.slice(1)) {
      const [ar, ac] = matrixView(acc.shape);
      const [br, bc] = matrixView(t.shape);
      const shape = [acc.shape[0]! + t.shape[0]!, ...tail];
      const tr = (t as GpujsTensor).range;
      range = range && tr ? { min: Math.min(range.min, tr.min), max: Math.max(range.max, tr.max) } : undefined;
      const next = this.#out(concatKernel(this.#runner.dialect, ar, ac, br, bc, byRows), [this.#data(acc, 'concat'), this.#data(t, 'concat')], shape, first.dtype, range);
      acc.dispose();
      acc = next;
    }
    return acc;
  }

  // ---- dense maths -------------------------------------------------------------------------------

  matmul(a: Tensor, b: Tensor, options: MatmulOptions = {}): Tensor {
    const { m, k, n } = matmulDims('matmul', a, b, options);
    const args = [this.#f32(a, 'matmul', 'a'), this.#f32(b, 'matmul', 'b')];
    return this.#out(matmulKernel(this.#runner.dialect, m, k, n, !!options.transposeA, !!options.transposeB, false), args, [m, n]);
  }

  matmulAccumulate(out: Tensor, a: Tensor, b: Tensor, options: MatmulOptions = {}): void {
    const { m, k, n } = matmulAccumulateDims('matmulAccumulate', out, a, b, options);
    const args = [this.#f32(a, 'matmulAccumulate', 'a'), this.#f32(b, 'matmulAccumulate', 'b'), this.#f32(out, 'matmulAccumulate', 'out')];
    this.#rebind(out, matmulKernel(this.#runner.dialect, m, k, n, !!options.transposeA, !!options.transposeB, true), args);
  }

  reduce(x: Tensor, kind: ReduceKind, axis?: ReduceAxis): Tensor {
    const d = this.#f32(x, 'reduce');
    const dialect = this.#runner.dialect;
    if (axis !== undefined) {
      assertRank('reduce', 'x', x, 2);
      const [rows, cols] = x.shape as [number, number];
      return this.#out(reduceKernel(dialect, kind, rows, cols, axis), [d], [axis === 1 ? rows : cols]);
    }
    // Everything: per-row terms, then the sum of the row sums (one thread).
    const [rows, cols] = matrixView(x.shape);
    if (rows === 1) return this.#out(reduceKernel(dialect, kind, 1, cols, 1), [d], [1]);
    const perRow = this.#exec(reduceKernel(dialect, kind, rows, cols, 1), [d]);
    try {
      return this.#out(reduceKernel(dialect, 'sum', 1, rows, 1), [perRow], [1]);
    } finally {
      if (!(perRow instanceof Float32Array)) perRow.delete();
    }
  }

  layerNorm(x: Tensor, gamma: Tensor, beta: Tensor, eps: number): LayerNormResult {
    assertRank('layerNorm', 'x', x, 2);
    const [rows, n] = x.shape as [number, number];
    if (gamma.size !== n || beta.size !== n) throw new ShapeMismatchError(`layerNorm: gamma/beta must have ${n} entries, got ${gamma.size}/${beta.size}`);
    const op = 'layerNorm';
    const [xd, g, bt] = [this.#f32(x, op), this.#f32(gamma, op), this.#f32(beta, op)];
    const d = this.#runner.dialect;
    const mean = this.#out(rowMeanKernel(d, rows, n), [xd], [rows]);
    const rstd = this.#out(rowRstdKernel(d, rows, n), [xd, this.#data(mean, op), eps], [rows]);
    const y = this.#out(layerNormKernel(d, rows, n), [xd, this.#data(mean, op), this.#data(rstd, op), g, bt], [rows, n]);
    return { y, mean, rstd };
  }

  layerNormGrad(dy: Tensor, x: Tensor, mean: Tensor, rstd: Tensor, gamma: Tensor): LayerNormGrads {
    assertSameShape('layerNormGrad', dy, x);
    assertRank('layerNormGrad', 'x', x, 2);
    const op = 'layerNormGrad';
    const [rows, n] = x.shape as [number, number];
    const args = [this.#f32(dy, op), this.#f32(x, op), this.#f32(mean, op), this.#f32(rstd, op)];
    const ga = this.#f32(gamma, op);
    const d = this.#runner.dialect;
    const t1 = this.#out(layerNormRowTermKernel(d, rows, n, 'g'), [...args, ga], [rows]);
    const t2 = this.#out(layerNormRowTermKernel(d, rows, n, 'gx'), [...args, ga], [rows]);
    try {
      const dx = this.#out(layerNormDxKernel(d, rows, n), [...args, ga, this.#data(t1, op), this.#data(t2, op)], [rows, n]);
      const dGamma = this.#out(layerNormParamGradKernel(d, rows, n, 'gamma'), args, [n]);
      const dBeta = this.#out(layerNormParamGradKernel(d, rows, n, 'beta'), args, [n]);
      return { dx, dGamma, dBeta };
    } finally {
      t1.dispose();
      t2.dispose();
    }
  }

  // ---- elementwise -------------------------------------------------------------------------------

  #binary(op: BinaryOp, a: Tensor, b: Tensor): Tensor {
    const plan = planBroadcast(this.name, op, [a.shape, b.shape]);
    const args = [this.#f32(a, op, 'a'), this.#f32(b, op, 'b')];
    return this.#out(binaryKernel(this.#runner.dialect, op, plan.modes[0]!, plan.modes[1]!, plan.rows, plan.cols), args, plan.shape);
  }

  #unary(op: UnaryOp, a: Tensor, scalar?: number): Tensor {
    const d = this.#f32(a, op);
    const [rows, cols] = matrixView(a.shape);
    return this.#out(unaryKernel(this.#runner.dialect, op, rows, cols), scalar === undefined ? [d] : [d, scalar], a.shape);
  }

  add(a: Tensor, b: Tensor): Tensor { return this.#binary('add', a, b); }
  sub(a: Tensor, b: Tensor): Tensor { return this.#binary('sub', a, b); }
  mul(a: Tensor, b: Tensor): Tensor { return this.#binary('mul', a, b); }
  div(a: Tensor, b: Tensor): Tensor { return this.#binary('div', a, b); }
  maximum(a: Tensor, b: Tensor): Tensor { return this.#binary('maximum', a, b); }
  minimum(a: Tensor, b: Tensor): Tensor { return this.#binary('minimum', a, b); }
  greater(a: Tensor, b: Tensor): Tensor { return this.#binary('greater', a, b); }
  equal(a: Tensor, b: Tensor): Tensor { return this.#binary('equal', a, b); }

  where(cond: Tensor, a: Tensor, b: Tensor): Tensor {
    const plan = planBroadcast(this.name, 'where', [cond.shape, a.shape, b.shape]);
    const args = [this.#f32(cond, 'where', 'cond'), this.#f32(a, 'where', 'a'), this.#f32(b, 'where', 'b')];
    const [mc, ma, mb] = plan.modes as [never, never, never];
    return this.#out(whereKernel(this.#runner.dialect, [mc, ma, mb], plan.rows, plan.cols), args, plan.shape);
  }

  scale(a: Tensor, s: number): Tensor { return this.#unary('scale', a, s); }
  addScalar(a: Tensor, s: number): Tensor { return this.#unary('addScalar', a, s); }
  abs(a: Tensor): Tensor { return this.#unary('abs', a); }
  neg(a: Tensor): Tensor { return this.#unary('neg', a); }
  sqrt(a: Tensor): Tensor { return this.#unary('sqrt', a); }
  exp(a: Tensor): Tensor { return this.#unary('exp', a); }
  log(a: Tensor): Tensor { return this.#unary('log', a); }
  sigmoid(a: Tensor): Tensor { return this.#unary('sigmoid', a); }
  sign(a: Tensor): Tensor { return this.#unary('sign', a); }

  activation(x: Tensor, kind: ActivationKind): Tensor {
    return this.#unary(this.#nativeActivation(kind, 'activation'), x);
  }

  activationGrad(dy: Tensor, pre: Tensor, kind: ActivationKind): Tensor {
    assertSameShape('activationGrad', dy, pre);
    const k = this.#nativeActivation(kind, 'activationGrad');
    const [rows, cols] = matrixView(dy.shape);
    const args = [this.#f32(dy, 'activationGrad'), this.#f32(pre, 'activationGrad')];
    return this.#out(activationGradKernel(this.#runner.dialect, k, rows, cols, false), args, dy.shape);
  }

  activationGradInPlace(dy: Tensor, pre: Tensor, kind: ActivationKind, l1 = 0): void {
    assertSameShape('activationGradInPlace', dy, pre);
    const k = this.#nativeActivation(kind, 'activationGradInPlace');
    const [rows, cols] = matrixView(dy.shape);
    const args = [this.#f32(dy, 'activationGradInPlace'), this.#f32(pre, 'activationGradInPlace')];
    this.#rebind(dy, activationGradKernel(this.#runner.dialect, k, rows, cols, l1 !== 0), l1 !== 0 ? [...args, l1] : args);
  }

  #nativeActivation(kind: ActivationKind, op: string): 'relu' | 'silu' {
    if (kind === 'relu' || kind === 'silu') return kind as 'relu' | 'silu';
    throw new UnsupportedOpError(this.name, `${op} '${kind}'`);
  }

  // ---- in place ------------------------------------------------------------------------------------

  assignInPlace(target: Tensor, source: Tensor): void {
    assertSameShape('assignInPlace', target, source);
    this.#f32(target, 'assignInPlace', 'target');
    this.#f32(source, 'assignInPlace', 'source');
    (target as GpujsTensor).rebind((source as GpujsTensor).storage!.retain());
  }

  scaleInPlace(x: Tensor, s: number): void {
    const [rows, cols] = matrixView(x.shape);
    this.#rebind(x, unaryKernel(this.#runner.dialect, 'scale', rows, cols), [this.#f32(x, 'scaleInPlace'), s]);
  }

  addInPlace(a: Tensor, b: Tensor): void {
    assertSameShape('addInPlace', a, b);
    const [rows, cols] = matrixView(a.shape);
    this.#rebind(a, binaryKernel(this.#runner.dialect, 'add', 'full', 'full', rows, cols), [this.#f32(a, 'addInPlace'), this.#f32(b, 'addInPlace')]);
  }

  normalizeRowsInPlace(x: Tensor): void {
    assertRank('normalizeRowsInPlace', 'x', x, 2);
    const [rows, cols] = x.shape as [number, number];
    const d = this.#f32(x, 'normalizeRowsInPlace');
    const sums = this.#exec(reduceKernel(this.#runner.dialect, 'sumSquares', rows, cols, 1), [d]);
    try {
      this.#rebind(x, normalizeRowsKernel(this.#runner.dialect, rows, cols), [d, sums]);
    } finally {
      if (!(sums instanceof Float32Array)) sums.delete();
    }
  }

  adamUpdate(param: Tensor, grad: Tensor, m: Tensor, v: Tensor, hp: AdamHyperparams): void {
    for (const t of [grad, m, v]) assertSameShape('adamUpdate', param, t);
    const op = 'adamUpdate';
    const args = [this.#f32(param, op), this.#f32(grad, op), this.#f32(m, op), this.#f32(v, op)];
    const scalars = [hp.lr, hp.beta1, 1 - hp.beta1, hp.beta2, 1 - hp.beta2, hp.eps, hp.weightDecay, hp.lr / (1 - hp.beta1 ** hp.step), 1 / Math.sqrt(1 - hp.beta2 ** hp.step)];
    const [rows, cols] = matrixView(param.shape);
    const d = this.#runner.dialect;
    // Three kernels from the same old values (a shader cannot update a texture it reads), then rebind all three.
    const outs = (['p', 'm', 'v'] as const).map((which) => this.#exec(adamKernel(d, rows, cols, which, hp.decoupled), [...args, ...scalars]));
    const n = rows * cols;
    (param as GpujsTensor).rebind(this.#storage(outs[0]!, n));
    (m as GpujsTensor).rebind(this.#storage(outs[1]!, n));
    (v as GpujsTensor).rebind(this.#storage(outs[2]!, n));
  }

  // ---- top-k, gathers and the sparse TopK path ----------------------------------------------------

  topKAbs(x: Tensor, k: number): SparseRows {
    assertRank('topKAbs', 'x', x, 2);
    const [rows, cols] = x.shape as [number, number];
    this.#k(k, cols, 'topKAbs');
    const d = this.#f32(x, 'topKAbs');
    const indices = this.#topKIndices(d, rows, cols, k);
    const values = this.#out(gatherColsKernel(this.#runner.dialect, rows, cols, k), [d, this.#data(indices, 'topKAbs')], [rows, k]);
    return { values, indices, cols };
  }

  /** k selection passes, each adding one column of the index matrix. */
  #topKIndices(x: GpuData, rows: number, cols: number, k: number): GpujsTensor {
    let idx = this.fill([rows, k], 0, 'int32') as GpujsTensor;
    for (let pass = 0; pass < k; pass++) {
      const next = this.#out(topKPassKernel(this.#runner.dialect, rows, cols, k, pass), [x, this.#data(idx, 'topKAbs')], [rows, k], 'int32', { min: 0, max: cols - 1 });
      idx.dispose();
      idx = next;
    }
    return idx;
  }

  gatherCols(x: Tensor, indices: Tensor): Tensor {
    assertRank('gatherCols', 'x', x, 2);
    assertRank('gatherCols', 'indices', indices, 2);
    if (indices.shape[0] !== x.shape[0]) throw new ShapeMismatchError(`gatherCols: ${x.shape[0]} rows in x, ${indices.shape[0]} in indices`);
    const [rows, cols] = x.shape as [number, number];
    const k = indices.shape[1]!;
    const args = [this.#f32(x, 'gatherCols'), this.#indices(indices, cols, 'gatherCols')];
    return this.#out(gatherColsKernel(this.#runner.dialect, rows, cols, k), args, [rows, k]);
  }

  scatterToDense(sp: SparseRows): Tensor {
    const { rows, k } = sparseDims('scatterToDense', sp.values, sp.indices);
    const args = [this.#f32(sp.values, 'scatterToDense', 'values'), this.#indices(sp.indices, sp.cols, 'scatterToDense')];
    return this.#out(scatterToDenseKernel(this.#runner.dialect, rows, k, sp.cols), args, [rows, sp.cols]);
  }

  sparseMatmul(sp: SparseRows, w: Tensor, options: { transposeB?: boolean } = {}): Tensor {
    const { rows, k } = sparseDims('sparseMatmul', sp.values, sp.indices);
    const n = featureMatrixWidth('sparseMatmul', w, sp.cols, options.transposeB ?? false);
    const args = [this.#f32(sp.values, 'sparseMatmul', 'values'), this.#indices(sp.indices, sp.cols, 'sparseMatmul'), this.#f32(w, 'sparseMatmul', 'w')];
    return this.#out(sparseMatmulKernel(this.#runner.dialect, rows, k, sp.cols, n, !!options.transposeB), args, [rows, n]);
  }

  sampledMatmul(a: Tensor, w: Tensor, indices: Tensor, options: { transposeB?: boolean } = {}): Tensor {
    assertRank('sampledMatmul', 'a', a, 2);
    assertRank('sampledMatmul', 'w', w, 2);
    assertRank('sampledMatmul', 'indices', indices, 2);
    const features = options.transposeB ? w.shape[1]! : w.shape[0]!;
    const n = featureMatrixWidth('sampledMatmul', w, features, options.transposeB ?? false);
    if (n !== a.shape[1] || indices.shape[0] !== a.shape[0]) {
      throw new ShapeMismatchError(`sampledMatmul: a ${shapeToString(a.shape)}, W ${shapeToString(w.shape)} and indices ${shapeToString(indices.shape)} do not fit`);
    }
    const [rows, k] = indices.shape as [number, number];
    const args = [this.#f32(a, 'sampledMatmul', 'a'), this.#f32(w, 'sampledMatmul', 'w'), this.#indices(indices, features, 'sampledMatmul')];
    return this.#out(sampledMatmulKernel(this.#runner.dialect, rows, k, features, n, !!options.transposeB), args, [rows, k]);
  }

  /** The column-sorted entry list of a sparse matrix (sorted once per index tensor), and its values in that order. */
  #sorted(sp: SparseRows, op: string): { csr: CsrLayout; values: GpuStorage } {
    const { rows, k } = sparseDims(op, sp.values, sp.indices);
    const idx = this.#indices(sp.indices, sp.cols, op);
    const values = this.#f32(sp.values, op, 'values');
    const d = this.#runner.dialect;
    const csr = this.#csr.layout((sp.indices as GpujsTensor).storage!, idx, d, rows, k, sp.cols);
    return { csr, values: this.#csr.sortedValues(csr, values, d, k) };
  }

  sparseTransposeMatmul(sp: SparseRows, y: Tensor, options: { transposeOut?: boolean; yOffset?: Tensor } = {}): Tensor {
    const op = 'sparseTransposeMatmul';
    const { rows } = sparseDims(op, sp.values, sp.indices);
    assertRank(op, 'y', y, 2);
    if (y.shape[0] !== rows) throw new ShapeMismatchError(`${op}: ${rows} sparse rows, y has ${y.shape[0]}`);
    if (options.yOffset) throw new UnsupportedOpError(this.name, `${op} with yOffset (not declared in capabilities.sparseYOffset)`);
    const n = y.shape[1]!;
    const yd = this.#f32(y, op, 'y');
    const { csr, values } = this.#sorted(sp, op);
    try {
      const spec = sparseTransposeMatmulKernel(this.#runner.dialect, csr.entries, sp.cols, n, !!options.transposeOut);
      return this.#out(spec, [csr.start, csr.rows, values.data, yd], options.transposeOut ? [n, sp.cols] : [sp.cols, n]);
    } finally {
      values.release();
    }
  }

  sparseColumnSum(sp: SparseRows): Tensor {
    const { csr, values } = this.#sorted(sp, 'sparseColumnSum');
    try {
      return this.#out(sparseColumnSumKernel(this.#runner.dialect, csr.entries, sp.cols), [csr.start, values.data], [sp.cols]);
    } finally {
      values.release();
    }
  }

  // ---- lifecycle -----------------------------------------------------------------------------------

  memory(): MemoryInfo {
    return { tensors: this.#tensors, bytes: this.#bytes };
  }

  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#csr.clear();
    this.#runner.destroy();
    void this.#gpu.destroy();
  }
}

function sizeOfData(d: GpuData): number {
  if (d instanceof Float32Array) return d.length;
  return d.output.reduce((a, b) => a * b, 1);
}
