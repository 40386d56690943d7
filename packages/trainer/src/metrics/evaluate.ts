import type { DataLoader, MatmulPrecision, SparseAutoencoder } from '@deeplens/core';
import type { EvalMetrics } from '../hooks/trainer-hooks.js';
import { uploadBatch } from '../upload-batch.js';
import { yieldToEventLoop } from '../yield-to-event-loop.js';
import { densityHistogram, type FeatureActivity } from './feature-activity.js';

export interface EvaluateOptions {
  precision?: MatmulPrecision;
  /** Training activity for the dead-latent window; without it, dead means silent on the eval set. */
  activity?: FeatureActivity;
  trigger?: EvalMetrics['trigger'];
  /** Run each batch in row blocks of at most this many rows (the trainer's microBatchSize). */
  microBatchSize?: number | null;
}

/**
 * Metrics over a whole evaluation set, accumulated row by row and divided once at the end (not an
 * average of per-batch ratios):
 *   loss = Σ per-row loss / rows; mse = Σ‖x − x̂‖² / (rows·d)
 *   FVU = Σ‖x − x̂‖² / Σ‖x − μ‖² with μ the eval-set mean; explained variance = 1 − FVU
 *   L0 = Σ active latents / rows; dead = never fired on the eval set nor in the training window
 */
export async function evaluate(model: SparseAutoencoder, loader: DataLoader, options: EvaluateOptions = {}): Promise<EvalMetrics> {
  const { backend, config } = model;
  const d = config.inputDims;
  const F = config.nFeatures;
  let rows = 0;
  let sse = 0;
  let totalLoss = 0;
  let nonZero = 0;
  const sum = new Float64Array(d);
  const sumSq = new Float64Array(d);
  const firing = new Float64Array(F);
  for await (const batch of loader.epoch(0)) {
    const x = uploadBatch(backend, batch, options.microBatchSize ?? null);
    try {
      // Stryker disable next-line all: model.loss defaults to float32 itself (equivalent)
      const l = await model.loss(x, { firing: true, precision: options.precision ?? 'float32' });
      rows += batch.rows;
      sse += l.sumSquaredError;
      totalLoss += l.total * batch.rows;
      nonZero += l.nonZeroFrac * batch.rows * F;
      // Stryker disable next-line EqualityOperator: f <= F only touches firing[F], which a typed array ignores (equivalent)
      for (let f = 0; f < F; f++) firing[f]! += l.firing![f]!;
    } finally {
      for (const t of x) t.dispose();
    }
    await yieldToEventLoop();
    for (let r = 0; r < batch.rows; r++) {
      // Stryker disable next-line EqualityOperator: j <= d only touches sum[d]/sumSq[d], which typed arrays ignore (equivalent)
      for (let j = 0; j < d; j++) {
        const v = batch.data[r * d + j]!;
        // Stryker disable next-line AssignmentOperator: only sum² enters the variance, so the sum's sign does not matter (equivalent)
        sum[j]! += v;
        sumSq[j]! += v * v;
      }
    }
  }
  let variance = 0;
  for (let j = 0; j < d; j++) variance += sumSq[j]! - (sum[j]! * sum[j]!) / Math.max(rows, 1);
  const fvu = variance > 0 ? sse / variance : NaN;
  let dead = 0;
  const freq = new Float64Array(F);
  // Stryker disable next-line EqualityOperator: f <= F only touches freq[F]/firing[F], which typed arrays ignore (equivalent)
  for (let f = 0; f < F; f++) {
    freq[f] = rows ? firing[f]! / rows : 0;
    if (firing[f] === 0 && !(options.activity?.aliveInWindow(f) ?? false)) dead++;
  }
  return {
    loss: totalLoss / rows,
    mse: sse / (rows * d),
    fvu,
    explainedVariance: 1 - fvu,
    l0: nonZero / rows,
    nonZeroFrac: nonZero / (rows * F),
    deadFraction: dead / F,
    densityHistogram: densityHistogram(freq),
    rows,
    trigger: options.trigger ?? 'request',
  };
}
