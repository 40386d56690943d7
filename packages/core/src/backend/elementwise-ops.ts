import type { Shape, Tensor } from './tensor.js';

/**
 * The basic elementwise, comparison and reduction building blocks (tfjs-core's kernel list is the
 * model). Core composes optimisers, activations and loss terms from them, so a backend implements
 * these once and overrides a fused op only where it is faster.
 *
 * Binary ops broadcast NumPy-style over trailing dimensions: `b` (or `a`) may have the full shape,
 * be a single value (shape [1]), a row vector [n] or [1, n] against [rows, n], or a column
 * [rows, 1]. The result has the larger shape. Comparison results are float32 masks of 0 and 1
 * (not booleans), so they multiply like any other tensor. NaN follows IEEE 754: comparisons with
 * NaN are 0, `maximum`/`minimum` propagate NaN (as torch and tfjs do), `where` passes it through.
 */
export interface ElementwiseOps {
  add(a: Tensor, b: Tensor): Tensor;
  sub(a: Tensor, b: Tensor): Tensor;
  mul(a: Tensor, b: Tensor): Tensor;
  div(a: Tensor, b: Tensor): Tensor;
  maximum(a: Tensor, b: Tensor): Tensor;
  minimum(a: Tensor, b: Tensor): Tensor;
  /** 1 where a > b, else 0. */
  greater(a: Tensor, b: Tensor): Tensor;
  /** 1 where a == b, else 0. */
  equal(a: Tensor, b: Tensor): Tensor;
  /** cond ≠ 0 ? a : b, elementwise; the three broadcast together. */
  where(cond: Tensor, a: Tensor, b: Tensor): Tensor;

  /** a·s for a number s. */
  scale(a: Tensor, s: number): Tensor;
  /** a + s for a number s. */
  addScalar(a: Tensor, s: number): Tensor;
  abs(a: Tensor): Tensor;
  neg(a: Tensor): Tensor;
  sqrt(a: Tensor): Tensor;
  exp(a: Tensor): Tensor;
  log(a: Tensor): Tensor;
  /** 1 / (1 + e^−a). */
  sigmoid(a: Tensor): Tensor;
  /** −1, 0 or 1 (NaN stays NaN). */
  sign(a: Tensor): Tensor;

  /** A new tensor of `shape` with every entry `value`. */
  fill(shape: Shape, value: number, dtype?: 'float32' | 'int32'): Tensor;
  /** Tensors of equal trailing shape stacked along their first axis. */
  concat(tensors: readonly Tensor[]): Tensor;
}

/** Names of the elementwise primitives, e.g. for conformance declarations. */
export type ElementwiseOpName = keyof ElementwiseOps;
