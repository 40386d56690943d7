import * as tf from '@tensorflow/tfjs-core';
import type { AdamHyperparams } from '@deeplens/core';

/**
 * The contract's composite maths as tfjs ops, each to be run inside the caller's `tf.tidy`. NaN
 * follows IEEE 754 as the contract says, where tfjs's kernels do not on every engine (wasm's
 * maximum/minimum drop a NaN second argument; `sign(NaN)` is 0 everywhere).
 */

export function maximum(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  return tf.where(tf.logicalOr(tf.isNaN(a), tf.isNaN(b)), tf.add(a, b), tf.maximum(a, b));
}

export function minimum(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  return tf.where(tf.logicalOr(tf.isNaN(a), tf.isNaN(b)), tf.add(a, b), tf.minimum(a, b));
}

export function sign(a: tf.Tensor): tf.Tensor {
  return tf.where(tf.isNaN(a), a, tf.sign(a));
}

export function silu(x: tf.Tensor): tf.Tensor {
  return tf.mul(x, tf.sigmoid(x));
}

/** act(x) for relu or silu. */
export function activate(x: tf.Tensor, kind: 'relu' | 'silu'): tf.Tensor {
  return kind === 'relu' ? tf.relu(x) : silu(x);
}

/** dy ⊙ act′(pre), relu′(0) = 0 (and relu′(NaN) = 0) as the reference backend has it. */
export function activationGrad(dy: tf.Tensor, pre: tf.Tensor, kind: 'relu' | 'silu'): tf.Tensor {
  if (kind === 'relu') return tf.where(tf.greater(pre, 0), dy, tf.zerosLike(dy));
  const s = tf.sigmoid(pre);
  return tf.mul(tf.mul(dy, s), tf.add(1, tf.mul(pre, tf.sub(1, s))));
}

export interface LayerNormOut {
  y: tf.Tensor;
  mean: tf.Tensor;
  rstd: tf.Tensor;
}

/** Per row: y = (x − mean)·rstd·γ + β with rstd = 1/√(biased var + eps). */
export function layerNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, eps: number): LayerNormOut {
  const [rows] = x.shape as [number, number];
  const mean = tf.mean(x, 1, true);
  const xc = tf.sub(x, mean);
  const variance = tf.mean(tf.square(xc), 1, true);
  const rstd = tf.rsqrt(tf.add(variance, eps));
  const y = tf.add(tf.mul(tf.mul(xc, rstd), gamma), beta);
  return { y, mean: tf.reshape(mean, [rows]), rstd: tf.reshape(rstd, [rows]) };
}

export function layerNormGrad(dy: tf.Tensor, x: tf.Tensor, mean: tf.Tensor, rstd: tf.Tensor, gamma: tf.Tensor): { dx: tf.Tensor; dGamma: tf.Tensor; dBeta: tf.Tensor } {
  const [rows] = x.shape as [number, number];
  const r = tf.reshape(rstd, [rows, 1]);
  const xhat = tf.mul(tf.sub(x, tf.reshape(mean, [rows, 1])), r);
  const dGamma = tf.sum(tf.mul(dy, xhat), 0);
  const dBeta = tf.sum(dy, 0);
  const dxhat = tf.mul(dy, gamma);
  const inner = tf.sub(tf.sub(dxhat, tf.mean(dxhat, 1, true)), tf.mul(xhat, tf.mean(tf.mul(dxhat, xhat), 1, true)));
  return { dx: tf.mul(r, inner), dGamma, dBeta };
}

/** torch.optim.Adam/AdamW for one parameter → the new [param, m, v]. */
export function adamStep(p: tf.Tensor, g: tf.Tensor, m: tf.Tensor, v: tf.Tensor, hp: AdamHyperparams): [tf.Tensor, tf.Tensor, tf.Tensor] {
  const { lr, beta1, beta2, eps, weightDecay, decoupled, step } = hp;
  const stepSize = lr / (1 - beta1 ** step);
  const bc2Sqrt = Math.sqrt(1 - beta2 ** step);
  const grad = !decoupled && weightDecay !== 0 ? tf.add(g, tf.mul(p, weightDecay)) : g;
  const m2 = tf.add(tf.mul(m, beta1), tf.mul(grad, 1 - beta1));
  const v2 = tf.add(tf.mul(v, beta2), tf.mul(tf.square(grad), 1 - beta2));
  const denom = tf.add(tf.div(tf.sqrt(v2), bc2Sqrt), eps);
  const decayed = decoupled && weightDecay !== 0 ? tf.mul(p, 1 - lr * weightDecay) : p;
  return [tf.sub(decayed, tf.div(tf.mul(m2, stepSize), denom)), m2, v2];
}

/** Rows scaled to unit L2 norm; rows of norm 0 stay as they are. */
export function normalizeRows(x: tf.Tensor): tf.Tensor {
  const norm = tf.sqrt(tf.sum(tf.square(x), 1, true));
  return tf.div(x, tf.where(tf.greater(norm, 0), norm, tf.onesLike(norm)));
}
