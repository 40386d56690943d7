import { DeepLensError, type DeepLensErrorOptions } from '@deeplens/core';

/** Loss or gradients became NaN/Inf. */
export class TrainingDivergedError extends DeepLensError {
  readonly step: number;

  constructor(step: number, what: string, options: DeepLensErrorOptions = {}) {
    super('DEEPLENS_TRAINING_DIVERGED', `training diverged at step ${step}: ${what} is not finite`, {
      hint: 'enable gradient clipping (grad_clip_norm: 1.0), lower the learning rate, or check the data for NaN/Inf; the last saved checkpoint is intact',
      ...options,
    });
    this.step = step;
  }
}

/** A run folder cannot be resumed from. */
export class ResumeError extends DeepLensError {
  constructor(message: string, options?: DeepLensErrorOptions) {
    super('DEEPLENS_RESUME', message, options);
  }
}

/** Trainer options that cannot work together (or a missing dataloader). */
export class TrainerOptionsError extends DeepLensError {
  constructor(message: string, options?: DeepLensErrorOptions) {
    super('DEEPLENS_TRAINER_OPTIONS', message, options);
  }
}
