import { describe, expect, it } from 'vitest';
import { constantSchedule, cosineDecay, joinSchedules, linearDecay, linearWarmup } from './lr-schedule.js';
import { DEEPLENS_PLATEAU, plateauInit, plateauUpdate } from './plateau.js';

describe('schedules at and past their ends', () => {
  it('each piece holds its end value after its last step, and a zero-length piece is its end value at once', () => {
    expect(linearWarmup({ from: 0.1, to: 1, steps: 10 })(15)).toBe(1);
    expect(cosineDecay({ lr: 1, floor: 0.1, steps: 10 })(15)).toBe(0.1);
    expect(linearDecay({ lr: 1, floor: 0.1, steps: 10 })(15)).toBe(0.1);
    expect(linearWarmup({ from: 0.1, to: 1, steps: 0 })(0)).toBe(1);
    expect(cosineDecay({ lr: 1, floor: 0.1, steps: 0 })(0)).toBe(0.1);
    expect(linearDecay({ lr: 1, floor: 0.1, steps: 0 })(0)).toBe(0.1);
    expect(linearWarmup({ from: 0.1, to: 1, steps: 10 })(5)).toBeCloseTo(0.55, 15);
  });

  it('joined schedules switch exactly at each boundary, counting steps from their own start', () => {
    const s = joinSchedules([constantSchedule(1), (step) => 10 + step, constantSchedule(3)], [3, 5]);
    expect([0, 1, 2, 3, 4, 5, 6].map(s)).toEqual([1, 1, 1, 10, 11, 3, 3]);
  });
});

describe('ReduceLROnPlateau', () => {
  const opts = { factor: 0.5, patience: 1, threshold: 0.1, minLr: 1e-3 };
  it('an improvement must beat best · (1 − threshold) strictly', () => {
    let s = plateauUpdate(plateauInit(1), 10, opts);
    expect(s).toEqual({ lr: 1, best: 10, badEpochs: 0 });
    s = plateauUpdate(s, 9, opts); // exactly 10 · 0.9: not an improvement
    expect(s).toEqual({ lr: 1, best: 10, badEpochs: 1 });
    s = plateauUpdate(s, 8.99, opts);
    expect(s).toEqual({ lr: 1, best: 8.99, badEpochs: 0 });
  });

  it('reduces after more than `patience` bad evaluations, never below minLr, and skips changes under 1e-8', () => {
    let s = plateauInit(1);
    s = plateauUpdate(s, 1, opts);
    s = plateauUpdate(s, 1, opts);
    expect(s.lr).toBe(1);
    s = plateauUpdate(s, 1, opts);
    expect(s).toMatchObject({ lr: 0.5, badEpochs: 0 });
    expect(plateauUpdate({ lr: 1.5e-3, best: 1, badEpochs: 1 }, 1, opts).lr).toBe(1e-3);
    const tiny = { lr: 1e-3 + 5e-9, best: 1, badEpochs: 1 };
    expect(plateauUpdate(tiny, 1, opts).lr).toBe(tiny.lr); // the drop to minLr would be 5e-9 < 1e-8: kept
    expect(DEEPLENS_PLATEAU).toEqual({ factor: 0.1, patience: 10, threshold: 1e-4, minLr: 1e-6 });
  });
});
