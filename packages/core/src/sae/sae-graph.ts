import type { Backend, MatmulPrecision } from '../backend/backend.js';
import { DisposeBag } from '../backend/dispose-bag.js';
import { sampledMatmul, sparseColumnSum, sparseMatmul, sparseTransposeMatmul } from '../backend/sparse-ops.js';
import type { SparseRows, Tensor } from '../backend/tensor.js';
import type { SaeConfig } from './sae-config.js';
import type { SaeParamName } from './sae-params.js';

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
 * In TopK mode z stays a SparseRows value, so the decoder and all of its backward terms touch only
 * the k active latents per row.
 */
export interface ForwardCache {
  readonly x: Tensor;
  readonly xin: Tensor;
  readonly lnStats: { mean: Tensor; rstd: Tensor } | undefined;
  readonly pre: Tensor;
  readonly zPre: Tensor;
  /** TopK latents; undefined in L1 mode, where z is zPre. */
  readonly sparseZ: SparseRows | undefined;
  readonly xHat: Tensor;
  /** Owns every tensor above except `x`. */
  readonly bag: DisposeBag;
}

export type ParamLookup = (name: SaeParamName) => Tensor;

export function saeForward(
  backend: Backend, c: SaeConfig, p: ParamLookup, x: Tensor, precision: MatmulPrecision = 'float32',
): ForwardCache {
  const bag = new DisposeBag();
  try {
    let xin: Tensor;
    let lnStats: ForwardCache['lnStats'];
    if (c.inputNorm) {
      const ln = backend.layerNorm(x, p('ln.weight'), p('ln.bias'), LAYER_NORM_EPS);
      xin = bag.add(ln.y);
      lnStats = { mean: bag.add(ln.mean), rstd: bag.add(ln.rstd) };
    } else {
      xin = bag.add(backend.addRowVector(x, p('b_dec'), -1));
    }
    const lin = bag.add(backend.matmul(xin, p('W_enc'), { precision }));
    const pre = bag.add(backend.addRowVector(lin, p('b_enc')));
    const zPre = bag.add(backend.activation(pre, c.activation));
    let sparseZ: SparseRows | undefined;
    let decoded: Tensor;
    if (c.k !== null) {
      sparseZ = bag.addSparse(backend.topKAbs(zPre, c.k));
      decoded = c.tieWeights ? sparseMatmul(backend, sparseZ, p('W_enc'), true) : sparseMatmul(backend, sparseZ, p('W_dec'));
    } else {
      decoded = c.tieWeights
        ? backend.matmul(zPre, p('W_enc'), { transposeB: true, precision })
        : backend.matmul(zPre, p('W_dec'), { precision });
    }
    bag.add(decoded);
    const xHat = bag.add(backend.addRowVector(decoded, p('b_dec')));
    return { x, xin, lnStats, pre, zPre, sparseZ, xHat, bag };
  } catch (error) {
    bag.dispose();
    throw error;
  }
}

/** Scalar loss terms as one-element tensors (read them with backend.read). */
export interface LossTensors {
  sumSquaredError: Tensor;
  sumAbsZ: Tensor;
  nonZero: Tensor;
}

export function saeLossTensors(backend: Backend, cache: ForwardCache): LossTensors {
  const diff = backend.sub(cache.xHat, cache.x);
  try {
    const z = cache.sparseZ ? cache.sparseZ.values : cache.zPre;
    return {
      sumSquaredError: backend.reduce(diff, 'sumSquares'),
      sumAbsZ: backend.reduce(z, 'sumAbs'),
      nonZero: backend.reduce(z, 'countNonZero'),
    };
  } finally {
    diff.dispose();
  }
}

/** Per latent, the number of rows in which it is non-zero → [F]. */
export function firingCounts(backend: Backend, cache: ForwardCache): Tensor {
  if (!cache.sparseZ) return backend.reduce(cache.zPre, 'countNonZero', 0);
  const s = backend.sign(cache.sparseZ.values);
  const fired = backend.mul(s, s);
  s.dispose();
  try {
    return sparseColumnSum(backend, { values: fired, indices: cache.sparseZ.indices, cols: cache.sparseZ.cols });
  } finally {
    fired.dispose();
  }
}

