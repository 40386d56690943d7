import type { Backend, Tensor } from '@deeplens/core';
import type { DensityHistogram } from '../hooks/trainer-hooks.js';

/** OpenAI / sparsify convention: a latent silent for 10M training tokens counts as dead. */
export const DEFAULT_DEAD_WINDOW_TOKENS = 10_000_000;

/**
 * Remembers, per latent, the training token count at which it last fired. During training the
 * record stays on the backend (`record`: no host read per step): an [F] tensor holds, per latent,
 * the last step since the previous `sync` in which it fired, and the host keeps the token count
 * after each of those steps. `sync` (at evaluations and checkpoints) reads it once and folds it
 * into `lastFired`, exactly as if every step had been read.
 */
export class FeatureActivity {
  /** -1: never fired. Up to date after `sync()`. */
  readonly lastFired: Float64Array;
  tokensSeen = 0;
  #recent: { backend: Backend; steps: Tensor } | undefined;
  /** Token count after each step recorded since the last sync. */
  #tokensAfter: number[] = [];

  constructor(readonly nFeatures: number, readonly windowTokens = DEFAULT_DEAD_WINDOW_TOKENS) {
    this.lastFired = new Float64Array(nFeatures).fill(-1);
  }

  /** From counts already on the host (evaluation-style use, tests). */
  update(firing: Float32Array, rows: number): void {
    this.tokensSeen += rows;
    for (let f = 0; f < this.nFeatures; f++) if (firing[f]! > 0) this.lastFired[f] = this.tokensSeen;
  }

  /** One training step's firing counts [F], still on the backend; nothing is read. */
  record(backend: Backend, firing: Tensor, rows: number): void {
    this.tokensSeen += rows;
    this.#tokensAfter.push(this.tokensSeen);
    if (this.#recent && this.#recent.backend !== backend) throw new Error('FeatureActivity.record: sync() before moving to another backend');
    this.#recent ??= { backend, steps: backend.zeros([this.nFeatures]) };
    const held: Tensor[] = [];
    const keep = (t: Tensor) => (held.push(t), t);
    try {
      // steps ← max(steps, fired · i), i the 1-based step since the last sync: exact in float32 up to 2^24 steps between syncs.
      const fired = keep(backend.greater(firing, keep(backend.fill([1], 0))));
      const stamped = keep(backend.scale(fired, this.#tokensAfter.length));
      backend.assignInPlace(this.#recent.steps, keep(backend.maximum(this.#recent.steps, stamped)));
    } finally {
      for (const t of held) t.dispose();
    }
  }

  /** Folds the steps recorded on the backend into `lastFired` (one read); a no-op when nothing is pending. */
  async sync(): Promise<void> {
    const recent = this.#recent;
    if (!recent || this.#tokensAfter.length === 0) return;
    const steps = await recent.backend.read(recent.steps);
    for (let f = 0; f < this.nFeatures; f++) {
      const i = steps[f]!;
      if (i > 0) this.lastFired[f] = this.#tokensAfter[i - 1]!;
    }
    this.#tokensAfter = [];
    const zeros = recent.backend.zeros([this.nFeatures]);
    try {
      recent.backend.assignInPlace(recent.steps, zeros);
    } finally {
      zeros.dispose();
    }
  }

  /** Fired within the trailing window of training tokens (after `sync()`). */
  aliveInWindow(f: number): boolean {
    const last = this.lastFired[f]!;
    return last >= 0 && this.tokensSeen - last < this.windowTokens;
  }

  dispose(): void {
    this.#recent?.steps.dispose();
    this.#recent = undefined;
    this.#tokensAfter = [];
  }
}

/** Histogram of log10(frequency + 1e-10): 20 bins of width 0.5 from −10 to 0. */
export function densityHistogram(frequencies: Float64Array): DensityHistogram {
  const edges = Array.from({ length: 21 }, (_, i) => -10 + i * 0.5);
  const counts = new Array<number>(20).fill(0);
  for (const f of frequencies) {
    const v = Math.log10(f + 1e-10);
    const bin = Math.min(19, Math.max(0, Math.floor((v + 10) / 0.5)));
    counts[bin]!++;
  }
  return { edges, counts };
}
