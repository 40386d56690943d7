import type { Tensor } from '@deeplens/core';

/**
 * Hooks observe training and steer it only through `TrainerControl`. The loop, in order:
 *
 *   onTrainStart(state, control)
 *   for each epoch:
 *     for each batch:
 *       forward → loss → backward                 (all queued on the backend; nothing is read back)
 *       clip gradients (gradClipNorm, on the backend)
 *       onBeforeOptimizerStep(state, grads, control)
 *       optimiser step → scheduler step (not plateau) → model.postStep()
 *       onStepEnd(state, stepMetrics, control)      (at each hook's cadence: the step's metrics are
 *                                                    read only when some hook is due, in one read)
 *       NaN/Inf in the loss or gradients is recorded on the backend and checked at every read:
 *       logged steps, evaluations, saves and the end (→ TrainingDivergedError naming the exact step,
 *       onError, stop; nothing is evaluated or saved after a divergence)
 *       every evalSteps steps, or when requested:
 *         evaluate → onEvalEnd(state, evalMetrics, control)
 *         eval loss improved → save best model → onCheckpointSaved
 *       checkpoint requested → save state → onCheckpointSaved
 *       stop requested (hook, SIGINT/SIGTERM) → save state → leave the loop
 *     epoch end: evaluate → onEvalEnd → plateau step on the eval loss → save state
 *   onTrainEnd(state, result)          (always, also after an error)
 *
 * A hook that throws is reported and training goes on.
 */
export interface TrainerHooks {
  onTrainStart?(state: TrainerState, control: TrainerControl): void | Promise<void>;
  onBeforeOptimizerStep?(state: TrainerState, grads: ReadonlyMap<string, Tensor>, control: TrainerControl): void | Promise<void>;
  onStepEnd?(state: TrainerState, metrics: StepMetrics, control: TrainerControl): void | Promise<void>;
  onEvalEnd?(state: TrainerState, metrics: EvalMetrics, control: TrainerControl): void | Promise<void>;
  onCheckpointSaved?(state: TrainerState, checkpoint: CheckpointInfo, control: TrainerControl): void | Promise<void>;
  onTrainEnd?(state: TrainerState, result: TrainResult): void | Promise<void>;
  onError?(state: TrainerState, error: unknown): void | Promise<void>;
}

/** A read-only view of where training is. */
export interface TrainerState {
  readonly modelName: string;
  /** Optimiser steps taken so far (1 after the first batch). */
  readonly globalStep: number;
  readonly totalSteps: number;
  /** 0-based epoch being trained. */
  readonly epoch: number;
  readonly epochs: number;
  /** Batches done in the current epoch. */
  readonly batchInEpoch: number;
  readonly stepsPerEpoch: number;
  readonly tokensSeen: number;
  readonly lr: number;
  readonly bestEvalLoss: number;
  /** Run folder (undefined with saveCheckpoints: false). */
  readonly runDir: string | undefined;
  /** The resolved trainer options and model/optimiser/data description (for loggers). */
  readonly config: Readonly<Record<string, unknown>>;
}

export interface TrainerControl {
  /** Finish the current step, save the training state, and return from train(). */
  requestStop(reason?: string): void;
  /** Save the training state after the current step. */
  requestCheckpoint(): void;
  /** Evaluate after the current step. */
  requestEval(): void;
}

export interface StepMetrics {
  /** Total loss: mse (+ betaL1·l1 in L1 mode; + the L0 penalty, prefix losses and AuxK of the other architectures). */
  loss: number;
  mse: number;
  /** Mean |z| (L1 mode only). */
  l1?: number;
  /** The AuxK term of the loss (aux_k_coef > 0). */
  auxLoss?: number;
  nonZeroFrac: number;
  lr: number;
  /** Global gradient norm before clipping. */
  gradNorm: number;
  /** Activation vectors per second for this step (data loading included). */
  tokensPerSec: number;
  /**
   * Mean milliseconds per step, since the last logged step, between the end of one step and the
   * start of the next: waiting for the batch (the loader's read-ahead, e.g. from a bucket, had not
   * finished) and anything else that kept the main thread busy. On backends that run kernels on
   * worker threads the previous step may still be computing meanwhile, so tokens/s shows the net
   * cost; near 0 when the data keep up.
   */
  dataWaitMs?: number;
  rows: number;
}

export interface DensityHistogram {
  /** Bin edges of log10(firing frequency + 1e-10). */
  edges: number[];
  counts: number[];
}

export interface EvalMetrics {
  /** Mean loss per row over the whole eval set. */
  loss: number;
  mse: number;
  /** Σ‖x − x̂‖² / Σ‖x − μ‖², μ the eval-set mean. */
  fvu: number;
  explainedVariance: number;
  /** Mean number of active latents per row. */
  l0: number;
  nonZeroFrac: number;
  /** Fraction of latents that fired neither on the eval set nor in the trailing training window. */
  deadFraction: number;
  densityHistogram: DensityHistogram;
  rows: number;
  trigger: 'steps' | 'epoch' | 'request';
}

export interface CheckpointInfo {
  kind: 'best' | 'step' | 'epoch' | 'state';
  path: string;
}

export interface TrainResult {
  status: 'completed' | 'stopped' | 'interrupted' | 'failed';
  reason?: string;
  globalStep: number;
  epochsCompleted: number;
  bestEvalLoss: number;
  lastEval: EvalMetrics | undefined;
  runDir: string | undefined;
  bestModelPath: string | undefined;
  elapsedSeconds: number;
}
