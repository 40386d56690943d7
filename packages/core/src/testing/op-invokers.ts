import type { Backend } from '../backend/backend.js';
import type { DeclarableOp } from './conformance-options.js';

const hp = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, decoupled: false, step: 1 };

/**
 * One valid call per op of the contract (the compiler insists on every one), used to check that a
 * declared-unsupported op throws UnsupportedOpError instead of computing something. An optional op
 * the backend does not have at all is not "unsupported": leave it out (core composes it).
 */
export const OP_INVOKERS: Readonly<Record<DeclarableOp, (b: Backend) => unknown>> = {
  clone: (b) => b.clone(b.zeros([2])),
  reshape: (b) => b.reshape(b.zeros([2, 3]), [3, 2]),
  matmul: (b) => b.matmul(b.zeros([2, 3]), b.zeros([3, 2])),
  reduce: (b) => b.reduce(b.zeros([2, 3]), 'sum'),
  layerNorm: (b) => b.layerNorm(b.zeros([2, 3]), b.zeros([3]), b.zeros([3]), 1e-5),
  layerNormGrad: (b) => b.layerNormGrad(b.zeros([2, 3]), b.zeros([2, 3]), b.zeros([2]), b.zeros([2]), b.zeros([3])),
  topKAbs: (b) => b.topKAbs(b.zeros([2, 3]), 1),
  gatherCols: (b) => b.gatherCols(b.zeros([2, 3]), b.zeros([2, 1], 'int32')),
  scatterToDense: (b) => b.scatterToDense({ values: b.zeros([2, 1]), indices: b.zeros([2, 1], 'int32'), cols: 3 }),
  assignInPlace: (b) => b.assignInPlace(b.zeros([2]), b.zeros([2])),
  add: (b) => b.add(b.zeros([2]), b.zeros([2])),
  sub: (b) => b.sub(b.zeros([2]), b.zeros([2])),
  mul: (b) => b.mul(b.zeros([2]), b.zeros([2])),
  div: (b) => b.div(b.zeros([2]), b.zeros([2])),
  maximum: (b) => b.maximum(b.zeros([2]), b.zeros([2])),
  minimum: (b) => b.minimum(b.zeros([2]), b.zeros([2])),
  greater: (b) => b.greater(b.zeros([2]), b.zeros([2])),
  equal: (b) => b.equal(b.zeros([2]), b.zeros([2])),
  where: (b) => b.where(b.zeros([2]), b.zeros([2]), b.zeros([2])),
  scale: (b) => b.scale(b.zeros([2]), 2),
  addScalar: (b) => b.addScalar(b.zeros([2]), 2),
  abs: (b) => b.abs(b.zeros([2])),
  neg: (b) => b.neg(b.zeros([2])),
  sqrt: (b) => b.sqrt(b.zeros([2])),
  exp: (b) => b.exp(b.zeros([2])),
  log: (b) => b.log(b.zeros([2])),
  sigmoid: (b) => b.sigmoid(b.zeros([2])),
  sign: (b) => b.sign(b.zeros([2])),
  fill: (b) => b.fill([2], 1),
  concat: (b) => b.concat([b.zeros([2]), b.zeros([1])]),
  addRowVector: (b) => b.addRowVector!(b.zeros([2, 3]), b.zeros([3])),
  activation: (b) => b.activation!(b.zeros([2]), 'relu'),
  activationGrad: (b) => b.activationGrad!(b.zeros([2]), b.zeros([2]), 'relu'),
  activationGradInPlace: (b) => b.activationGradInPlace!(b.zeros([2]), b.zeros([2]), 'relu'),
  adamUpdate: (b) => b.adamUpdate!(b.zeros([2]), b.zeros([2]), b.zeros([2]), b.zeros([2]), hp),
  normalizeRowsInPlace: (b) => b.normalizeRowsInPlace!(b.zeros([2, 3])),
  scaleInPlace: (b) => b.scaleInPlace!(b.zeros([2]), 2),
  addInPlace: (b) => b.addInPlace!(b.zeros([2]), b.zeros([2])),
  matmulAccumulate: (b) => b.matmulAccumulate!(b.zeros([2, 2]), b.zeros([2, 3]), b.zeros([3, 2])),
  sparseMatmul: (b) => b.sparseMatmul!({ values: b.zeros([2, 1]), indices: b.zeros([2, 1], 'int32'), cols: 3 }, b.zeros([3, 2])),
  sampledMatmul: (b) => b.sampledMatmul!(b.zeros([2, 2]), b.zeros([3, 2]), b.zeros([2, 1], 'int32')),
  sparseTransposeMatmul: (b) => b.sparseTransposeMatmul!({ values: b.zeros([2, 1]), indices: b.zeros([2, 1], 'int32'), cols: 3 }, b.zeros([2, 2])),
  sparseColumnSum: (b) => b.sparseColumnSum!({ values: b.zeros([2, 1]), indices: b.zeros([2, 1], 'int32'), cols: 3 }),
  encodeTopK: (b) => b.encodeTopK!(b.zeros([2, 3]), b.zeros([3, 4]), b.zeros([4]), 1, 'relu'),
};
