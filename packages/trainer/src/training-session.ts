import type { Batch, Tensor } from '@deeplens/core';
import type { TrainResult } from './hooks/trainer-hooks.js';

/**
 * One model's training, stepped by whoever owns the loop over the data (`SAETrainer.open`). The
 * position says which batch it needs next: `trainDataloader.epoch(epoch)` from `batchInEpoch` on.
 */
export interface TrainingSession {
  readonly epoch: number;
  readonly batchInEpoch: number;
  readonly globalStep: number;
  /** Every epoch is done. */
  readonly finished: boolean;
  /** A stop was requested (a hook, a signal, `requestStop`): stop stepping and `finish`. */
  readonly stopping: boolean;
  readonly stopReason: string | undefined;
  /**
   * One optimiser step on the batch, then the evaluation and the state save that fall due. `x`: the
   * batch already on the model's backend (as `uploadBatch` makes it), shared by several sessions;
   * the caller keeps owning it.
   */
  step(batch: Batch, x?: readonly Tensor[]): Promise<void>;
  /** After an epoch's last batch: evaluation, epoch model file, state. */
  endEpoch(): Promise<void>;
  /** Move the position to the next epoch's first batch. */
  nextEpoch(): void;
  /** Stop after the current step and save the state; `interrupted`: a signal (the result says 'interrupted'). */
  requestStop(reason?: string, interrupted?: boolean): void;
  /** Final checks and saves; ends the session (hooks' onTrainEnd). */
  finish(): Promise<TrainResult>;
  /** Ends the session after `error` (hooks' onError, onTrainEnd); the run's result, status 'failed'. */
  fail(error: unknown): Promise<TrainResult>;
}
