import * as tf from '@tensorflow/tfjs-core';
import {
  assertDType, assertRank, assertSameShape, BackendFailureError, broadcastShape, featureMatrixWidth, ForeignTensorError, formatBytes,
  IndexOutOfRangeError, InvalidArgumentError, matmulAccumulateDims, matmulDims, OutOfMemoryError, shapeToString, ShapeMismatchError,
  sizeOf, sparseDims, TensorDisposedError, UnsupportedOpError,
  type ActivationKind, type AdamHyperparams, type Backend, type BackendCapabilities, type DType, type EncodedTopK,
  type LayerNormGrads, type LayerNormResult, type MatmulOptions, type MemoryInfo, type ReduceAxis, type ReduceKind,
  type Shape, type SparseRows, type Tensor,
} from '@deeplens/core';
import { webgpuDevice } from './engine-loader.js';
import { acquireEngine } from './engine-lock.js';
import { activate, activationGrad, adamStep, layerNorm, layerNormGrad, maximum, minimum, normalizeRows, sign } from './tf-math.js';
import {
  gatherCols, sampledMatmul, scatterToDense, sparseColumnSum, sparseMatmul, sparseTransposeMatmul, topKPositions,
} from './tf-sparse.js';
import { engineCapabilities, type EngineTraits, type TfjsEngine } from './tfjs-engine.js';
import { rangeOf, TfjsTensor, unionRange, type IndexRange } from './tfjs-tensor.js';

export interface TfjsBackendInit {
  /** The tfjs engine, already made active with `tf.setBackend` (see `loadEngine`). */
  engine: TfjsEngine;
  traits: EngineTraits;
  /** Backend name in tensors and errors (default 'tfjs'). */
  name?: string;
  /** How it runs here, for logs. */
  detail?: string;
}

type Binary = 'add' | 'sub' | 'mul' | 'div' | 'maximum' | 'minimum' | 'greater' | 'equal';

const BINARY: Record<Binary, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor> = {
  add: tf.add, sub: tf.sub, mul: tf.mul, div: tf.div, maximum, minimum,
  greater: (a, b) => tf.cast(tf.greater(a, b), 'float32'),
  equal: (a, b) => tf.cast(tf.equal(a, b), 'float32'),
};

/**
 * The DeepLens backend contract in TensorFlow.js ops, on whichever tfjs engine is active (CUDA via
 * tfjs-node-gpu, WebGPU, WebGL, wasm, cpu). No autodiff: the SAE's analytic backward stays in core.
 * Every op runs in `tf.tidy`, so intermediates are freed as the op returns; tfjs tensors are
 * immutable, so in-place ops rebind their handle (`capabilities.inPlace: 'rebind'`).
 *
 * One engine per process: tfjs's engine is global, so creating a backend on one engine while a
 * backend on another is alive throws TfjsEngineConflictError.
 */
export class TfjsBackend implements Backend {
  readonly name: string;
  readonly engine: TfjsEngine;
  readonly capabilities: BackendCapabilities;
  readonly detail: string;
  readonly readSync?: (t: Tensor) => Float32Array | Int32Array;
  readonly #traits: EngineTraits;
  readonly #release: () => void;
  #disposed = false;
  /** A WebGPU validation or device error, reported asynchronously by the device: reads refuse after one. */
  #deviceError: string | undefined;

  constructor(init: TfjsBackendInit) {
    this.#release = acquireEngine(init.engine);
    this.name = init.name ?? 'tfjs';
    this.engine = init.engine;
    this.#traits = init.traits;
    this.capabilities = engineCapabilities(init.traits);
    this.detail = init.detail ?? `${init.engine} engine`;
    if (init.traits.syncRead) this.readSync = (t) => this.#copyOut(this.#in(t, 'readSync').dataSync() as Float32Array | Int32Array);
    if (init.engine === 'webgpu') this.#watchDevice();
  }

  /**
   * WebGPU reports a failed command (a validation error: the work was dropped) only through an
   * event. Every read after one throws instead of returning numbers that were never computed.
   */
  #watchDevice(): void {
    const device = webgpuDevice();
    const record = (event: { error: { message: string } }) => void (this.#deviceError ??= event.error.message);
    if (device?.addEventListener) device.addEventListener('uncapturederror', record);
    else if (device) device.onuncapturederror = record;
  }

  #checkDevice(op: string): void {
    if (this.#deviceError) throw new BackendFailureError(this.name, `the WebGPU device reported an error, so results computed since are not trustworthy (${op}): ${this.#deviceError}`);
  }

