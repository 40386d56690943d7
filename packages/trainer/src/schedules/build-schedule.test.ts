import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildSchedule } from './build-schedule.js';
import { cosineDecay, joinSchedules, linearWarmup } from './lr-schedule.js';
import { plateauInit, plateauUpdate } from './plateau.js';

const fixtures = JSON.parse(readFileSync(new URL('../../fixtures/schedules.json', import.meta.url), 'utf8')) as {
  cases: Array<{ kind: 'cosine' | 'linear'; lr: number; total: number; warmup_fraction: number; lrs: number[] }>;
  plateau: { lr: number; metrics: number[]; lrs: number[] };
  plateau_min: { lr: number; metrics: number[]; lrs: number[] };
};

describe('learning-rate schedules against torch.optim.lr_scheduler', () => {
  for (const c of fixtures.cases) {
    it(`${c.kind} lr=${c.lr} total=${c.total} warmup=${c.warmup_fraction}: every step`, () => {
      const s = buildSchedule({ lrsType: c.kind, lr: c.lr, totalSteps: c.total, warmupFraction: c.warmup_fraction });
      c.lrs.forEach((want, step) => expect(s(step)).toBeCloseTo(want, 12));
    });
  }

  it('warmup lasts ⌊total · warmup_fraction⌋ steps (floored, not rounded)', () => {
    // 10 · 0.16 = 1.6: one warmup step. Rounding would give two, and step 1 would still be warming up.
    const s = buildSchedule({ lrsType: 'linear', lr: 1e-2, totalSteps: 10, warmupFraction: 0.16 });
    expect(s(0)).toBeCloseTo(1e-4, 15);
    expect(s(1)).toBeCloseTo(1e-2, 15);
    const c = buildSchedule({ lrsType: 'cosine', lr: 1, totalSteps: 100, warmupFraction: 0.057 });
    expect(c(5)).toBeCloseTo(1, 12);
    expect(c(4)).toBeLessThan(1);
  });

  it('chosen values: warmup starts at 1% of lr, peaks at lr, cosine ends near the 10% floor', () => {
    const s = buildSchedule({ lrsType: 'cosine', lr: 3e-4, totalSteps: 1000, warmupFraction: 0.1 });
    expect(s(0)).toBeCloseTo(3e-6, 15);
    expect(s(50)).toBeCloseTo(3e-6 + (3e-4 - 3e-6) * 0.5, 15);
    expect(s(100)).toBeCloseTo(3e-4, 15);
    expect(s(550)).toBeCloseTo(3e-5 + (3e-4 - 3e-5) / 2, 12);
    expect(s(1000)).toBeCloseTo(3e-5, 15);
    const l = buildSchedule({ lrsType: 'linear', lr: 1e-3, totalSteps: 110, warmupFraction: 10 / 110 });
    expect(l(10 + 50)).toBeCloseTo(1e-3 - 0.9e-3 * 0.5, 15);
    expect(buildSchedule({ lrsType: null, lr: 5e-4, totalSteps: 10, warmupFraction: 0.1 })(7)).toBe(5e-4);
  });

  it('without warmup, decays from the full lr at step 0', () => {
    const s = buildSchedule({ lrsType: 'cosine', lr: 1e-2, totalSteps: 40, warmupFraction: 0 });
    expect(s(0)).toBeCloseTo(1e-2, 15);
    expect(s(20)).toBeCloseTo(1e-3 + (1e-2 - 1e-3) / 2, 15);
    expect(buildSchedule({ lrsType: 'linear', lr: 1e-2, totalSteps: 40, warmupFraction: 0 })(40)).toBeCloseTo(1e-3, 15);
  });

  it('are composable pure functions', () => {
    const s = joinSchedules([linearWarmup({ from: 0, to: 1, steps: 4 }), cosineDecay({ lr: 1, floor: 0, steps: 4 })], [4]);
    expect([0, 1, 2, 3, 4, 6, 8].map(s)).toEqual([0, 0.25, 0.5, 0.75, 1, 0.5, 0].map((v, i) => (i === 5 ? expect.closeTo(v, 12) : v)));
    expect(s(2)).toBe(s(2));
  });

  it('plateau reduces by 10× after 10 evaluations without a 1e-4 relative improvement, down to 1e-6', () => {
    for (const c of [fixtures.plateau, fixtures.plateau_min]) {
      let state = plateauInit(c.lr);
      c.metrics.forEach((m, i) => {
        state = plateauUpdate(state, m);
        expect(state.lr).toBeCloseTo(c.lrs[i]!, 15);
      });
    }
  });
});
