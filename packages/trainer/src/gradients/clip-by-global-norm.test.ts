import { CpuBackend } from '@deeplens/core';
import { describe, expect, it } from 'vitest';
import { clipByGlobalNorm } from './clip-by-global-norm.js';
import { globalNorm } from './global-norm.js';
import { chainTransforms, gradientContext, type GradientTransform } from './gradient-transform.js';

describe('gradient clipping', () => {
  const backend = new CpuBackend();
  const grads = () => new Map([['a', backend.fromArray([3, 0], [2])], ['b', backend.fromArray([0, 4, 0, 0], [2, 2])]]);
  const apply = async (t: GradientTransform, g: Map<string, ReturnType<typeof backend.zeros>>) => t.apply(g, backend, gradientContext(g, backend));

  it('measures the global norm over every parameter', async () => {
    expect(await globalNorm(grads(), backend)).toBe(5);
  });

  it('scales by maxNorm/(norm + 1e-6) above the threshold (float32, as torch does) and leaves smaller gradients alone', async () => {
    const g = grads();
    await apply(clipByGlobalNorm(1), g);
    const coef = Math.fround(1 / Math.fround(5 + 1e-6));
    expect(Array.from(await backend.read(g.get('a')!))).toEqual([Math.fround(3 * coef), 0]);
    expect(Array.from(await backend.read(g.get('b')!))).toEqual([0, Math.fround(4 * coef), 0, 0]);
    expect(await globalNorm(g, backend)).toBeCloseTo(1, 5);
    const h = grads();
    await apply(clipByGlobalNorm(10), h);
    expect(Array.from(await backend.read(h.get('b')!))).toEqual([0, 4, 0, 0]);
  });

  it('chained transforms each see the norm the previous one left (not a stale one)', async () => {
    const g = grads();
    const seen: number[] = [];
    const probe: GradientTransform = {
      name: 'probe',
      async apply(_g, b, ctx) {
        const n = ctx.globalNorm();
        seen.push((await b.read(n))[0]!);
        n.dispose();
      },
    };
    await apply(chainTransforms(probe, clipByGlobalNorm(2.5), probe, clipByGlobalNorm(100), probe), g);
    expect(seen[0]).toBe(5);
    expect(seen[1]).toBeCloseTo(2.5, 5);
    expect(seen[2]).toBeCloseTo(2.5, 5);
    expect(await globalNorm(g, backend)).toBeCloseTo(2.5, 5);
    expect(() => clipByGlobalNorm(0)).toThrow(/grad_clip_norm/);
  });

  it('leaves no tensor behind', async () => {
    const g = grads();
    const before = backend.memory().tensors;
    await apply(clipByGlobalNorm(1), g);
    expect(backend.memory().tensors).toBe(before);
  });
});
