import type { Backend, Tensor } from '@deeplens/core';

/** What diverged first, and at which step. */
export interface Divergence {
  step: number;
  what: 'the loss' | 'the gradient norm';
}

/**
 * Watches every training step for NaN/Inf without reading anything back: a [2] tensor on the
 * backend keeps the first step (since the last check) at which the loss sums, and at which the
 * gradients' squared norm, were not finite. `check` reads it — with whatever else the caller reads
 * at that moment, in the same single read — so a divergence is still named by its exact step.
 */
export class DivergenceMonitor {
  #first: Tensor | undefined;
  /** The step that index 1 of the record stands for is base + 1. */
  #base = 0;
  #backend: Backend | undefined;
  #recorded = false;

  /** After step `step` (1-based): the loss sums [1]-tensors and the gradients' squared norm [1]. */
  record(backend: Backend, step: number, lossSums: readonly Tensor[], gradNormSquared: Tensor): void {
    if (this.#backend !== backend) {
      this.dispose();
      this.#backend = backend;
      this.#base = step - 1;
    }
    this.#first ??= backend.zeros([2]);
    this.#recorded = true;
    const held: Tensor[] = [];
    const keep = (t: Tensor) => (held.push(t), t);
    try {
      const lossBad = keep(backend.reduce(keep(backend.concat(lossSums)), 'countNonFinite'));
      const gradBad = keep(backend.reduce(gradNormSquared, 'countNonFinite'));
      const zero = keep(backend.fill([1], 0));
      const flags = keep(backend.greater(keep(backend.concat([lossBad, gradBad])), zero));
      const stamped = keep(backend.scale(flags, step - this.#base));
      const seen = keep(backend.greater(this.#first, zero));
      backend.assignInPlace(this.#first, keep(backend.where(seen, this.#first, stamped)));
    } finally {
      for (const t of held) t.dispose();
    }
  }

  /**
   * The [2] record to read (owned by the monitor), or undefined when nothing was recorded since the
   * last `resolve`. Read it together with other values (`backend.concat`) to keep to one read.
   */
  get pending(): Tensor | undefined {
    return this.#recorded ? this.#first : undefined;
  }

  /** Interpret the record's two values (read back) and start a new record. */
  resolve(values: ArrayLike<number>, currentStep: number): Divergence | undefined {
    const [loss, grad] = [values[0]!, values[1]!];
    const base = this.#base;
    this.#base = currentStep;
    this.#recorded = false;
    if (this.#first && this.#backend) {
      const zeros = this.#backend.zeros([2]);
      this.#backend.assignInPlace(this.#first, zeros);
      zeros.dispose();
    }
    if (loss > 0 && (grad === 0 || loss <= grad)) return { step: base + loss, what: 'the loss' };
    if (grad > 0) return { step: base + grad, what: 'the gradient norm' };
    return undefined;
  }

  dispose(): void {
    this.#first?.dispose();
    this.#first = undefined;
  }
}
