/**
 * ReduceLROnPlateau as a pure reducer over evaluation losses (torch semantics, mode 'min',
 * relative threshold, no cooldown): after more than `patience` evaluations without an improvement
 * of `threshold` (relative), multiply the learning rate by `factor`, never below `minLr`.
 */
export interface PlateauOptions {
  factor: number;
  patience: number;
  threshold: number;
  minLr: number;
}

export const DEEPLENS_PLATEAU: PlateauOptions = { factor: 0.1, patience: 10, threshold: 1e-4, minLr: 1e-6 };

export interface PlateauState {
  lr: number;
  best: number;
  badEpochs: number;
}

export function plateauInit(lr: number): PlateauState {
  return { lr, best: Infinity, badEpochs: 0 };
}

export function plateauUpdate(state: PlateauState, metric: number, options: PlateauOptions = DEEPLENS_PLATEAU): PlateauState {
  if (metric < state.best * (1 - options.threshold)) return { ...state, best: metric, badEpochs: 0 };
  const badEpochs = state.badEpochs + 1;
  if (badEpochs <= options.patience) return { ...state, badEpochs };
  const lr = Math.max(state.lr * options.factor, options.minLr);
  // torch skips changes smaller than eps = 1e-8
  return { ...state, lr: state.lr - lr > 1e-8 ? lr : state.lr, badEpochs: 0 };
}
