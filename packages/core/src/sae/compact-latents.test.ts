import { describe, expect, it } from 'vitest';
import type { Backend } from '../backend/backend.js';
import { DisposeBag } from '../backend/dispose-bag.js';
import { CpuBackend } from '../cpu/cpu-backend.js';
import { UnsupportedOpError } from '../errors.js';
import { compactLatents, SPARSE_WIDTH_RATIO } from './compact-latents.js';
import { resolveSaeConfig } from './sae-config.js';

/** The same backend, declaring other capabilities (and, without syncRead, no readSync). */
function declaring(b: Backend, caps: Partial<Backend['capabilities']>): Backend {
  const capabilities = { ...b.capabilities, ...caps };
  return new Proxy(b, {
    get: (t, prop) => {
      if (prop === 'capabilities') return capabilities;
      if (prop === 'readSync' && !capabilities.syncRead) return undefined;
      const v: unknown = Reflect.get(t, prop, t);
      return typeof v === 'function' ? v.bind(t) : v;
    },
  });
}

describe('compactLatents', () => {
  const f = 16;
  const config = resolveSaeConfig({ inputDims: 4, nFeatures: f, architecture: 'matryoshka', k: 2, matryoshkaPrefixes: [4, f] });
  // Three rows firing 2, 0 and `wide` latents.
  const input = (b: Backend, bag: DisposeBag, wide: number) => {
    const mask = new Float32Array(3 * f);
    const pre = new Float32Array(3 * f).map((_, i) => ((i * 7) % 11) - 5);
    mask[1] = 1;
    mask[9] = 1;
    for (let j = 0; j < wide; j++) mask[2 * f + 15 - j] = 1;
    const z = pre.map((v, i) => (mask[i] ? Math.max(v, 0.5) : 0));
    return { z: bag.add(b.fromArray(z, [3, f])), mask: bag.add(b.fromArray(mask, [3, f])), pre: bag.add(b.fromArray(pre, [3, f])), zRows: z };
  };

  it('holds every firing latent of each row, padding with zeros the gradient cannot pass', async () => {
    const b = new CpuBackend();
    const bag = new DisposeBag();
    try {
      const x = input(b, bag, 3);
      const c = compactLatents(b, config, x, 'sparse', bag)!;
      expect(c.z.values.shape).toEqual([3, 3]);
      const idx = (await b.read(c.z.indices)) as Int32Array;
      const values = (await b.read(c.z.values)) as Float32Array;
      const maskAt = (await b.read(c.maskAt)) as Float32Array;
      const preAt = (await b.read(c.preAt)) as Float32Array;
      for (let r = 0; r < 3; r++) {
        const fired = [...Array(f).keys()].filter((j) => x.zRows[r * f + j] !== 0);
        const kept = [...Array(3).keys()].filter((j) => maskAt[r * 3 + j] === 1).map((j) => idx[r * 3 + j]!);
        expect(kept.sort((a, b2) => a - b2)).toEqual(fired);
        for (let j = 0; j < 3; j++) {
          const col = idx[r * 3 + j]!;
          expect(values[r * 3 + j]).toBe(x.zRows[r * f + col]);
          expect(preAt[r * 3 + j]).toBe(((((r * f + col) * 7) % 11) - 5));
        }
      }
      // Matryoshka's first prefix (4 latents): 1 exactly where the entry's latent is below 4.
      const inPrefix = (await b.read(c.prefixAt[0]!)) as Float32Array;
      expect([...inPrefix]).toEqual([...idx].map((i) => (i < 4 ? 1 : 0)));
      expect(c.prefixAt[1]).toBeUndefined();
    } finally {
      bag.dispose();
    }
  });

  it("'auto' packs only on host-memory backends and only narrow rows", () => {
    const b = new CpuBackend();
    const bag = new DisposeBag();
    try {
      const narrow = f / SPARSE_WIDTH_RATIO;
      expect(compactLatents(b, config, input(b, bag, narrow), 'auto', bag)).toBeDefined();
      expect(compactLatents(b, config, input(b, bag, narrow + 1), 'auto', bag)).toBeUndefined();
      expect(compactLatents(b, config, input(b, bag, narrow + 1), 'sparse', bag)).toBeDefined();
      const gpuLike = declaring(b, { hostMemory: false });
      expect(compactLatents(gpuLike, config, input(b, bag, 1), 'auto', bag)).toBeUndefined();
      expect(compactLatents(gpuLike, config, input(b, bag, 1), 'sparse', bag)).toBeDefined();
      expect(compactLatents(b, config, input(b, bag, 1), 'dense', bag)).toBeUndefined();
      const noSync = declaring(b, { syncRead: false, hostMemory: false });
      expect(compactLatents(noSync, config, input(b, bag, 1), 'auto', bag)).toBeUndefined();
      expect(() => compactLatents(noSync, config, input(b, bag, 1), 'sparse', bag)).toThrow(UnsupportedOpError);
    } finally {
      bag.dispose();
    }
  });
});
