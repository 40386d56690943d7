import type { TrainerHooks } from './trainer-hooks.js';

export interface HookRegistration {
  hooks: TrainerHooks;
  /** Call onStepEnd at batch 0, every, 2·every, … of each epoch (default: every step). */
  everySteps?: number;
  name?: string;
}

type HookName = keyof TrainerHooks;

/**
 * Calls hooks in registration order, at their cadence, and isolates failures: a throwing hook is
 * reported once (later failures of the same hook and event are counted) and training continues.
 */
export class HookRunner {
  readonly #regs: HookRegistration[];
  readonly #failures = new Map<string, number>();

  constructor(registrations: readonly HookRegistration[], private readonly report: (message: string, error: unknown) => void) {
    this.#regs = [...registrations];
  }

  add(reg: HookRegistration): void {
    this.#regs.push(reg);
  }

  /** Whether any hook would run for `onStepEnd` at this state (its cadence): the trainer reads step metrics only then. */
  wantsStepEnd(state: { batchInEpoch: number }): boolean {
    return this.#regs.some((reg) => reg.hooks.onStepEnd && this.#due(reg, state));
  }

  #due(reg: HookRegistration, state: { batchInEpoch: number }): boolean {
    return !(reg.everySteps && reg.everySteps > 1) || (state.batchInEpoch - 1) % reg.everySteps === 0;
  }

  async call<K extends HookName>(name: K, ...args: Parameters<NonNullable<TrainerHooks[K]>>): Promise<void> {
    for (const [i, reg] of this.#regs.entries()) {
      const fn = reg.hooks[name] as ((...a: unknown[]) => unknown) | undefined;
      if (!fn) continue;
      if (name === 'onStepEnd' && !this.#due(reg, args[0] as { batchInEpoch: number })) continue;
      try {
        await fn.apply(reg.hooks, args);
      } catch (error) {
        const key = `${reg.name ?? `hook #${i}`}.${name}`;
        const n = (this.#failures.get(key) ?? 0) + 1;
        this.#failures.set(key, n);
        if (n === 1) this.report(`${key} threw; training continues (further failures of it are counted, not shown)`, error);
      }
    }
  }

  /** Failure counts per hook and event. */
  get failures(): ReadonlyMap<string, number> {
    return this.#failures;
  }
}
