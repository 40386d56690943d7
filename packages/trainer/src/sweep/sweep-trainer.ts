import type { DataLoader, Tensor } from '@deeplens/core';
import { TrainerOptionsError } from '../errors.js';
import type { TrainResult } from '../hooks/trainer-hooks.js';
import type { SAETrainer, TrainOptions } from '../sae-trainer.js';
import type { TrainingSession } from '../training-session.js';
import { uploadBatch } from '../upload-batch.js';
import { yieldToEventLoop } from '../yield-to-event-loop.js';

/** One SAE of a sweep: its own trainer (model, optimiser, options, run folder, loggers). */
export interface SweepRun {
  name: string;
  trainer: SAETrainer;
  /** How to start it: fresh, or resumed from its run folder (`resumeFrom`). */
  trainOptions?: TrainOptions;
}

export interface SweepProgress {
  /** Batches read from the data so far in this call (each stepped by every running SAE). */
  batches: number;
  /** The furthest SAE's global step, and the run's total. */
  step: number;
  totalSteps: number;
  epoch: number;
  running: number;
  failed: number;
  /** Rows per second read and stepped by every running SAE, since the start of this call. */
  tokensPerSec: number;
}

export interface SweepTrainerOptions {
  runs: readonly SweepRun[];
  /** Called every `progressEverySteps` batches (default 100) and at the end. */
  onProgress?: (progress: SweepProgress) => void;
  progressEverySteps?: number;
  /** An SAE ended: completed, stopped, or failed (its error in `result.reason`). */
  onRunEnd?: (name: string, result: TrainResult) => void | Promise<void>;
  /** Finish the step, save every SAE's state and return on SIGINT/SIGTERM (default true). */
  handleSignals?: boolean;
  warn?: (message: string) => void;
}

export interface SweepResult {
  status: 'completed' | 'stopped' | 'interrupted';
  results: { name: string; result: TrainResult }[];
  batches: number;
  elapsedSeconds: number;
  tokensPerSec: number;
}

/**
 * Trains several SAEs in one pass over the data: each batch is read (and put on the backend) once
 * and every running SAE takes its optimiser step on it, each with its own trainer — evaluation,
 * checkpoints, hooks, divergence checks and exact resume are the single-run trainer's. An SAE that
 * fails (diverges) ends alone; the others go on. SAEs resumed from different positions are caught
 * up: the data loop starts at the earliest one and an SAE steps only on the batch it needs next.
 */
export class SweepTrainer {
  readonly #o: SweepTrainerOptions;
  readonly #loader: DataLoader;

  constructor(options: SweepTrainerOptions) {
    if (options.runs.length === 0) throw new TrainerOptionsError('runs: a sweep needs at least one SAE');
    const loader = options.runs[0]!.trainer.options.trainDataloader;
    for (const r of options.runs) {
      if (r.trainer.options.trainDataloader !== loader) throw new TrainerOptionsError(`runs: '${r.name}' has its own train data loader; the SAEs of a sweep share one`);
      if (r.trainer.options.epochs !== options.runs[0]!.trainer.options.epochs) throw new TrainerOptionsError(`runs: '${r.name}' trains for another number of epochs; the SAEs of a sweep share the pass over the data`);
    }
    this.#o = options;
    this.#loader = loader;
  }

