import type { Backend, Tensor } from '@deeplens/core';

/**
 * Which latents are dead right now, on the backend, for AuxK: per latent the training tokens since
 * it last fired (float32 [F]), updated each step without a host read; dead = silent for at least
 * `windowTokens`. Rebuilt exactly on resume from the saved activity record (tokens seen and the
 * token count at which each latent last fired).
 */
export class DeadLatentMask {
  #silent: Tensor | undefined;
  #backend: Backend | undefined;

  constructor(readonly nFeatures: number, readonly windowTokens: number) {}

  /** Start from the saved record: silent = tokensSeen − lastFired (never fired: tokensSeen). */
  restore(backend: Backend, lastFired: Float64Array, tokensSeen: number): void {
    this.dispose();
    const silent = Float32Array.from(lastFired, (t) => (t < 0 ? tokensSeen : tokensSeen - t));
    this.#backend = backend;
    this.#silent = backend.fromArray(silent, [this.nFeatures]);
  }

  /** [F] 1 for dead latents (a new tensor the caller disposes). */
  mask(backend: Backend): Tensor {
    const silent = this.#ensure(backend);
    const edge = backend.fill([1], this.windowTokens - 0.5);
    try {
      return backend.greater(silent, edge);
    } finally {
      edge.dispose();
    }
  }

  /** After a step: silent ← (silent + rows) where the latent did not fire, 0 where it did. */
  record(backend: Backend, firing: Tensor, rows: number): void {
    const silent = this.#ensure(backend);
    const zero = backend.fill([1], 0);
    const quiet = backend.equal(firing, zero);
    const grown = backend.addScalar(silent, rows);
    const next = backend.mul(grown, quiet);
    try {
      backend.assignInPlace(silent, next);
    } finally {
      for (const t of [zero, quiet, grown, next]) t.dispose();
    }
  }

  dispose(): void {
    this.#silent?.dispose();
    this.#silent = undefined;
    this.#backend = undefined;
  }

  #ensure(backend: Backend): Tensor {
    if (this.#silent && this.#backend !== backend) throw new Error('DeadLatentMask: restore() before moving to another backend');
    this.#backend = backend;
    return (this.#silent ??= backend.zeros([this.nFeatures]));
  }
}
