import type { BDecInit } from './architecture.js';

/** Rows of the first training batches b_dec_init is computed from. */
export const B_DEC_INIT_SAMPLE_ROWS = 4096;

/**
 * b_dec's starting value from a sample of training rows ([rows, d] row-major): their mean, or their
 * geometric median (the point minimising the sum of Euclidean distances, which outliers barely
 * move; OpenAI's and SAELens's choice), by Weiszfeld's iteration in float64 from the mean.
 */
export function bDecInitValue(kind: Exclude<BDecInit, 'zeros'>, data: Float32Array, rows: number, d: number, options: { maxIterations?: number; tolerance?: number } = {}): Float32Array {
  const y = new Float64Array(d);
  for (let r = 0; r < rows; r++) for (let j = 0; j < d; j++) y[j]! += data[r * d + j]!;
  for (let j = 0; j < d; j++) y[j]! /= Math.max(rows, 1);
  if (kind === 'geometric_median') weiszfeld(data, rows, d, y, options.maxIterations ?? 200, options.tolerance ?? 1e-7);
  return Float32Array.from(y);
}

/** Weiszfeld's update y ← Σ xᵢ/‖xᵢ − y‖ / Σ 1/‖xᵢ − y‖, in place; points at y are skipped (Vardi–Zhang's simple guard). */
function weiszfeld(data: Float32Array, rows: number, d: number, y: Float64Array, maxIterations: number, tolerance: number): void {
  const next = new Float64Array(d);
  let scale = 0;
  for (let j = 0; j < d; j++) scale += y[j]! ** 2;
  scale = Math.max(Math.sqrt(scale), 1);
  for (let it = 0; it < maxIterations; it++) {
    next.fill(0);
    let weights = 0;
    for (let r = 0; r < rows; r++) {
      let ss = 0;
      for (let j = 0; j < d; j++) ss += (data[r * d + j]! - y[j]!) ** 2;
      const dist = Math.sqrt(ss);
      if (dist < 1e-12) continue;
      const w = 1 / dist;
      weights += w;
      for (let j = 0; j < d; j++) next[j]! += w * data[r * d + j]!;
    }
    if (weights === 0) return;
    let moved = 0;
    for (let j = 0; j < d; j++) {
      const v = next[j]! / weights;
      moved += (v - y[j]!) ** 2;
      y[j] = v;
    }
    if (Math.sqrt(moved) < tolerance * scale) return;
  }
}
