import type { HookRegistration } from './hook-runner.js';
import type { EvalMetrics, StepMetrics, TrainResult } from './trainer-hooks.js';

/**
 * A logger is a sink: it decides where metrics go, the trainer's hook runner decides when.
 * Metric keys are flat, e.g. `train/loss`, `eval/fvu` (see stepMetricsToRecord).
 */
export interface TrainerLogger {
  readonly name: string;
  logHyperparams(config: Readonly<Record<string, unknown>>): void | Promise<void>;
  logMetrics(metrics: Readonly<Record<string, number>>, step: number): void | Promise<void>;
  /** Once at the end, before flush/close: where the model went and the final numbers. */
  logSummary?(summary: TrainResult): void | Promise<void>;
  flush(): void | Promise<void>;
  close(status: TrainResult['status']): void | Promise<void>;
}

/**
 * DeepLens's keys (`train/loss` is the reconstruction MSE, `train/non_zero_frac`, `train/lr`,
 * `eval/loss`) plus ours under the same prefixes.
 */
export function stepMetricsToRecord(m: StepMetrics, epoch: number): Record<string, number> {
  const r: Record<string, number> = {
    'train/loss': m.mse,
    'train/total_loss': m.loss,
    'train/non_zero_frac': m.nonZeroFrac,
    'train/lr': m.lr,
    'train/grad_norm': m.gradNorm,
    'train/tokens_per_sec': m.tokensPerSec,
    epoch,
  };
  if (m.l1 !== undefined) r['train/l1'] = m.l1;
  if (m.dataWaitMs !== undefined) r['train/data_wait_ms'] = m.dataWaitMs;
  return r;
}

export function evalMetricsToRecord(m: EvalMetrics, epoch: number): Record<string, number> {
  return {
    'eval/loss': m.loss,
    'eval/mse': m.mse,
    'eval/fvu': m.fvu,
    'eval/explained_variance': m.explainedVariance,
    'eval/l0': m.l0,
    'eval/non_zero_frac': m.nonZeroFrac,
    'eval/dead_frac': m.deadFraction,
    epoch,
  };
}

/** Attach a logger through hooks: hyperparameters at start, train metrics at the cadence, eval metrics, flush and close at the end. */
export function loggerHooks(logger: TrainerLogger, options: { everySteps?: number } = {}): HookRegistration {
  return {
    name: logger.name,
    everySteps: options.everySteps ?? 100,
    hooks: {
      onTrainStart: (state) => logger.logHyperparams({ ...state.config, run_dir: state.runDir ?? null }),
      onStepEnd: (state, m) =>
        logger.logMetrics(
          { ...stepMetricsToRecord(m, state.epoch), global_step: state.globalStep, batch: state.batchInEpoch - 1, batches_per_epoch: state.stepsPerEpoch },
          state.globalStep,
        ),
      onEvalEnd: (state, m) => logger.logMetrics({ ...evalMetricsToRecord(m, state.epoch), global_step: state.globalStep }, state.globalStep),
      onTrainEnd: async (_state, result) => {
        try {
          await logger.logSummary?.(result);
        } finally {
          await logger.flush();
          await logger.close(result.status);
        }
      },
    },
  };
}
