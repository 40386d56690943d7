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

/**
 * One optimiser step applied a parameter at a time, as a backward pass finishes each gradient
 * (`SparseAutoencoder.lossAndGrads`'s `onGradient`). Same result as `step` with all gradients.
 */
export interface ParamwiseStep {
  /** Update one parameter in place from its gradient (each parameter exactly once per step). */
  update(name: string, grad: Tensor): void;
  /** End the step; throws if a parameter was not updated. */
  finish(): void;
}

export interface Optimizer {
  readonly type: string;
  /** Base learning rate; schedules set it before each step. */
  learningRate: number;
  /** Number of steps taken. */
  readonly stepCount: number;
  /** Update every parameter in place from its gradient. */
  step(grads: ReadonlyMap<string, Tensor>): void;
  /**
   * Start a step that takes the gradients one at a time (optional; the trainer's
   * `optimizerInBackward` needs it). The learning rate is the one set when the step begins.
   */
  beginStep?(): ParamwiseStep;
  /**
   * A new optimiser of the same kind and settings for another model (optional; the trainer uses
   * it when it moves the model to the configured device, then loads this one's state into it).
   */
  forModel?(model: Parameterized): Optimizer;
  /** The hyperparameters, for logging and run configs. */
  describe(): Record<string, unknown>;
  saveState(): Promise<OptimizerState>;
  loadState(state: OptimizerState): void;
  dispose(): void;
}
