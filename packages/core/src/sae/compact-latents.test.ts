import { describe, expect, it } from 'vitest';
import type { Backend } from '../backend/backend.js';
import { DisposeBag } from '../backend/dispose-bag.js';
import { CpuBackend } from '../cpu/cpu-backend.js';
import { UnsupportedOpError } from '../errors.js';
import { compactLatents, fromPackedRows, packRows, SPARSE_WIDTH_RATIO, toPackedRows } from './compact-latents.js';
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

  it('holds every firing latent of each batch row once, a busy row split over packed rows, padding masked', async () => {
    const b = new CpuBackend();
    const bag = new DisposeBag();
    try {
      const x = input(b, bag, 7);
      const c = compactLatents(b, config, x, 'sparse', bag)!;
      // 2 + 0 + 7 firing: width ⌈9/3⌉ = 3, rows 1 + 0 + 3.
      expect(c.z.values.shape).toEqual([4, 3]);
      const idx = (await b.read(c.z.indices)) as Int32Array;
      const values = (await b.read(c.z.values)) as Float32Array;
      const maskAt = (await b.read(c.maskAt)) as Float32Array;
      const preAt = (await b.read(c.preAt)) as Float32Array;
      const spread = (await b.read(c.spread!)) as Float32Array;
      const held: number[][] = [[], [], []];
      for (let v = 0; v < 4; v++) {
        const row = [0, 1, 2].filter((r) => spread[v * 3 + r] === 1);
        expect(row).toHaveLength(1);
        for (let j = 0; j < 3; j++) {
          const e = v * 3 + j;
          if (maskAt[e] === 0) {
            expect(values[e]).toBe(0);
            continue;
          }
          const at = row[0]! * f + idx[e]!;
          held[row[0]!]!.push(idx[e]!);
          expect(values[e]).toBe(x.zRows[at]);
          expect(preAt[e]).toBe(((at * 7) % 11) - 5);
        }
      }
      for (let r = 0; r < 3; r++) expect(held[r]).toEqual([...Array(f).keys()].filter((j) => x.zRows[r * f + j] !== 0));
      // Matryoshka's first prefix (4 latents): 1 exactly where a firing entry's latent is below 4.
      const inPrefix = (await b.read(c.prefixAt[0]!)) as Float32Array;
      expect([...inPrefix]).toEqual([...idx].map((i, e) => (maskAt[e] === 1 && i < 4 ? 1 : 0)));
      expect(c.prefixAt[1]).toBeUndefined();
      // Batch rows to packed rows and back.
      const t = bag.add(b.fromArray([1, 2, 3], [3, 1]));
      expect([...((await b.read(toPackedRows(b, c, t, bag))) as Float32Array)]).toEqual([1, 3, 3, 3]);
      expect([...((await b.read(fromPackedRows(b, c, bag.add(b.fromArray([1, 2, 3, 4], [4, 1])), bag))) as Float32Array)]).toEqual([1, 0, 9]);
    } finally {
      bag.dispose();
    }
  });

  it('packRows: the width is the mean firing count; a batch with nothing firing keeps one empty row', () => {
    const mask = new Float32Array(3 * 4);
    mask.set([1, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1]);
    const p = packRows(mask, 3, 4);
    expect({ v: p.v, w: p.w, rowOf: [...p.rowOf], source: [...p.source] }).toEqual({ v: 3, w: 2, rowOf: [0, 2, 2], source: [0, -1, 8, 9, 10, 11] });
    const none = packRows(new Float32Array(8), 2, 4);
    expect({ v: none.v, w: none.w, source: [...none.source] }).toEqual({ v: 1, w: 1, source: [-1] });
  });

  it("'auto' packs only on host-memory backends and only when the packed rows are a quarter of [B, F] or less", () => {
    const b = new CpuBackend();
    const bag = new DisposeBag();
    try {
      // 3 × 16 entries: 2 + 8 firing pack into 3 rows of 4 (12 = 48 / 4); 2 + 9 into 4 rows of 4.
      expect(compactLatents(b, config, input(b, bag, 8), 'auto', bag)).toBeDefined();
      expect(compactLatents(b, config, input(b, bag, 9), 'auto', bag)).toBeUndefined();
      expect(compactLatents(b, config, input(b, bag, 9), 'sparse', bag)).toBeDefined();
      const gpuLike = declaring(b, { hostMemory: false });
      expect(compactLatents(gpuLike, config, input(b, bag, 1), 'auto', bag)).toBeUndefined();
      expect(compactLatents(gpuLike, config, input(b, bag, 1), 'sparse', bag)).toBeDefined();
      expect(compactLatents(b, config, input(b, bag, 1), 'dense', bag)).toBeUndefined();
      const noSync = declaring(b, { syncRead: false, hostMemory: false });
      expect(compactLatents(noSync, config, input(b, bag, 1), 'auto', bag)).toBeUndefined();
      expect(() => compactLatents(noSync, config, input(b, bag, 1), 'sparse', bag)).toThrow(UnsupportedOpError);
      expect(SPARSE_WIDTH_RATIO).toBe(4);
    } finally {
      bag.dispose();
    }
  });
});