  /** Refuse a tensor the device cannot bind (WebGPU would drop the work silently). */
  #fits(elements: number, op: string): void {
    const max = this.#traits.maxBufferBytes;
    if (max !== undefined && elements * 4 > max) {
      throw new OutOfMemoryError(`${op}: a tensor of ${formatBytes(elements * 4)} exceeds this WebGPU device's largest buffer binding (${formatBytes(max)})`, {
        hint: 'use a smaller batch_size or micro_batch_size, or another engine (--tfjs-engine wasm) or backend',
      });
    }
  }

  /** The largest tensor this engine's device can hold (WebGPU's binding limit), if it has one. */
  get maxBufferBytes(): number | undefined {
    return this.#traits.maxBufferBytes;
  }

  // ---- plumbing --------------------------------------------------------------------------------

  #in(t: Tensor, op: string): tf.Tensor {
    if (!(t instanceof TfjsTensor) || t.owner !== this) throw new ForeignTensorError(this.name, op, t.backendName);
    const data = t.data;
    if (data === null) throw new TensorDisposedError(op);
    return data;
  }

  #f32(t: Tensor, op: string, name = 'input'): tf.Tensor {
    const data = this.#in(t, op);
    assertDType(op, name, t, 'float32');
    return data;
  }

  #wrap(data: tf.Tensor, dtype: DType = 'float32', range?: IndexRange): TfjsTensor {
    if (this.#traits.maxBufferBytes !== undefined && data.size * 4 > this.#traits.maxBufferBytes) {
      data.dispose();
      this.#fits(data.size, 'result');
    }
    return new TfjsTensor(data, dtype, this.name, this, dtype === 'int32' ? range : undefined);
  }

  /** Check every index of an int32 tensor is in [0, size) — from its known range, else by reading it (host engines only). */
  #indices(t: Tensor, size: number, op: string): tf.Tensor {
    const data = this.#in(t, op);
    assertDType(op, 'indices', t, 'int32');
    let range = (t as TfjsTensor).range;
    if (!range && this.#traits.syncRead) range = rangeOf(data.dataSync() as Int32Array);
    if (range && range.min < 0) throw new IndexOutOfRangeError(op, range.min, size);
    if (range && range.max >= size) throw new IndexOutOfRangeError(op, range.max, size);
    return data;
  }

  #copyOut(d: Float32Array | Int32Array): Float32Array | Int32Array {
    // tfjs's cpu engine hands out its own storage: copy so a caller's write cannot change a tensor.
    return this.#traits.hostMemory ? d.slice() : d;
  }

  // ---- data ------------------------------------------------------------------------------------

  fromArray(data: Float32Array | Int32Array | readonly number[], shape: Shape, dtype: DType = 'float32'): Tensor {
    if (sizeOf(shape) !== data.length) throw new ShapeMismatchError(`fromArray: ${data.length} values do not fill shape ${shapeToString(shape)}`);
    this.#fits(data.length, 'fromArray');
    // Always a fresh array: tfjs's cpu engine keeps the array it is given.
    const copy = dtype === 'int32' ? Int32Array.from(data) : Float32Array.from(data);
    return this.#wrap(tf.tensor(copy, [...shape], dtype), dtype, dtype === 'int32' ? rangeOf(copy) : undefined);
  }

  zeros(shape: Shape, dtype: DType = 'float32'): Tensor {
    this.#fits(sizeOf(shape), 'zeros');
    return this.#wrap(tf.zeros([...shape], dtype), dtype, { min: 0, max: 0 });
  }

  fill(shape: Shape, value: number, dtype: DType = 'float32'): Tensor {
    const v = dtype === 'int32' ? Math.trunc(value) : value;
    this.#fits(sizeOf(shape), 'fill');
    return this.#wrap(tf.fill([...shape], v, dtype), dtype, { min: v, max: v });
  }

  async read(t: Tensor): Promise<Float32Array | Int32Array> {
    const data = (await this.#in(t, 'read').data()) as Float32Array | Int32Array;
    this.#checkDevice('read');
    return this.#copyOut(data);
  }

  clone(t: Tensor): Tensor {
    return this.#wrap(tf.clone(this.#in(t, 'clone')), t.dtype, (t as TfjsTensor).range);
  }

  reshape(t: Tensor, shape: Shape): Tensor {
    if (sizeOf(shape) !== t.size) throw new ShapeMismatchError(`reshape: cannot view ${shapeToString(t.shape)} as ${shapeToString(shape)}`);
    return this.#wrap(tf.reshape(this.#in(t, 'reshape'), [...shape]), t.dtype, (t as TfjsTensor).range);
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
    const data = tensors.map((t) => this.#in(t, 'concat'));
    return this.#wrap(tf.concat(data, 0), first.dtype, unionRange(tensors.map((t) => (t as TfjsTensor).range)));
  }

  // ---- dense maths -------------------------------------------------------------------------------

  matmul(a: Tensor, b: Tensor, options: MatmulOptions = {}): Tensor {
    matmulDims('matmul', a, b, options);
    const [x, y] = [this.#f32(a, 'matmul', 'a'), this.#f32(b, 'matmul', 'b')];
    return this.#wrap(tf.tidy(() => this.#product(x, y, options)));
  }

  /** op(a)·op(b). Transposes are explicit: tfjs's transposeA flag is ~30× slower on the wasm engine. */
  #product(a: tf.Tensor, b: tf.Tensor, options: MatmulOptions): tf.Tensor {
    const left = options.transposeA ? tf.transpose(a) : a;
    const right = options.transposeB ? tf.transpose(b) : b;
    return tf.matMul(left, right);
  }

  matmulAccumulate(out: Tensor, a: Tensor, b: Tensor, options: MatmulOptions = {}): void {
    matmulAccumulateDims('matmulAccumulate', out, a, b, options);
    const [o, x, y] = [this.#f32(out, 'matmulAccumulate', 'out'), this.#f32(a, 'matmulAccumulate', 'a'), this.#f32(b, 'matmulAccumulate', 'b')];
    (out as TfjsTensor).rebind(tf.tidy(() => tf.add(o, this.#product(x, y, options))));
  }

  reduce(x: Tensor, kind: ReduceKind, axis?: ReduceAxis): Tensor {
    const d = this.#f32(x, 'reduce');
    if (axis !== undefined) assertRank('reduce', 'x', x, 2);
    return this.#wrap(tf.tidy(() => {
      const term = kind === 'sum' ? d
        : kind === 'sumAbs' ? tf.abs(d)
          : kind === 'sumSquares' ? tf.square(d)
            : kind === 'countNonZero' ? tf.cast(tf.notEqual(d, 0), 'float32')
              : tf.cast(tf.logicalOr(tf.isNaN(d), tf.isInf(d)), 'float32');
      return axis === undefined ? tf.reshape(tf.sum(term), [1]) : tf.sum(term, axis);
    }));
  }

  layerNorm(x: Tensor, gamma: Tensor, beta: Tensor, eps: number): LayerNormResult {
    assertRank('layerNorm', 'x', x, 2);
    const n = x.shape[1]!;
    if (gamma.size !== n || beta.size !== n) throw new ShapeMismatchError(`layerNorm: gamma/beta must have ${n} entries, got ${gamma.size}/${beta.size}`);
    const [xd, g, bt] = [this.#f32(x, 'layerNorm'), this.#f32(gamma, 'layerNorm'), this.#f32(beta, 'layerNorm')];
    const out = tf.tidy(() => {
      const r = layerNorm(xd, tf.reshape(g, [n]), tf.reshape(bt, [n]), eps);
      return [r.y, r.mean, r.rstd];
    });
    return { y: this.#wrap(out[0]!), mean: this.#wrap(out[1]!), rstd: this.#wrap(out[2]!) };
  }

  layerNormGrad(dy: Tensor, x: Tensor, mean: Tensor, rstd: Tensor, gamma: Tensor): LayerNormGrads {
    assertSameShape('layerNormGrad', dy, x);
    const op = 'layerNormGrad';
    const n = x.shape[1]!;
    const [g, xd, m, r, ga] = [this.#f32(dy, op), this.#f32(x, op), this.#f32(mean, op), this.#f32(rstd, op), this.#f32(gamma, op)];
    const out = tf.tidy(() => {
      const res = layerNormGrad(g, xd, m, r, tf.reshape(ga, [n]));
      return [res.dx, res.dGamma, res.dBeta];
    });
    return { dx: this.#wrap(out[0]!), dGamma: this.#wrap(out[1]!), dBeta: this.#wrap(out[2]!) };
  }

  // ---- elementwise -------------------------------------------------------------------------------

  #binary(op: Binary, a: Tensor, b: Tensor): Tensor {
    broadcastShape(op, a.shape, b.shape);
    const [x, y] = [this.#f32(a, op, 'a'), this.#f32(b, op, 'b')];
    return this.#wrap(tf.tidy(() => BINARY[op](x, y)));
  }

  #unary(op: string, a: Tensor, f: (x: tf.Tensor) => tf.Tensor): Tensor {
    const x = this.#f32(a, op);
    return this.#wrap(tf.tidy(() => f(x)));
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
    broadcastShape('where', cond.shape, a.shape, b.shape);
    const [c, x, y] = [this.#f32(cond, 'where', 'cond'), this.#f32(a, 'where', 'a'), this.#f32(b, 'where', 'b')];
    return this.#wrap(tf.tidy(() => tf.where(tf.notEqual(c, 0), x, y)));
  }

  scale(a: Tensor, s: number): Tensor { return this.#unary('scale', a, (x) => tf.mul(x, s)); }
  addScalar(a: Tensor, s: number): Tensor { return this.#unary('addScalar', a, (x) => tf.add(x, s)); }
  abs(a: Tensor): Tensor { return this.#unary('abs', a, tf.abs); }
  neg(a: Tensor): Tensor { return this.#unary('neg', a, tf.neg); }
  sqrt(a: Tensor): Tensor { return this.#unary('sqrt', a, tf.sqrt); }
  exp(a: Tensor): Tensor { return this.#unary('exp', a, tf.exp); }
  log(a: Tensor): Tensor { return this.#unary('log', a, tf.log); }
  sigmoid(a: Tensor): Tensor { return this.#unary('sigmoid', a, tf.sigmoid); }
  sign(a: Tensor): Tensor { return this.#unary('sign', a, sign); }

  addRowVector(a: Tensor, v: Tensor, alpha = 1): Tensor {
    assertRank('addRowVector', 'a', a, 2);
    assertRank('addRowVector', 'v', v, 1);
    if (v.shape[0] !== a.shape[1]) throw new ShapeMismatchError(`addRowVector: row vector ${shapeToString(v.shape)} does not match ${shapeToString(a.shape)}`);
    const [x, w] = [this.#f32(a, 'addRowVector'), this.#f32(v, 'addRowVector')];
    return this.#wrap(tf.tidy(() => tf.add(x, alpha === 1 ? w : tf.mul(w, alpha))));
  }

  activation(x: Tensor, kind: ActivationKind): Tensor {
    const k = this.#nativeActivation(kind, 'activation');
    return this.#unary('activation', x, (d) => activate(d, k));
  }

  activationGrad(dy: Tensor, pre: Tensor, kind: ActivationKind): Tensor {
    assertSameShape('activationGrad', dy, pre);
    const k = this.#nativeActivation(kind, 'activationGrad');
    const [g, h] = [this.#f32(dy, 'activationGrad'), this.#f32(pre, 'activationGrad')];
    return this.#wrap(tf.tidy(() => activationGrad(g, h, k)));
  }

  activationGradInPlace(dy: Tensor, pre: Tensor, kind: ActivationKind, l1 = 0): void {
    assertSameShape('activationGradInPlace', dy, pre);
    const k = this.#nativeActivation(kind, 'activationGradInPlace');
    const [g, h] = [this.#f32(dy, 'activationGradInPlace'), this.#f32(pre, 'activationGradInPlace')];
    (dy as TfjsTensor).rebind(tf.tidy(() => activationGrad(l1 === 0 ? g : tf.add(g, tf.mul(sign(h), l1)), h, k)));
  }

  #nativeActivation(kind: ActivationKind, op: string): 'relu' | 'silu' {
    if (kind === 'relu' || kind === 'silu') return kind as 'relu' | 'silu';
    throw new UnsupportedOpError(this.name, `${op} '${kind}'`);
  }

  // ---- in place ------------------------------------------------------------------------------------

  assignInPlace(target: Tensor, source: Tensor): void {
    assertSameShape('assignInPlace', target, source);
    this.#f32(target, 'assignInPlace', 'target');
    const src = this.#f32(source, 'assignInPlace', 'source');
    (target as TfjsTensor).rebind(tf.clone(src));
  }

  scaleInPlace(x: Tensor, s: number): void {
    const d = this.#f32(x, 'scaleInPlace');
    (x as TfjsTensor).rebind(tf.tidy(() => tf.mul(d, s)));
  }

  addInPlace(a: Tensor, b: Tensor): void {
    assertSameShape('addInPlace', a, b);
    const [x, y] = [this.#f32(a, 'addInPlace'), this.#f32(b, 'addInPlace')];
    (a as TfjsTensor).rebind(tf.tidy(() => tf.add(x, y)));
  }

  normalizeRowsInPlace(x: Tensor): void {
    assertRank('normalizeRowsInPlace', 'x', x, 2);
    const d = this.#f32(x, 'normalizeRowsInPlace');
    (x as TfjsTensor).rebind(tf.tidy(() => normalizeRows(d)));
  }

  adamUpdate(param: Tensor, grad: Tensor, m: Tensor, v: Tensor, hp: AdamHyperparams): void {
    for (const t of [grad, m, v]) assertSameShape('adamUpdate', param, t);
    const op = 'adamUpdate';
    const [p, g, md, vd] = [this.#f32(param, op), this.#f32(grad, op), this.#f32(m, op), this.#f32(v, op)];
    const [p2, m2, v2] = tf.tidy(() => adamStep(p, g, md, vd, hp));
    (param as TfjsTensor).rebind(p2);
    (m as TfjsTensor).rebind(m2);
    (v as TfjsTensor).rebind(v2);
  }

  // ---- top-k, gathers and the sparse TopK path ----------------------------------------------------------

  topKAbs(x: Tensor, k: number): SparseRows {
    assertRank('topKAbs', 'x', x, 2);
    const cols = x.shape[1]!;
    if (!Number.isInteger(k) || k < 1 || k > cols) throw new InvalidArgumentError(`topKAbs: k must be an integer in [1, ${cols}], got ${k}`);
    const d = this.#f32(x, 'topKAbs');
    const [values, indices] = tf.tidy(() => {
      const idx = topKPositions(tf.abs(d), k, this.#traits.nanRanking);
      return [gatherCols(d, idx, this.#traits.gather), idx];
    });
    return { values: this.#wrap(values!), indices: this.#wrap(indices!, 'int32', { min: 0, max: cols - 1 }), cols };
  }

  gatherCols(x: Tensor, indices: Tensor): Tensor {
    assertRank('gatherCols', 'x', x, 2);
    assertRank('gatherCols', 'indices', indices, 2);
    if (indices.shape[0] !== x.shape[0]) throw new ShapeMismatchError(`gatherCols: ${x.shape[0]} rows in x, ${indices.shape[0]} in indices`);
    const d = this.#f32(x, 'gatherCols');
    const idx = this.#indices(indices, x.shape[1]!, 'gatherCols');
    return this.#wrap(tf.tidy(() => gatherCols(d, idx, this.#traits.gather)));
  }

  scatterToDense(sp: SparseRows): Tensor {
    sparseDims('scatterToDense', sp.values, sp.indices);
    const v = this.#f32(sp.values, 'scatterToDense', 'values');
    const idx = this.#indices(sp.indices, sp.cols, 'scatterToDense');
    return this.#wrap(tf.tidy(() => scatterToDense(v, idx, sp.cols)));
  }

  sparseMatmul(sp: SparseRows, w: Tensor, options: { transposeB?: boolean } = {}): Tensor {
    sparseDims('sparseMatmul', sp.values, sp.indices);
    featureMatrixWidth('sparseMatmul', w, sp.cols, options.transposeB ?? false);
    const [v, wd] = [this.#f32(sp.values, 'sparseMatmul', 'values'), this.#f32(w, 'sparseMatmul', 'w')];
    const idx = this.#indices(sp.indices, sp.cols, 'sparseMatmul');
    return this.#wrap(tf.tidy(() => sparseMatmul(v, idx, options.transposeB ? tf.transpose(wd) : wd, this.#traits.gather)));
  }

  sampledMatmul(a: Tensor, w: Tensor, indices: Tensor, options: { transposeB?: boolean } = {}): Tensor {
    assertRank('sampledMatmul', 'a', a, 2);
    assertRank('sampledMatmul', 'w', w, 2);
    const cols = options.transposeB ? w.shape[1]! : w.shape[0]!;
    if (featureMatrixWidth('sampledMatmul', w, cols, options.transposeB ?? false) !== a.shape[1] || indices.shape[0] !== a.shape[0]) {
      throw new ShapeMismatchError(`sampledMatmul: a ${shapeToString(a.shape)}, W ${shapeToString(w.shape)} and indices ${shapeToString(indices.shape)} do not fit`);
    }
    const [ad, wd] = [this.#f32(a, 'sampledMatmul', 'a'), this.#f32(w, 'sampledMatmul', 'w')];
    const idx = this.#indices(indices, cols, 'sampledMatmul');
    return this.#wrap(tf.tidy(() => sampledMatmul(ad, options.transposeB ? tf.transpose(wd) : wd, idx, this.#traits.gather)));
  }

  sparseTransposeMatmul(sp: SparseRows, y: Tensor, options: { transposeOut?: boolean; yOffset?: Tensor } = {}): Tensor {
    const op = 'sparseTransposeMatmul';
    const { rows } = sparseDims(op, sp.values, sp.indices);
    assertRank(op, 'y', y, 2);
    if (y.shape[0] !== rows) throw new ShapeMismatchError(`${op}: ${rows} sparse rows, y has ${y.shape[0]}`);
    const n = y.shape[1]!;
    const offset = options.yOffset;
    if (offset && (offset.shape.length !== 1 || offset.shape[0] !== n)) {
      throw new ShapeMismatchError(`${op}: the row offset ${shapeToString(offset.shape)} must be [${n}], one value per column`);
    }
    const [v, yd] = [this.#f32(sp.values, op, 'values'), this.#f32(y, op, 'y')];
    const off = offset ? this.#f32(offset, op, 'yOffset') : undefined;
    const idx = this.#indices(sp.indices, sp.cols, op);
    return this.#wrap(tf.tidy(() => {
      const out = sparseTransposeMatmul(v, idx, off ? tf.sub(yd, off) : yd, sp.cols);
      return options.transposeOut ? tf.transpose(out) : out;
    }));
  }

  sparseColumnSum(sp: SparseRows): Tensor {
    sparseDims('sparseColumnSum', sp.values, sp.indices);
    const v = this.#f32(sp.values, 'sparseColumnSum', 'values');
    const idx = this.#indices(sp.indices, sp.cols, 'sparseColumnSum');
    return this.#wrap(tf.tidy(() => sparseColumnSum(v, idx, sp.cols)));
  }

  encodeTopK(x: Tensor, w: Tensor, bias: Tensor, k: number, activation: ActivationKind, options: { xOffset?: Tensor } = {}): EncodedTopK {
    const op = 'encodeTopK';
    const kind = this.#nativeActivation(activation, op);
    const { n: cols } = matmulDims(op, x, w);
    if (bias.shape.length !== 1 || bias.shape[0] !== cols) throw new ShapeMismatchError(`${op}: bias ${shapeToString(bias.shape)} must be [${cols}]`);
    if (!Number.isInteger(k) || k < 1 || k > cols) throw new InvalidArgumentError(`${op}: k must be an integer in [1, ${cols}], got ${k}`);
    this.#fits(x.shape[0]! * cols, op);
    const d = x.shape[1]!;
    const offset = options.xOffset;
    if (offset && (offset.shape.length !== 1 || offset.shape[0] !== d)) throw new ShapeMismatchError(`${op}: xOffset ${shapeToString(offset.shape)} must be [${d}]`);
    const [xd, wd, bd] = [this.#f32(x, op, 'x'), this.#f32(w, op, 'w'), this.#f32(bias, op, 'bias')];
    const off = offset ? this.#f32(offset, op, 'xOffset') : undefined;
    const [values, indices, preAtK] = tf.tidy(() => {
      // matmul + bias fused where tfjs has it; the activation stays separate because pre is needed at the kept entries.
      const pre = tf.fused.matMul({ a: (off ? tf.sub(xd, off) : xd) as tf.Tensor2D, b: wd as tf.Tensor2D, bias: bd });
      const act = activate(pre, kind);
      const idx = topKPositions(kind === 'relu' ? act : tf.abs(act), k, this.#traits.nanRanking);
      return [gatherCols(act, idx, this.#traits.gather), idx, gatherCols(pre, idx, this.#traits.gather)];
    });
    return {
      z: { values: this.#wrap(values!), indices: this.#wrap(indices!, 'int32', { min: 0, max: cols - 1 }), cols },
      preAtK: this.#wrap(preAtK!),
    };
  }

  // ---- lifecycle -----------------------------------------------------------------------------------

  async sync(): Promise<void> {
    // tfjs has no fence. A GPU queue runs in order, so reading the result of an op enqueued after
    // everything else waits for all of it — an op, not an upload: fresh data may be read from the
    // CPU copy without touching the queue.
    const probe = tf.tidy(() => tf.add(tf.zeros([1]), 1));
    await probe.data();
    probe.dispose();
  }

  /** The tfjs engine's own count (every tfjs tensor in this process), so a leak inside an op shows. */
  memory(): MemoryInfo {
    const m = tf.memory();
    return { tensors: m.numTensors, bytes: m.numBytes };
  }

  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#release();
  }
}
