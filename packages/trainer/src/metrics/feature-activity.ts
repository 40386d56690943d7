import type { DensityHistogram } from '../hooks/trainer-hooks.js';

/** OpenAI / sparsify convention: a latent silent for 10M training tokens counts as dead. */
export const DEFAULT_DEAD_WINDOW_TOKENS = 10_000_000;

/** Remembers, per latent, the training token count at which it last fired. */
export class FeatureActivity {
  /** -1: never fired. */
  readonly lastFired: Float64Array;
  tokensSeen = 0;

  constructor(readonly nFeatures: number, readonly windowTokens = DEFAULT_DEAD_WINDOW_TOKENS) {
    this.lastFired = new Float64Array(nFeatures).fill(-1);
  }

  update(firing: Float32Array, rows: number): void {
    this.tokensSeen += rows;
    for (let f = 0; f < this.nFeatures; f++) if (firing[f]! > 0) this.lastFired[f] = this.tokensSeen;
  }

  /** Fired within the trailing window of training tokens. */
  aliveInWindow(f: number): boolean {
    const last = this.lastFired[f]!;
    return last >= 0 && this.tokensSeen - last < this.windowTokens;
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
