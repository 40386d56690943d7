import type { Backend } from '../backend/backend.js';
import type { Tensor } from '../backend/tensor.js';

/** Anything with parameters on a backend (SparseAutoencoder, or a user's own module). */
export interface Parameterized {
  readonly backend: Backend;
  readonly params: ReadonlyMap<string, Tensor>;
}

/** Everything needed to continue an optimiser exactly where it stopped. */
export interface OptimizerState {
  type: string;
  step: number;
  learningRate: number;
  /** Per parameter, named buffers (for Adam: m and v). */
  buffers: Record<string, Record<string, Float32Array>>;
}

export interface Optimizer {
  readonly type: string;
  /** Base learning rate; schedules set it before each step. */
  learningRate: number;
  /** Number of steps taken. */
  readonly stepCount: number;
  /** Update every parameter in place from its gradient. */
  step(grads: ReadonlyMap<string, Tensor>): void;
  /** The hyperparameters, for logging and run configs. */
  describe(): Record<string, unknown>;
  saveState(): Promise<OptimizerState>;
  loadState(state: OptimizerState): void;
  dispose(): void;
}
