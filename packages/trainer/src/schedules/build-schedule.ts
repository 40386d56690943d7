import { constantSchedule, cosineDecay, joinSchedules, linearDecay, linearWarmup, type LrSchedule } from './lr-schedule.js';

export type LrsType = 'cosine' | 'linear' | 'plateau' | null;

/** Warmup starts at this fraction of the base learning rate (DeepLens: LinearLR start_factor 0.01). */
export const WARMUP_START_FACTOR = 0.01;
/** Cosine and linear decay end at this fraction of the base learning rate (DeepLens's documented floor). */
export const DECAY_FLOOR_FACTOR = 0.1;

/**
 * DeepLens's schedules for `lrs_type`, as one step → lr function over `totalSteps`:
 * cosine/linear = linear warmup from 1% to 100% of lr over ⌊totalSteps·warmupFraction⌋ steps, then
 * decay to 10% of lr by the last step. null and 'plateau' are constant here ('plateau' changes the
 * rate on evaluation results instead; see plateau.ts).
 */
export function buildSchedule(options: { lrsType: LrsType; lr: number; totalSteps: number; warmupFraction: number }): LrSchedule {
  const { lrsType, lr, totalSteps, warmupFraction } = options;
  if (lrsType === null || lrsType === 'plateau') return constantSchedule(lr);
  const warmupSteps = Math.floor(totalSteps * warmupFraction);
  const decaySteps = Math.max(0, totalSteps - warmupSteps);
  const floor = lr * DECAY_FLOOR_FACTOR;
  const decay = lrsType === 'cosine' ? cosineDecay({ lr, floor, steps: decaySteps }) : linearDecay({ lr, floor, steps: decaySteps });
  const warmup = linearWarmup({ from: lr * WARMUP_START_FACTOR, to: lr, steps: warmupSteps });
  return joinSchedules([warmup, decay], [warmupSteps]);
}
