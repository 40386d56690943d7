import { describe, expect, it } from 'vitest';
import { Rng } from './rng.js';

describe('Rng', () => {
  it('is reproducible from a seed and differs between seeds', () => {
    const r1 = new Rng(42);
    const r2 = new Rng(42);
    const r3 = new Rng(43);
    const s1 = Array.from({ length: 5 }, () => r1.next());
    expect(Array.from({ length: 5 }, () => r2.next())).toEqual(s1);
    expect(Array.from({ length: 5 }, () => r3.next())).not.toEqual(s1);
  });

  it('continues exactly from a saved state', () => {
    const r = new Rng(7);
    for (let i = 0; i < 10; i++) r.next();
    const resumed = Rng.fromState(r.state());
    expect(Array.from({ length: 20 }, () => resumed.normal())).toEqual(Array.from({ length: 20 }, () => r.normal()));
  });

  it('has the right moments for uniform and normal draws', () => {
    const r = new Rng(1);
    const n = 200_000;
    let su = 0, sn = 0, sn2 = 0;
    for (let i = 0; i < n; i++) {
      const u = r.next();
      expect(u >= 0 && u < 1).toBe(true);
      su += u;
      const z = r.normal();
      sn += z;
      sn2 += z * z;
    }
    expect(su / n).toBeCloseTo(0.5, 2);
    expect(sn / n).toBeCloseTo(0, 2);
    expect(sn2 / n).toBeCloseTo(1, 1);
  });

  it('shuffles into a permutation', () => {
    const a = Int32Array.from({ length: 100 }, (_, i) => i);
    new Rng(3).shuffle(a);
    expect([...a].sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect([...a]).not.toEqual(Array.from({ length: 100 }, (_, i) => i));
  });
});
