/**
 * A complete custom logger: writes the DeepLens train metrics to a CSV file. Any object with these
 * four methods (and a name) is a logger; attach it with `new SAETrainer({ loggers: [new CsvLogger(path)] })`
 * and the trainer's hook runner decides when it is called (`logEverySteps`).
 */
import { appendFileSync, writeFileSync } from 'node:fs';
import type { TrainerLogger, TrainResult } from '@deeplens/trainer';

const COLUMNS = ['step', 'epoch', 'train/loss', 'train/non_zero_frac', 'train/lr', 'train/grad_norm'] as const;

export class CsvLogger implements TrainerLogger {
  readonly name = 'csv';

  constructor(readonly path: string) {}

  logHyperparams(): void {
    writeFileSync(this.path, `${COLUMNS.join(',')}\n`);
  }

  logMetrics(metrics: Readonly<Record<string, number>>, step: number): void {
    if (!('train/loss' in metrics)) return; // evaluation rows are not part of this table
    const row = COLUMNS.map((c) => (c === 'step' ? step : metrics[c] ?? ''));
    appendFileSync(this.path, `${row.join(',')}\n`);
  }

  flush(): void {}

  close(status: TrainResult['status']): void {
    appendFileSync(this.path, `# ${status}\n`);
  }
}
