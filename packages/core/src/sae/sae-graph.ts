import type { Backend } from '../backend/backend.js';
import { activationGradInPlace } from '../backend/activation-grad-in-place.js';
import { activation, activationGrad } from '../backend/activations.js';
import { addRowVector } from '../backend/add-row-vector.js';
import { scaleInPlace } from '../backend/scale-in-place.js';
import { addInPlace } from '../backend/add-in-place.js';
import { matmulAccumulate } from '../backend/matmul-accumulate.js';
import { DisposeBag } from '../backend/dispose-bag.js';
import { encodeTopK, sampledMatmul, sparseColumnSum, sparseMatmul, sparseTransposeMatmul } from '../backend/sparse-ops.js';
import type { SparseRows, Tensor } from '../backend/tensor.js';
import { InvalidArgumentError } from '../errors.js';
import type { SaeConfig } from './sae-config.js';
import type { SaeParamName } from './sae-params.js';
import type { SaeBackwardPlan, SaeForwardPlan } from './step-plan.js';

export const LAYER_NORM_EPS = 1e-5;

/**
 * Forward pass, written out so that the backward pass below can be analytic:
 *
 *   xin  = inputNorm ? LayerNorm(x) : x − b_dec
 *   pre  = xin · W_enc + b_enc              [B, F]
 *   zPre = act(pre)
 *   z    = TopK ? keep the k largest |zPre| per row (sparse) : zPre
 *   xHat = z · W_dec + b_dec                (tied: W_dec = W_encᵀ)
 *   loss = mean((xHat − x)²) [+ betaL1 · mean|z|]
 *
 * Which of these intermediates exist in which mode (analysis, loss, training; fused or dense
 * encoder; micro-batches; gradients to a map, a sink or running sums) is decided up front by
 * `planSaeStep` (step-plan.ts); the passes below only follow their plan.
 *
 * In TopK mode z stays a SparseRows value, so the decoder and all of its backward terms touch only
 * the k active latents per row. In float32 training the encoder, activation and TopK run as one
 * op (`encodeTopK`), so a backend with a fused kernel never holds the dense [B, F] pre-activations;
 * only pre at the kept entries (`preAtK`) is needed for the backward pass.
 */
export interface ForwardCache {
  readonly x: Tensor;
  /**
   * The encoder's input. Undefined after a training forward pass without input norm: rather than
   * keep a [B, d] tensor alive across the step, the backward pass uses x and b_dec (TopK: the sparse
   * product subtracts b_dec itself; L1: x − b_dec is made again, `encoderInput`).
   */
  readonly xin: Tensor | undefined;
  readonly lnStats: { mean: Tensor; rstd: Tensor } | undefined;
  /**
   * Dense pre-activations [B, F]; undefined when the TopK encoder ran as one op, and after an
   * L1 ReLU training pass (the backward pass takes ReLU's mask from zPre).
   */
  readonly pre: Tensor | undefined;
  /** act(pre) [B, F]; undefined when the TopK encoder ran as one op. */
  readonly zPre: Tensor | undefined;
  /** TopK latents; undefined in L1 mode, where z is zPre. */
  readonly sparseZ: SparseRows | undefined;
  /** TopK: pre at the kept entries [B, k]. */
  readonly preAtK: Tensor | undefined;
  /** The reconstruction; undefined after a training forward pass, which keeps only `diff`. */
  readonly xHat: Tensor | undefined;
  /** xHat − x, computed once for the loss and the backward pass (see `residual`). */
  diff?: Tensor;
  /** Owns every tensor above except `x`. */
  readonly bag: DisposeBag;
}


/** xHat − x for this forward pass (computed on first use, owned by the cache). */
export function residual(backend: Backend, cache: ForwardCache): Tensor {
  if (!cache.diff) {
    if (!cache.xHat) throw new InvalidArgumentError('residual: this forward pass kept neither xHat nor the residual (the backward pass consumes it; take the loss tensors first)');
    cache.diff = cache.bag.add(backend.sub(cache.xHat, cache.x));
  }
  return cache.diff;
}

export type ParamLookup = (name: SaeParamName) => Tensor;

