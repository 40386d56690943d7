import { CpuBackend } from '@deeplens/core';
import { describe, expect, it } from 'vitest';
import { clipByGlobalNorm } from './clip-by-global-norm.js';
import { globalNorm } from './global-norm.js';
import { chainTransforms } from './gradient-transform.js';

describe('gradient clipping', () => {
  const backend = new CpuBackend();
  const grads = () => new Map([['a', backend.fromArray([3, 0], [2])], ['b', backend.fromArray([0, 4, 0, 0], [2, 2])]]);

  it('measures the global norm over every parameter', async () => {
    expect(await globalNorm(grads(), backend)).toBe(5);
  });

  it('scales by maxNorm/(norm + 1e-6) above the threshold and leaves smaller gradients alone', async () => {
    const g = grads();
    await clipByGlobalNorm(1).apply(g, backend, { globalNorm: 5 });
    const coef = 1 / (5 + 1e-6);
    expect(Array.from(await backend.read(g.get('a')!))).toEqual([Math.fround(3 * coef), 0]);
    expect(await globalNorm(g, backend)).toBeCloseTo(1, 5);
    const h = grads();
    await clipByGlobalNorm(10).apply(h, backend, { globalNorm: 5 });
    expect(Array.from(await backend.read(h.get('b')!))).toEqual([0, 4, 0, 0]);
  });

  it('composes and validates', async () => {
    const g = grads();
    await chainTransforms(clipByGlobalNorm(2.5), clipByGlobalNorm(100)).apply(g, backend, { globalNorm: 5 });
    expect(await globalNorm(g, backend)).toBeCloseTo(2.5, 5);
    expect(() => clipByGlobalNorm(0)).toThrow(/grad_clip_norm/);
  });
});
