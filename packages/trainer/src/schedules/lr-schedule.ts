/** A learning-rate schedule: a pure function from the 0-based optimiser step to the learning rate. */
export type LrSchedule = (step: number) => number;

export function constantSchedule(lr: number): LrSchedule {
  return () => lr;
}

/** Linear ramp from `from` to `to` over `steps` steps (torch LinearLR); `to` afterwards. */
export function linearWarmup(options: { from: number; to: number; steps: number }): LrSchedule {
  const { from, to, steps } = options;
  // Stryker disable next-line EqualityOperator: at step == steps and for steps == 0 both branches give `to` (equivalent)
  return (step) => (steps <= 0 || step >= steps ? to : from + ((to - from) * step) / steps);
}

/** Cosine from `lr` down to `floor` over `steps` steps (torch CosineAnnealingLR); `floor` afterwards. */
export function cosineDecay(options: { lr: number; floor: number; steps: number }): LrSchedule {
  const { lr, floor, steps } = options;
  // Stryker disable next-line EqualityOperator: at step == steps and for steps == 0 both branches give `floor` (equivalent)
  return (step) => (steps <= 0 || step >= steps ? floor : floor + ((lr - floor) * (1 + Math.cos((Math.PI * step) / steps))) / 2);
}

/** Straight line from `lr` down to `floor` over `steps` steps; `floor` afterwards. */
export function linearDecay(options: { lr: number; floor: number; steps: number }): LrSchedule {
  const { lr, floor, steps } = options;
  // Stryker disable next-line EqualityOperator: at step == steps and for steps == 0 both branches give `floor` (equivalent)
  return (step) => (steps <= 0 || step >= steps ? floor : lr + ((floor - lr) * step) / steps);
}

/**
 * Run `schedules[i]` from `boundaries[i-1]` on, each seeing steps counted from its own start
 * (optax.join_schedules).
 */
export function joinSchedules(schedules: readonly LrSchedule[], boundaries: readonly number[]): LrSchedule {
  return (step) => {
    let i = 0;
    while (i < boundaries.length && step >= boundaries[i]!) i++;
    const start = i === 0 ? 0 : boundaries[i - 1]!;
    return schedules[i]!(step - start);
  };
}