/** The forward pass as `plan` says (see step-plan.ts for what each mode computes and keeps). */
export function saeForward(backend: Backend, c: SaeConfig, p: ParamLookup, x: Tensor, plan: SaeForwardPlan): ForwardCache {
  const bag = new DisposeBag();
  const { precision } = plan;
  try {
    const dropXin = !plan.keepEncoderInput;
    const fusedTopK = plan.encoder === 'fused-topk';
    let xin: Tensor | undefined;
    let lnStats: ForwardCache['lnStats'];
    if (c.inputNorm) {
      const ln = backend.layerNorm(x, p('ln.weight'), p('ln.bias'), LAYER_NORM_EPS);
      xin = bag.add(ln.y);
      lnStats = { mean: bag.add(ln.mean), rstd: bag.add(ln.rstd) };
    } else if (!(fusedTopK && dropXin)) {
      xin = bag.add(addRowVector(backend, x, p('b_dec'), -1));
    }
    let pre: Tensor | undefined;
    let zPre: Tensor | undefined;
    let sparseZ: SparseRows | undefined;
    let preAtK: Tensor | undefined;
    if (fusedTopK) {
      const enc = xin ? encodeTopK(backend, xin, p('W_enc'), p('b_enc'), c.k!, c.activation) : encodeTopK(backend, x, p('W_enc'), p('b_enc'), c.k!, c.activation, p('b_dec'));
      if (dropXin && xin) bag.release(xin);
      sparseZ = bag.addSparse(enc.z);
      preAtK = bag.add(enc.preAtK);
    } else {
      // Not fused: xin was made above.
      const lin = backend.matmul(xin!, p('W_enc'), { precision });
      if (dropXin) bag.release(xin!);
      try {
        pre = bag.add(addRowVector(backend, lin, p('b_enc')));
      } finally {
        lin.dispose();
      }
      zPre = bag.add(activation(backend, pre, c.activation));
      if (c.k !== null) {
        sparseZ = bag.addSparse(backend.topKAbs(zPre, c.k));
        preAtK = bag.add(backend.gatherCols(pre, sparseZ.indices));
      }
      // ReLU's gradient mask is the same read from act(pre) (pre > 0 exactly where relu(pre) > 0).
      if (!plan.keepPreActivations) {
        bag.release(pre);
        pre = undefined;
      }
    }
    let decoded: Tensor;
    if (sparseZ) {
      decoded = c.tieWeights ? sparseMatmul(backend, sparseZ, p('W_enc'), true) : sparseMatmul(backend, sparseZ, p('W_dec'));
    } else {
      decoded = c.tieWeights
        ? backend.matmul(zPre!, p('W_enc'), { transposeB: true, precision })
        : backend.matmul(zPre!, p('W_dec'), { precision });
    }
    let xHat: Tensor;
    try {
      xHat = addRowVector(backend, decoded, p('b_dec'));
    } finally {
      decoded.dispose();
    }
    if (plan.output === 'residual') {
      try {
        return { x, xin: dropXin ? undefined : xin, lnStats, pre, zPre, sparseZ, preAtK, xHat: undefined, diff: bag.add(backend.sub(xHat, x)), bag };
      } finally {
        xHat.dispose();
      }
    }
    return { x, xin, lnStats, pre, zPre, sparseZ, preAtK, xHat: bag.add(xHat), bag };
  } catch (error) {
    bag.dispose();
    throw error;
  }
}

/** The encoder's input of this forward pass, recomputed (into `bag`) when the cache dropped it. */
function encoderInput(backend: Backend, p: ParamLookup, cache: ForwardCache, bag: DisposeBag): Tensor {
  return cache.xin ?? bag.add(addRowVector(backend, cache.x, p('b_dec'), -1));
}

/** Scalar loss terms as one-element tensors (read them with backend.read). */
export interface LossTensors {
  sumSquaredError: Tensor;
  sumAbsZ: Tensor;
  nonZero: Tensor;
}

export function saeLossTensors(backend: Backend, cache: ForwardCache): LossTensors {
  const diff = residual(backend, cache);
  const z = cache.sparseZ ? cache.sparseZ.values : cache.zPre!;
  return {
    sumSquaredError: backend.reduce(diff, 'sumSquares'),
    sumAbsZ: backend.reduce(z, 'sumAbs'),
    nonZero: backend.reduce(z, 'countNonZero'),
  };
}

/** Per latent, the number of rows in which it is non-zero → [F]. */
export function firingCounts(backend: Backend, cache: ForwardCache): Tensor {
  if (!cache.sparseZ) return backend.reduce(cache.zPre!, 'countNonZero', 0);
  const s = backend.sign(cache.sparseZ.values);
  const fired = backend.mul(s, s);
  s.dispose();
  try {
    return sparseColumnSum(backend, { values: fired, indices: cache.sparseZ.indices, cols: cache.sparseZ.cols });
  } finally {
    fired.dispose();
  }
}

