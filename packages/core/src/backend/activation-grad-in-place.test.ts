import { describe, expect, it } from 'vitest';
import { CpuBackend } from '../cpu/cpu-backend.js';
import { activationGradInPlace } from './activation-grad-in-place.js';

describe('activationGradInPlace', () => {
  for (const kind of ['relu', 'silu'] as const) {
    it(`${kind}: the fallback (sign, scale, add, activationGrad, assign) gives the backend op's numbers, bit for bit`, async () => {
      const own = new CpuBackend();
      const plain = new CpuBackend();
      Object.defineProperty(plain, 'activationGradInPlace', { value: undefined });
      expect(plain.activationGradInPlace).toBeUndefined();
      const pre = Float32Array.from({ length: 24 }, (_, i) => ((i * 7) % 11) - 5 + (i % 3) * 0.37);
      pre[4] = 0;
      const dy = Float32Array.from({ length: 24 }, (_, i) => Math.sin(i) * 1e-3);
      const results = [];
      for (const backend of [own, plain]) {
        const [g, h] = [backend.fromArray(dy, [4, 6]), backend.fromArray(pre, [4, 6])];
        activationGradInPlace(backend, g, h, kind, 1e-4 / 3);
        results.push(await backend.read(g));
        expect(backend.memory().tensors).toBe(2); // no temporary left behind
      }
      expect(results[1]).toEqual(results[0]);
      // pre = 0 at index 4: relu′(0) = 0; silu′(0) = ½ and sign(0) = 0, so only dy is kept.
      expect(results[0]![4]).toBe(kind === 'relu' ? 0 : Math.fround(dy[4]! * 0.5));
    });
  }

  it('leaves dy as the plain activation gradient when l1 is 0', async () => {
    const backend = new CpuBackend();
    const [g, h] = [backend.fromArray([1, -2, 3, 4], [2, 2]), backend.fromArray([0.5, -1, 0, 2], [2, 2])];
    activationGradInPlace(backend, g, h, 'relu');
    expect(Array.from(await backend.read(g))).toEqual([1, 0, 0, 4]);
  });
});
