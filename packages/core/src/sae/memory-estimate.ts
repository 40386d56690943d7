import { OutOfMemoryError } from '../errors.js';
import type { SaeConfig } from './sae-config.js';
import { saeBufferShapes, saeParamShapes } from './sae-params.js';
import { saeArchitecture, usesVariantGraph } from './architecture.js';

export interface TrainingMemoryOptions {
  config: SaeConfig;
  /** Rows in one batch. */
  batchSize: number;
  /** Rows run through the model at once (micro_batch_size), if smaller than the batch. */
  microBatchSize?: number | null;
  /** One weight-sized gradient alive at a time instead of all of them. */
  optimizerInBackward?: boolean;
}

/** Bytes each part of a training step holds, float32 throughout. */
export interface TrainingMemoryEstimate {
  parameters: number;
  /** Adam's two moments. */
  optimizer: number;
  gradients: number;
  /** One batch and the [rows, n_features] intermediates of the rows run at once. */
  activations: number;
  total: number;
}

const F32 = 4;

/**
 * What training this model holds in memory: parameters, Adam's moments, gradients, and the
 * intermediates of one (micro-)batch. An estimate to fail early with, not a promise: backends add
 * scratch space (the wasm backend a few MiB per thread and packed weight copies).
 */
export function estimateTrainingMemory(o: TrainingMemoryOptions): TrainingMemoryEstimate {
  const { config: c } = o;
  const sizes = [...saeParamShapes(c).values()].map((s) => s.reduce((a, b) => a * b, 1) * F32);
  const parameters = sizes.reduce((a, b) => a + b, 0) + [...saeBufferShapes(c).values()].reduce((a, s) => a + s.reduce((x, y) => x * y, 1) * F32, 0);
  const variant = usesVariantGraph(c);
  // The variant graph runs the whole batch at once (its selection is over the batch).
  const rows = variant ? o.batchSize : Math.min(o.batchSize, o.microBatchSize ?? o.batchSize);
  // TopK keeps one [rows, F] block (pre-activations) and k entries per row; L1 keeps the latents and
  // their gradient; the variant graph (variant-graph.ts) about eight dense [rows, F] tensors at its peak
  // (pre, act, mask, z, ∂z and its masked copy, ∂pre, and BatchTopK's flat selection or AuxK's scatter).
  const latents = variant ? 8 * rows * c.nFeatures * F32 : c.k !== null ? rows * c.nFeatures * F32 + 2 * rows * c.k * 2 * F32 : 2 * rows * c.nFeatures * F32;
  const prefixes = saeArchitecture(c) === 'matryoshka' ? (c.matryoshkaPrefixes?.length ?? 1) : 1;
  const activations = o.batchSize * c.inputDims * F32 + latents + (4 + 2 * (prefixes - 1)) * rows * c.inputDims * F32;
  const gradients = o.optimizerInBackward ? Math.max(...sizes) : parameters;
  const optimizer = 2 * parameters;
  return { parameters, optimizer, gradients, activations, total: parameters + optimizer + gradients + activations };
}

/**
 * Several SAEs trained in one pass (a sweep): every model's parameters, moments and gradients are
 * alive together, while the steps run one after another, so only one batch and the largest step's
 * intermediates are.
 */
export function combineTrainingMemory(estimates: readonly TrainingMemoryEstimate[]): TrainingMemoryEstimate {
  const sum = (k: 'parameters' | 'optimizer' | 'gradients') => estimates.reduce((a, e) => a + e[k], 0);
  const parameters = sum('parameters');
  const optimizer = sum('optimizer');
  const gradients = sum('gradients');
  const activations = Math.max(0, ...estimates.map((e) => e.activations));
  return { parameters, optimizer, gradients, activations, total: parameters + optimizer + gradients + activations };
}

export function formatBytes(bytes: number): string {
  if (bytes >= 2 ** 30) return `${(bytes / 2 ** 30).toFixed(2)} GiB`;
  if (bytes >= 2 ** 20) return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
  return `${Math.ceil(bytes / 2 ** 10)} KiB`;
}

export function describeMemoryEstimate(e: TrainingMemoryEstimate): string {
  return `${formatBytes(e.total)} (parameters ${formatBytes(e.parameters)}, Adam moments ${formatBytes(e.optimizer)}, gradients ${formatBytes(e.gradients)}, one batch and its intermediates ${formatBytes(e.activations)})`;
}

export interface MemoryLimits {
  /** The backend's own ceiling (wasm32: 4 GiB), if it has one. */
  backend?: { name: string; bytes: number } | undefined;
  /** The machine's memory. */
  machineBytes?: number;
}

/**
 * Throw an OutOfMemoryError, before anything is allocated, when the estimate exceeds the backend's
 * ceiling or the machine's memory. The message gives the estimate and what would make it fit.
 */
export function checkTrainingMemory(estimate: TrainingMemoryEstimate, limits: MemoryLimits, options: TrainingMemoryOptions): void {
  const over = [
    limits.backend && estimate.total > limits.backend.bytes ? `backend '${limits.backend.name}' can hold at most ${formatBytes(limits.backend.bytes)}` : undefined,
    limits.machineBytes !== undefined && estimate.total > limits.machineBytes ? `this machine has ${formatBytes(limits.machineBytes)} of memory` : undefined,
  ].filter((x): x is string => x !== undefined);
  if (!over.length) return;
  const fixes: string[] = [];
  const weights = estimate.parameters + estimate.optimizer + estimate.gradients;
  if (estimate.activations > weights / 4) fixes.push('micro_batch_size (--micro-batch-size 128) or a smaller batch_size to shrink the batch\'s intermediates');
  if (!options.optimizerInBackward) fixes.push('optimizer_in_backward: true (--optimizer-in-backward) to keep one weight-sized gradient instead of all');
  fixes.push('a smaller n_features');
  if (limits.backend) fixes.push(`a backend without a ${formatBytes(limits.backend.bytes)} ceiling (the cpu backend is bounded only by the machine; a GPU backend by its card)`);
  throw new OutOfMemoryError(`training this model needs about ${describeMemoryEstimate(estimate)}, but ${over.join(' and ')}`, {
    hint: `try ${fixes.join('; or ')}`,
  });
}