/**
 * Receives a finished gradient and owns it from the call on (disposes it, also when it throws).
 * The backward pass no longer reads the parameter, so the receiver may update it in place.
 */
export type GradientSink = (name: SaeParamName, grad: Tensor) => void;

/** Where the gradients go: a callback (plan 'sink') or running sums (plan 'accumulate'). */
export interface GradientTargets {
  sink?: GradientSink;
  into?: ReadonlyMap<SaeParamName, Tensor>;
}

/**
 * Analytic gradients of the loss with respect to every parameter. The caller owns the result.
 * The residual is scaled into ∂xHat in place, so the cache's residual is gone afterwards: take the
 * loss tensors (`saeLossTensors`) first.
 */
export function saeBackward(
  backend: Backend, c: SaeConfig, p: ParamLookup, cache: ForwardCache, plan: SaeBackwardPlan, targets: GradientTargets = {},
): Map<SaeParamName, Tensor> {
  const { precision, batchRows } = plan;
  const sink = plan.gradients === 'sink' ? targets.sink : undefined;
  const into = plan.gradients === 'accumulate' ? targets.into : undefined;
  if ((plan.gradients === 'sink' && !sink) || (plan.gradients === 'accumulate' && !into)) {
    throw new InvalidArgumentError(`saeBackward: the plan hands gradients to ${plan.gradients === 'sink' ? 'a sink' : 'running sums'}, but none was given`);
  }
  const d = cache.x.shape[1]!;
  const f = c.nFeatures;
  const bag = new DisposeBag();
  const grads = new Map<SaeParamName, Tensor>();
  /** A finished gradient (or this micro-batch's share of it): added into `into`, the decoder weights' to the sink at once, or kept. */
  const put = (name: SaeParamName, g: Tensor): void => {
    if (into) {
      try {
        addInPlace(backend, target(into, name), g);
      } finally {
        g.dispose();
      }
    } else if (sink && name === 'W_dec') {
      sink(name, g);
    } else {
      grads.set(name, g);
    }
  };
  try {
    // ∂loss/∂xHat = 2·(xHat − x)/(B·d), made from the residual in place (one [B, d] tensor fewer).
    const dxHat = residual(backend, cache);
    cache.diff = undefined;
    scaleInPlace(backend, dxHat, 2 / (batchRows * d));
    const bDecFromOutput = bag.add(backend.reduce(dxHat, 'sum', 0));
    // The gradient reaching xin = x − b_dec is only needed whole for the LayerNorm backward;
    // otherwise only its column sum is, and Σ_rows dpre·W_encᵀ = W_enc·(Σ_rows dpre) = W_enc·∂b_enc.
    let dxin: Tensor | undefined;
    let dbEnc: Tensor;
    if (cache.sparseZ) {
      const sp = cache.sparseZ;
      const dz = bag.add(c.tieWeights
        ? sampledMatmul(backend, dxHat, p('W_enc'), sp.indices, true)
        : sampledMatmul(backend, dxHat, p('W_dec'), sp.indices));
      const dpre: SparseRows = { values: bag.add(activationGrad(backend, dz, cache.preAtK!, c.activation)), indices: sp.indices, cols: f };
      dbEnc = bag.add(sparseColumnSum(backend, dpre));
      // The decoder's gradient first: after it ∂xHat is not needed and is freed, so next to the two
      // gradients only the batch itself is alive.
      const fromDecoder = c.tieWeights ? bag.add(sparseTransposeMatmul(backend, sp, dxHat, true)) : undefined;
      const dW_dec = c.tieWeights ? undefined : sparseTransposeMatmul(backend, sp, dxHat);
      cache.bag.release(dxHat);
      if (dW_dec) put('W_dec', dW_dec);
      // After a training forward x − b_dec is gone: the product subtracts b_dec from x's rows itself
      // (core makes the shifted copy for a backend that cannot).
      let dW_enc = cache.xin ? sparseTransposeMatmul(backend, dpre, cache.xin, true) : sparseTransposeMatmul(backend, dpre, cache.x, true, p('b_dec'));
      if (fromDecoder) {
        const encoderOnly = bag.add(dW_enc);
        dW_enc = backend.add(encoderOnly, fromDecoder);
      }
      put('W_enc', dW_enc);
      if (c.inputNorm) dxin = bag.add(sparseMatmul(backend, dpre, p('W_enc'), true));
    } else {
      const z = cache.zPre!;
      const dz = bag.add(c.tieWeights
        ? backend.matmul(dxHat, p('W_enc'), { precision })
        : backend.matmul(dxHat, p('W_dec'), { transposeB: true, precision }));
      // The decoder's gradient first (W_dec is not read after ∂z), then ∂xHat is freed. With
      // `into`, both weight products are added to the running sums in place.
      let fromDecoder: Tensor | undefined;
      if (c.tieWeights) {
        if (into) matmulAccumulate(backend, target(into, 'W_enc'), dxHat, z, { transposeA: true, precision });
        else fromDecoder = bag.add(backend.matmul(dxHat, z, { transposeA: true, precision }));
      } else {
        if (into) matmulAccumulate(backend, target(into, 'W_dec'), z, dxHat, { transposeA: true, precision });
        else put('W_dec', backend.matmul(z, dxHat, { transposeA: true, precision }));
        cache.bag.release(dxHat);
      }
      // ∂pre = (∂z + betaL1/(B·F)·sign(z)) ⊙ act′(pre), made from ∂z in place (sign(z) = sign(pre)
      // for ReLU and SiLU); ReLU takes its mask from zPre when the training pass did not keep pre
      // (see saeForward). Only z and ∂z are alive: no [B, F] temporary.
      activationGradInPlace(backend, dz, cache.pre ?? cache.zPre!, c.activation, c.betaL1 ? c.betaL1 / (batchRows * f) : 0);
      const dpre = dz;
      dbEnc = bag.add(backend.reduce(dpre, 'sum', 0));
      const xin = encoderInput(backend, p, cache, bag);
      if (into) {
        matmulAccumulate(backend, target(into, 'W_enc'), xin, dpre, { transposeA: true, precision });
      } else {
        let dW_enc = backend.matmul(xin, dpre, { transposeA: true, precision });
        if (fromDecoder) {
          const encoderOnly = bag.add(dW_enc);
          dW_enc = backend.add(encoderOnly, fromDecoder);
        }
        put('W_enc', dW_enc);
      }
      if (xin !== cache.xin) bag.release(xin);
      if (c.inputNorm) dxin = bag.add(backend.matmul(dpre, p('W_enc'), { transposeB: true, precision }));
    }
    if (c.inputNorm) {
      const { mean, rstd } = cache.lnStats!;
      const ln = backend.layerNormGrad(dxin!, cache.x, mean, rstd, p('ln.weight'));
      ln.dx.dispose();
      put('ln.weight', ln.dGamma);
      put('ln.bias', ln.dBeta);
      put('b_dec', bag.take(bDecFromOutput));
    } else if (plan.deferBDecInputTerm) {
      put('b_dec', bag.take(bDecFromOutput));
    } else {
      const throughInput = bag.add(bDecInputTerm(backend, p, dbEnc));
      put('b_dec', backend.sub(bDecFromOutput, throughInput));
    }
    put('b_enc', bag.take(dbEnc));
    if (sink) {
      for (const [name, g] of [...grads]) {
        grads.delete(name);
        sink(name, g);
      }
    }
    return grads;
  } catch (error) {
    for (const g of grads.values()) g.dispose();
    throw error;
  } finally {
    bag.dispose();
  }
}