/** Analytic gradients of the loss with respect to every parameter. The caller owns the result. */
export function saeBackward(
  backend: Backend, c: SaeConfig, p: ParamLookup, cache: ForwardCache, precision: MatmulPrecision = 'float32',
): Map<SaeParamName, Tensor> {
  const [rows, d] = cache.x.shape as [number, number];
  const f = c.nFeatures;
  const bag = new DisposeBag();
  const grads = new Map<SaeParamName, Tensor>();
  try {
    const diff = bag.add(backend.sub(cache.xHat, cache.x));
    const dxHat = bag.add(backend.scale(diff, 2 / (rows * d)));
    const bDecFromOutput = backend.reduce(dxHat, 'sum', 0);
    let dW_enc: Tensor;
    let dxin: Tensor;
    if (cache.sparseZ) {
      const sp = cache.sparseZ;
      const dz = bag.add(c.tieWeights
        ? sampledMatmul(backend, dxHat, p('W_enc'), sp.indices, true)
        : sampledMatmul(backend, dxHat, p('W_dec'), sp.indices));
      const preAtK = bag.add(backend.gatherCols(cache.pre, sp.indices));
      const dpre: SparseRows = { values: bag.add(backend.activationGrad(dz, preAtK, c.activation)), indices: sp.indices, cols: f };
      grads.set('b_enc', sparseColumnSum(backend, dpre));
      dW_enc = sparseTransposeMatmul(backend, dpre, cache.xin, true);
      if (c.tieWeights) {
        const fromDecoder = bag.add(sparseTransposeMatmul(backend, sp, dxHat, true));
        const encoderOnly = bag.add(dW_enc);
        dW_enc = backend.add(encoderOnly, fromDecoder);
      } else {
        grads.set('W_dec', sparseTransposeMatmul(backend, sp, dxHat));
      }
      dxin = bag.add(sparseMatmul(backend, dpre, p('W_enc'), true));
    } else {
      const z = cache.zPre;
      let dz = bag.add(c.tieWeights
        ? backend.matmul(dxHat, p('W_enc'), { precision })
        : backend.matmul(dxHat, p('W_dec'), { transposeB: true, precision }));
      if (c.betaL1) {
        const s = bag.add(backend.sign(z));
        const l1Grad = bag.add(backend.scale(s, c.betaL1 / (rows * f)));
        dz = bag.add(backend.add(dz, l1Grad));
      }
      const dpre = bag.add(backend.activationGrad(dz, cache.pre, c.activation));
      grads.set('b_enc', backend.reduce(dpre, 'sum', 0));
      dW_enc = backend.matmul(cache.xin, dpre, { transposeA: true, precision });
      if (c.tieWeights) {
        const fromDecoder = bag.add(backend.matmul(dxHat, z, { transposeA: true, precision }));
        const encoderOnly = bag.add(dW_enc);
        dW_enc = backend.add(encoderOnly, fromDecoder);
      } else {
        grads.set('W_dec', backend.matmul(z, dxHat, { transposeA: true, precision }));
      }
      dxin = bag.add(backend.matmul(dpre, p('W_enc'), { transposeB: true, precision }));
    }
    grads.set('W_enc', dW_enc);
    if (c.inputNorm) {
      const { mean, rstd } = cache.lnStats!;
      const ln = backend.layerNormGrad(dxin, cache.x, mean, rstd, p('ln.weight'));
      ln.dx.dispose();
      grads.set('ln.weight', ln.dGamma);
      grads.set('ln.bias', ln.dBeta);
      grads.set('b_dec', bDecFromOutput);
    } else {
      const throughInput = bag.add(backend.reduce(dxin, 'sum', 0));
      bag.add(bDecFromOutput);
      grads.set('b_dec', backend.sub(bDecFromOutput, throughInput));
    }
    return grads;
  } catch (error) {
    for (const g of grads.values()) g.dispose();
    throw error;
  } finally {
    bag.dispose();
  }
}
