import { CpuBackend } from '@deeplens/core';
import { countingBackend } from '@deeplens/core/testing';
import { describe, expect, it } from 'vitest';
import { densityHistogram, FeatureActivity } from './feature-activity.js';

describe('FeatureActivity', () => {
  const steps: Array<{ firing: number[]; rows: number }> = [
    { firing: [0, 2, 0, 1], rows: 5 },
    { firing: [1, 0, 0, 0], rows: 7 },
    { firing: [0, 0, 0, 3], rows: 4 },
    { firing: [0, 1, 0, 0], rows: 6 },
  ];

  it('starts with nothing fired and nothing seen', () => {
    const a = new FeatureActivity(3, 100);
    expect(Array.from(a.lastFired)).toEqual([-1, -1, -1]);
    expect(a.tokensSeen).toBe(0);
    expect([0, 1, 2].map((f) => a.aliveInWindow(f))).toEqual([false, false, false]);
  });

  it('update (host counts) remembers the token count after the step each latent last fired in', () => {
    const a = new FeatureActivity(4, 100);
    for (const s of steps) a.update(Float32Array.from(s.firing), s.rows);
    expect(a.tokensSeen).toBe(22);
    expect(Array.from(a.lastFired)).toEqual([12, 22, -1, 16]);
  });

  it('record (counts on the backend, no read) then sync gives exactly what update gives, with one read per sync', async () => {
    const { backend, counts } = countingBackend(new CpuBackend());
    const device = new FeatureActivity(4, 100);
    const host = new FeatureActivity(4, 100);
    for (const [i, s] of steps.entries()) {
      const firing = backend.fromArray(Float32Array.from(s.firing), [4]);
      device.record(backend, firing, s.rows);
      host.update(Float32Array.from(s.firing), s.rows);
      firing.dispose();
      if (i === 1) {
        expect(counts.reads).toBe(0);
        await device.sync();
        expect(counts.reads).toBe(1);
        expect(Array.from(device.lastFired)).toEqual([12, 5, -1, 5]);
      }
    }
    expect(device.tokensSeen).toBe(22);
    await device.sync();
    expect(Array.from(device.lastFired)).toEqual(Array.from(host.lastFired));
    const reads = counts.reads;
    await device.sync(); // nothing recorded since: no read
    expect(counts.reads).toBe(reads);
    device.dispose();
    expect(backend.memory().tensors).toBe(0);
  });

  it('a latent is alive while it fired within the trailing window (strictly), dead before and if it never fired', () => {
    const a = new FeatureActivity(3, 10);
    a.update(Float32Array.of(1, 0, 0), 5); // latent 0 fires at token 5
    a.update(Float32Array.of(0, 1, 0), 5); // latent 1 at 10
    a.update(Float32Array.of(0, 0, 0), 5); // tokensSeen 15
    expect([a.aliveInWindow(0), a.aliveInWindow(1), a.aliveInWindow(2)]).toEqual([false, true, false]); // 15 − 5 = 10 is not < 10
    a.update(Float32Array.of(0, 0, 0), 4); // 19: 19 − 10 = 9
    expect(a.aliveInWindow(1)).toBe(true);
    a.update(Float32Array.of(0, 0, 0), 1); // 20: 20 − 10 = 10
    expect(a.aliveInWindow(1)).toBe(false);
  });

  it('refuses to mix backends between syncs', () => {
    const a = new FeatureActivity(2);
    const [b1, b2] = [new CpuBackend(), new CpuBackend()];
    const f1 = b1.fromArray([1, 0], [2]);
    a.record(b1, f1, 3);
    const f2 = b2.fromArray([1, 0], [2]);
    expect(() => a.record(b2, f2, 3)).toThrow(/sync\(\) before moving to another backend/);
    a.dispose();
  });

  it('density histogram: 20 bins of width 0.5 on log10(freq + 1e-10), clamped at both ends', () => {
    const h = densityHistogram(Float64Array.of(0, 1e-10, 0.001, 0.5, 1, 2));
    expect(h.edges).toHaveLength(21);
    expect(h.counts.reduce((a, b) => a + b, 0)).toBe(6);
    expect(h.counts[0]).toBe(2); // 0 → log10(1e-10) = −10; 1e-10 → log10(2e-10) = −9.7, still the first bin
    expect(h.counts[14]).toBe(1); // 0.001 → −3
    expect(h.counts[19]).toBe(3); // 0.5 (−0.3), 1 (0 → clamped), 2 (0.3 → clamped)
  });
});
