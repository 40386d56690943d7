import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { TrainerLogger } from '@deeplens/trainer';

export const METRICS_FILE = 'metrics.jsonl';

/**
 * `metrics.jsonl` in the run folder: one JSON object per logged point
 * ({step, time, ...metrics}), appended as it happens so it can be read while training runs.
 */
export class MetricsFileLogger implements TrainerLogger {
  readonly name = 'metrics-file';
  #path: string | undefined;
  readonly #started = Date.now();

  /** `path`: a file to write; without it, metrics.jsonl in the trainer's run folder. */
  constructor(path?: string) {
    this.#path = path;
  }

  get path(): string | undefined {
    return this.#path;
  }

  logHyperparams(config: Readonly<Record<string, unknown>>): void {
    if (!this.#path && typeof config['run_dir'] === 'string') this.#path = join(config['run_dir'], METRICS_FILE);
    if (this.#path) mkdirSync(dirname(this.#path), { recursive: true });
  }

  logMetrics(metrics: Readonly<Record<string, number>>, step: number): void {
    if (!this.#path) return;
    const row = { step, time: (Date.now() - this.#started) / 1000, ...metrics };
    appendFileSync(this.#path, `${JSON.stringify(row)}\n`);
  }

  flush(): void {}

  close(): void {}
}
