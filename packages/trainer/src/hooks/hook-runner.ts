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

  async call<K extends HookName>(name: K, ...args: Parameters<NonNullable<TrainerHooks[K]>>): Promise<void> {
    for (const [i, reg] of this.#regs.entries()) {
      const fn = reg.hooks[name] as ((...a: unknown[]) => unknown) | undefined;
      if (!fn) continue;
      if (name === 'onStepEnd' && reg.everySteps && reg.everySteps > 1) {
        const state = args[0] as { batchInEpoch: number };
        if ((state.batchInEpoch - 1) % reg.everySteps !== 0) continue;
      }
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
