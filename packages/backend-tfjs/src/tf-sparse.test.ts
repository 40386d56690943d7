import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { rowBlocks, sampledMatmul, sparseMatmul, sparseTransposeMatmul } from './tf-sparse.js';

// The conformance shapes fit one block; here the row-block path of the sparse products runs with a
// small block limit and must give what one block gives (up to float32 summation order).
describe('sparse products in row blocks', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('rowBlocks covers every row once, in blocks of at most limit / perRow rows (at least one)', () => {
    expect(rowBlocks(10, 3, 9)).toEqual([[0, 3], [3, 3], [6, 3], [9, 1]]);
    expect(rowBlocks(4, 100, 10)).toEqual([[0, 1], [1, 1], [2, 1], [3, 1]]);
    expect(rowBlocks(5, 2, 1000)).toEqual([[0, 5]]);
    expect(rowBlocks(0, 2, 10)).toEqual([]);
  });

  it.each(['gather', 'gatherND'] as const)('sparseMatmul, sampledMatmul and sparseTransposeMatmul (%s): blocked = one block', (strategy) => {
    const [rows, k, cols, n] = [11, 3, 7, 5];
    const values = tf.randomNormal([rows, k], 0, 1, 'float32', 1);
    const idx = tf.tensor2d(Int32Array.from({ length: rows * k }, (_, i) => (i * 5 + Math.floor(i / 4)) % cols), [rows, k], 'int32');
    const w = tf.randomNormal([cols, n], 0, 1, 'float32', 2);
    const y = tf.randomNormal([rows, n], 0, 1, 'float32', 3);
    const small = 2 * k * n; // two rows a block: 6 blocks, the last one short
    const pairs: Array<[tf.Tensor, tf.Tensor]> = [
      [sparseMatmul(values, idx, w, strategy), sparseMatmul(values, idx, w, strategy, small)],
      [sampledMatmul(y, w, idx, strategy), sampledMatmul(y, w, idx, strategy, small)],
      [sparseTransposeMatmul(values, idx, y, cols), sparseTransposeMatmul(values, idx, y, cols, small)],
    ];
    for (const [whole, blocked] of pairs) {
      expect(blocked.shape).toEqual(whole.shape);
      const [a, b] = [whole.dataSync(), blocked.dataSync()];
      for (let i = 0; i < a.length; i++) expect(b[i]).toBeCloseTo(a[i]!, 5);
      expect(Math.max(...Array.from(a, Math.abs))).toBeGreaterThan(0.1);
    }
  });
});
