import type { TrainerLogger, TrainResult } from '@deeplens/trainer';

/**
 * Sends everything to several loggers; one that throws is reported once (with its name) and the
 * others, and training, go on.
 */
export class FanOutLogger implements TrainerLogger {
  readonly name = 'fan-out';
  readonly #broken = new Set<string>();

  constructor(
    readonly loggers: readonly TrainerLogger[],
    private readonly report: (message: string) => void = (m) => console.error(m),
  ) {}

  async #each(what: string, fn: (l: TrainerLogger) => unknown): Promise<void> {
    for (const l of this.loggers) {
      try {
        await fn(l);
      } catch (error) {
        if (!this.#broken.has(l.name)) {
          this.#broken.add(l.name);
          this.report(`logger '${l.name}' failed in ${what}: ${(error as Error).message}; training goes on (its later failures are not shown)`);
        }
      }
    }
  }

  logHyperparams(config: Readonly<Record<string, unknown>>): Promise<void> {
    return this.#each('logHyperparams', (l) => l.logHyperparams(config));
  }

  logMetrics(metrics: Readonly<Record<string, number>>, step: number): Promise<void> {
    return this.#each('logMetrics', (l) => l.logMetrics(metrics, step));
  }

  logSummary(summary: TrainResult): Promise<void> {
    return this.#each('logSummary', (l) => l.logSummary?.(summary));
  }

  flush(): Promise<void> {
    return this.#each('flush', (l) => l.flush());
  }

  close(status: TrainResult['status']): Promise<void> {
    return this.#each('close', (l) => l.close(status));
  }
}
