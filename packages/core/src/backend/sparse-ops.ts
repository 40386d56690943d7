import { activation as applyActivation, hasNativeActivation } from './activations.js';
import { addRowVector } from './add-row-vector.js';
import type { ActivationKind, Backend, EncodedTopK } from './backend.js';
import type { SparseRows, Tensor } from './tensor.js';

/**
 * The TopK sparse products, using a backend's fused op when it has one and otherwise composing
 * the required dense ops (scatter to dense, then matmul). Both paths give the same numbers; the
 * fused one costs O(rows·k·n) instead of O(rows·cols·n).
 */

export function sparseMatmul(backend: Backend, sp: SparseRows, w: Tensor, transposeB = false): Tensor {
  if (backend.sparseMatmul) return backend.sparseMatmul(sp, w, { transposeB });
  const dense = backend.scatterToDense(sp);
  try {
    return backend.matmul(dense, w, { transposeB });
  } finally {
    dense.dispose();
  }
}

export function sampledMatmul(backend: Backend, a: Tensor, w: Tensor, indices: Tensor, transposeB = false): Tensor {
  if (backend.sampledMatmul) return backend.sampledMatmul(a, w, indices, { transposeB });
  const full = backend.matmul(a, w, { transposeB: !transposeB });
  try {
    return backend.gatherCols(full, indices);
  } finally {
    full.dispose();
  }
}

/** spᵀ·(y − yOffset) (yOffset [n] subtracted from every row of y; omitted: spᵀ·y). */
export function sparseTransposeMatmul(backend: Backend, sp: SparseRows, y: Tensor, transposeOut = false, yOffset?: Tensor): Tensor {
  if (yOffset && !(backend.sparseTransposeMatmul && backend.capabilities.sparseYOffset)) {
    const shifted = addRowVector(backend, y, yOffset, -1);
    try {
      return sparseTransposeMatmul(backend, sp, shifted, transposeOut);
    } finally {
      shifted.dispose();
    }
  }
  if (backend.sparseTransposeMatmul) return backend.sparseTransposeMatmul(sp, y, yOffset ? { transposeOut, yOffset } : { transposeOut });
  const dense = backend.scatterToDense(sp);
  try {
    return transposeOut ? backend.matmul(y, dense, { transposeA: true }) : backend.matmul(dense, y, { transposeA: true });
  } finally {
    dense.dispose();
  }
}

export function sparseColumnSum(backend: Backend, sp: SparseRows): Tensor {
  if (backend.sparseColumnSum) return backend.sparseColumnSum(sp);
  const dense = backend.scatterToDense(sp);
  try {
    return backend.reduce(dense, 'sum', 0);
  } finally {
    dense.dispose();
  }
}

/**
 * The TopK encoder: the backend's fused op when it has one, otherwise matmul, bias, activation,
 * topKAbs and a gather of the pre-activations (the same numbers, with [rows, cols] intermediates).
 * xOffset: encode x − xOffset (rows minus the vector), without a shifted copy of x where the
 * backend's fused op takes the offset (`capabilities.encodeXOffset`).
 */
export function encodeTopK(backend: Backend, x: Tensor, w: Tensor, bias: Tensor, k: number, activation: ActivationKind, xOffset?: Tensor): EncodedTopK {
  const fused = backend.encodeTopK && hasNativeActivation(backend, activation);
  if (xOffset && !(fused && backend.capabilities.encodeXOffset)) {
    const shifted = addRowVector(backend, x, xOffset, -1);
    try {
      return encodeTopK(backend, shifted, w, bias, k, activation);
    } finally {
      shifted.dispose();
    }
  }
  if (fused && backend.encodeTopK) return xOffset ? backend.encodeTopK(x, w, bias, k, activation, { xOffset }) : backend.encodeTopK(x, w, bias, k, activation);
  const lin = backend.matmul(x, w);
  let pre: Tensor | undefined;
  let act: Tensor | undefined;
  try {
    pre = addRowVector(backend, lin, bias);
    act = applyActivation(backend, pre, activation);
    const z = backend.topKAbs(act, k);
    try {
      return { z, preAtK: backend.gatherCols(pre, z.indices) };
    } catch (error) {
      z.values.dispose();
      z.indices.dispose();
      throw error;
    }
  } finally {
    lin.dispose();
    pre?.dispose();
    act?.dispose();
  }
}
