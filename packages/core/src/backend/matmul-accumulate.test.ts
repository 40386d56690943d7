import { describe, expect, it } from 'vitest';
import { CpuBackend } from '../cpu/cpu-backend.js';
import { matmulAccumulate } from './matmul-accumulate.js';

describe('matmulAccumulate', () => {
  it('falls back to matmul + addInPlace for a backend without the op, with the same numbers', async () => {
    const own = new CpuBackend();
    const plain = new CpuBackend();
    Object.defineProperty(plain, 'matmulAccumulate', { value: undefined });
    expect(plain.matmulAccumulate).toBeUndefined();
    const a = Float32Array.from({ length: 12 }, (_, i) => (i % 5) - 2.5);
    const b = Float32Array.from({ length: 8 }, (_, i) => i * 0.25 - 1);
    const start = Float32Array.from({ length: 6 }, (_, i) => i);
    const results = [];
    for (const backend of [own, plain]) {
      const out = backend.fromArray(start, [3, 2]);
      const [at, bt] = [backend.fromArray(a, [4, 3]), backend.fromArray(b, [4, 2])];
      matmulAccumulate(backend, out, at, bt, { transposeA: true });
      results.push(await backend.read(out));
      expect(backend.memory().tensors).toBe(3); // the fallback's temporary is gone
    }
    expect(results[1]).toEqual(results[0]);
    // out[0,0] = 0 + Σ_p a[p,0]·b[p,0] = (−2.5)(−1) + (0.5)(−0.5) + (−1.5)(0) + (1.5)(0.5)
    expect(results[0]![0]).toBeCloseTo(2.5 - 0.25 + 0 + 0.75, 6);
  });

  it('rejects an output that is not the product\'s shape', () => {
    const backend = new CpuBackend();
    const [a, b, out] = [backend.zeros([2, 3]), backend.zeros([3, 4]), backend.zeros([2, 3])];
    expect(() => matmulAccumulate(backend, out, a, b)).toThrow(expect.objectContaining({ code: 'DEEPLENS_SHAPE_MISMATCH' }));
  });
});