/** W_enc·∂b_enc → [d]: what b_dec's gradient loses through the encoder input x − b_dec. */
export function bDecInputTerm(backend: Backend, p: ParamLookup, dbEnc: Tensor): Tensor {
  const w = p('W_enc');
  const col = backend.reshape(dbEnc, [w.shape[1]!, 1]);
  try {
    const product = backend.matmul(w, col);
    try {
      return backend.reshape(product, [w.shape[0]!]);
    } finally {
      product.dispose();
    }
  } finally {
    col.dispose();
  }
}

/**
 * Completes gradients summed over micro-batches with `deferBDecInputTerm`: b_dec −= W_enc·∂b_enc
 * (nothing to do with input norm, where b_dec is not subtracted from the input).
 */
export function addBDecInputTerm(backend: Backend, c: SaeConfig, p: ParamLookup, grads: ReadonlyMap<SaeParamName, Tensor>): void {
  if (c.inputNorm) return;
  const term = bDecInputTerm(backend, p, target(grads, 'b_enc'));
  try {
    scaleInPlace(backend, term, -1);
    addInPlace(backend, target(grads, 'b_dec'), term);
  } finally {
    term.dispose();
  }
}

/** The running gradient of `name` a micro-batch's share is added to. */
function target(into: ReadonlyMap<SaeParamName, Tensor>, name: SaeParamName): Tensor {
  const t = into.get(name);
  if (!t) throw new InvalidArgumentError(`saeBackward: no running gradient for '${name}' to add this micro-batch's share to`);
  return t;
}
