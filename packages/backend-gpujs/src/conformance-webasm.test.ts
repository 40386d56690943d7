import { describeBackendConformance } from '@deeplens/core/testing';
import { afterAll, expect, it } from 'vitest';
import type { GpujsBackend } from './gpujs-backend.js';
import { gpujsBackendPlugin } from './gpujs-plugin.js';

// The shared suite (ops, aliasing, error taxonomy, the PyTorch golden models) on gpu.js's
// WebAssembly kernels, as they are and through core's fallbacks. Nothing is declared unsupported.
describeBackendConformance(gpujsBackendPlugin, { createOptions: { mode: 'webasm' } });

let backend: GpujsBackend | undefined;
afterAll(() => backend?.dispose());

it('runs every kernel as WebAssembly (gpu.js did not move any to its cpu mode)', async () => {
  const b = (await gpujsBackendPlugin.create({ mode: 'webasm' })) as GpujsBackend;
  backend = b;
  const x = b.fromArray([3, -1, 2, -5, 0, 4], [2, 3]);
  const sp = b.topKAbs(x, 2);
  const y = b.sparseTransposeMatmul(sp, b.matmul(x, x, { transposeB: true }));
  expect(Array.from(await b.read(sp.indices))).toEqual([0, 2, 0, 2]);
  expect(y.shape).toEqual([3, 2]);
  expect(b.kernelModes).toEqual(['webasm']);
});

it('runs a kernel again with arguments of another size and the same output (packed sparse rows)', async () => {
  const b = (await gpujsBackendPlugin.create({ mode: 'webasm' })) as GpujsBackend;
  try {
    // Σ over rows of values[r,j]·y[r,:] into row indices[r,j], [4, 2] out: six entries as 2 rows of 3,
    // then as 3 rows of 2 (the same entries, so only y's size tells the calls apart).
    const product = async (rows: number, width: number) => {
      const values = b.fromArray([1, 2, 3, 4, 5, 6], [rows, width]);
      const indices = b.fromArray([0, 1, 2, 3, 0, 1], [rows, width], 'int32');
      const y = b.fromArray(Array.from({ length: rows * 2 }, (_, i) => 10 * (i + 1)), [rows, 2]);
      return Array.from(await b.read(b.sparseTransposeMatmul({ values, indices, cols: 4 }, y)));
    };
    // Row r of y is [10(2r+1), 10(2r+2)].
    expect(await product(2, 3)).toEqual([10 + 5 * 30, 20 + 5 * 40, 2 * 10 + 6 * 30, 2 * 20 + 6 * 40, 3 * 10, 3 * 20, 4 * 30, 4 * 40]);
    expect(await product(3, 2)).toEqual([10 + 5 * 50, 20 + 5 * 60, 2 * 10 + 6 * 50, 2 * 20 + 6 * 60, 3 * 30, 3 * 40, 4 * 30, 4 * 40]);
  } finally {
    b.dispose();
  }
});