  async train(): Promise<SweepResult> {
    const started = performance.now();
    const results: { name: string; result: TrainResult }[] = [];
    const active = new Map<string, TrainingSession>();
    let failed = 0;
    const end = async (name: string, result: TrainResult) => {
      active.delete(name);
      if (result.status === 'failed') failed++;
      results.push({ name, result });
      await this.#o.onRunEnd?.(name, result);
    };
    for (const run of this.#o.runs) {
      // A run that cannot even start (e.g. a resume refused) fails alone.
      try {
        active.set(run.name, await run.trainer.open(run.trainOptions));
      } catch (error) {
        await end(run.name, failedResult(error));
      }
    }
    let interrupted = false;
    const removeSignals = (this.#o.handleSignals ?? true) && typeof process !== 'undefined' ? this.#installSignals(active, () => (interrupted = true)) : () => {};
    let batches = 0;
    let rows = 0;
    try {
      const epochs = this.#o.runs[0]!.trainer.options.epochs;
      while (active.size > 0) {
        await this.#finishDone(active, end);
        if (active.size === 0) break;
        const sessions = [...active.values()];
        const epoch = Math.min(...sessions.map((s) => s.epoch));
        if (epoch >= epochs) break;
        const here = [...active].filter(([, s]) => s.epoch === epoch);
        let index = Math.min(...here.map(([, s]) => s.batchInEpoch));
        for await (const batch of this.#loader.epoch(epoch, { startBatch: index })) {
          const stepping = here.filter(([name, s]) => active.has(name) && !s.stopping && s.batchInEpoch === index);
          const x = this.#sharedUpload(stepping.map(([, s]) => s), batch);
          try {
            for (const [name, s] of stepping) {
              try {
                await s.step(batch, x);
              } catch (error) {
                await end(name, await s.fail(error));
              }
            }
          } finally {
            for (const t of x ?? []) t.dispose();
          }
          batches++;
          rows += batch.rows;
          index++;
          if (batches % (this.#o.progressEverySteps ?? 100) === 0) this.#progress(active, batches, rows, started, failed, results);
          if (here.every(([name, s]) => !active.has(name) || s.stopping)) break;
          await yieldToEventLoop();
        }
        for (const [name, s] of here) {
          if (!active.has(name) || s.stopping) continue;
          try {
            await s.endEpoch();
            s.nextEpoch();
          } catch (error) {
            await end(name, await s.fail(error));
          }
        }
        if (here.every(([name, s]) => !active.has(name) || s.stopping)) await this.#finishDone(active, end);
      }
      await this.#finishDone(active, end);
    } finally {
      removeSignals();
      for (const [name, s] of active) await end(name, await s.fail(new Error('the sweep ended early')));
    }
    // The final tally, unless the last batch already reported it.
    if (batches % (this.#o.progressEverySteps ?? 100) !== 0) this.#progress(active, batches, rows, started, failed, results);
    const elapsedSeconds = (performance.now() - started) / 1000;
    const order = new Map(this.#o.runs.map((r, i) => [r.name, i]));
    results.sort((a, b) => order.get(a.name)! - order.get(b.name)!);
    const stopped = results.some((r) => r.result.status === 'stopped' || r.result.status === 'interrupted');
    return { status: interrupted ? 'interrupted' : stopped ? 'stopped' : 'completed', results, batches, elapsedSeconds, tokensPerSec: rows / Math.max(elapsedSeconds, 1e-9) };
  }

  /** Finish every session that is done (all epochs) or stopping. */
  async #finishDone(active: Map<string, TrainingSession>, end: (name: string, r: TrainResult) => Promise<void>): Promise<void> {
    for (const [name, s] of [...active]) {
      if (!(s.finished || s.stopping)) continue;
      try {
        await end(name, await s.finish());
      } catch (error) {
        await end(name, await s.fail(error));
      }
    }
  }

  /** The batch on the backend once, when every stepping SAE lives on the same backend; else each uploads its own. */
  #sharedUpload(sessions: TrainingSession[], batch: Parameters<TrainingSession['step']>[0]): Tensor[] | undefined {
    const trainers = this.#o.runs.map((r) => r.trainer);
    if (sessions.length < 2) return undefined;
    const backend = trainers[0]!.model.backend;
    if (trainers.some((t) => t.model.backend !== backend || t.options.microBatchSize !== trainers[0]!.options.microBatchSize)) return undefined;
    return uploadBatch(backend, batch, trainers[0]!.options.microBatchSize);
  }

  #progress(
    active: Map<string, TrainingSession>, batches: number, rows: number, started: number, failed: number, ended: readonly { result: TrainResult }[],
  ): void {
    if (!this.#o.onProgress) return;
    const sessions = [...active.values()];
    const first = this.#o.runs[0]!.trainer;
    this.#o.onProgress({
      batches,
      step: Math.max(0, ...sessions.map((s) => s.globalStep), ...ended.map((e) => e.result.globalStep)),
      totalSteps: first.totalSteps,
      // With every SAE finished, the pass is past its last epoch: report the last one.
      epoch: Math.min(first.options.epochs - 1, ...sessions.map((s) => s.epoch)),
      running: sessions.length,
      failed,
      tokensPerSec: rows / Math.max((performance.now() - started) / 1000, 1e-9),
    });
  }

  /** SIGINT/SIGTERM: every SAE finishes its step and saves its state; a second signal exits at once. */
  #installSignals(active: Map<string, TrainingSession>, mark: () => void): () => void {
    let seen = false;
    const handler = (signal: NodeJS.Signals) => {
      if (seen) {
        (this.#o.warn ?? console.warn)(`${signal} received again: aborting now; each SAE keeps the training state it saved last`);
        process.exit(130);
      }
      seen = true;
      mark();
      (this.#o.warn ?? console.warn)(`${signal} received: every SAE finishes its step and saves its training state (press again to abort at once)`);
      for (const s of active.values()) s.requestStop(signal, true);
    };
    process.on('SIGINT', handler);
    process.on('SIGTERM', handler);
    return () => {
      process.removeListener('SIGINT', handler);
      process.removeListener('SIGTERM', handler);
    };
  }
}

/** The result of a run that could not start. */
function failedResult(error: unknown): TrainResult {
  return {
    status: 'failed', reason: (error as Error)?.message ?? String(error), globalStep: 0, epochsCompleted: 0, bestEvalLoss: Infinity,
    lastEval: undefined, runDir: undefined, bestModelPath: undefined, elapsedSeconds: 0,
  };
}
