import { describe, expect, it } from 'vitest';
import { OutOfMemoryError } from '../errors.js';
import { checkTrainingMemory, combineTrainingMemory, estimateTrainingMemory, formatBytes, type TrainingMemoryOptions } from './memory-estimate.js';
import { resolveSaeConfig } from './sae-config.js';

const opts = (over: Partial<TrainingMemoryOptions> & { d?: number; f?: number; k?: number | null } = {}): TrainingMemoryOptions => {
  const { d = 768, f = 6144, k = 32, ...rest } = over;
  return { config: resolveSaeConfig({ inputDims: d, nFeatures: f, k, ...(k === null ? { betaL1: 1e-3 } : {}) }), batchSize: 4096, ...rest };
};

describe('estimateTrainingMemory', () => {
  it('counts parameters, two Adam moments, gradients and one batch\'s intermediates', () => {
    const e = estimateTrainingMemory(opts());
    const params = (768 * 6144 * 2 + 6144 + 768) * 4;
    expect(e.parameters).toBe(params);
    expect(e.optimizer).toBe(2 * params);
    expect(e.gradients).toBe(params);
    // The batch, one [4096, 6144] block, k values and indices twice, four [4096, 768] blocks.
    expect(e.activations).toBe(4096 * 768 * 4 + 4096 * 6144 * 4 + 2 * 4096 * 32 * 2 * 4 + 4 * 4096 * 768 * 4);
    expect(e.total).toBe(e.parameters + e.optimizer + e.gradients + e.activations);
  });

  it('L1 holds two [rows, F] blocks; micro-batches and optimizer_in_backward shrink what they should', () => {
    const l1 = estimateTrainingMemory(opts({ k: null }));
    const topk = estimateTrainingMemory(opts());
    expect(l1.activations - topk.activations).toBe(4096 * 6144 * 4 - 2 * 4096 * 32 * 2 * 4);
    const micro = estimateTrainingMemory(opts({ k: null, microBatchSize: 128 }));
    expect(micro.activations).toBe(4096 * 768 * 4 + 2 * 128 * 6144 * 4 + 4 * 128 * 768 * 4);
    expect(estimateTrainingMemory(opts({ optimizerInBackward: true })).gradients).toBe(768 * 6144 * 4);
  });
});

describe('checkTrainingMemory', () => {
  it('the tutorial\'s 16× SAE at GPT-2 width does not fit wasm\'s 4 GiB: the error gives the estimate and the ways out', () => {
    const o = opts({ d: 3072, f: 49152, k: 768, batchSize: 16 });
    const e = estimateTrainingMemory(o);
    expect(formatBytes(e.total)).toBe('4.50 GiB');
    expect(() => checkTrainingMemory(e, { backend: { name: 'wasm', bytes: 2 ** 32 }, machineBytes: 64 * 2 ** 30 }, o)).toThrow(OutOfMemoryError);
    expect(() => checkTrainingMemory(e, { backend: { name: 'wasm', bytes: 2 ** 32 } }, o)).toThrow(
      /needs about 4.50 GiB \(parameters 1.13 GiB, Adam moments 2.25 GiB, gradients 1.13 GiB, [^)]*\), but backend 'wasm' can hold at most 4.00 GiB\n {2}hint: try optimizer_in_backward: true[\s\S]*a smaller n_features[\s\S]*cpu backend/,
    );
    expect(() => checkTrainingMemory(e, { machineBytes: 64 * 2 ** 30 }, o)).not.toThrow();
  });

  it('a dictionary larger than the machine fails at once, suggesting micro-batches when the batch dominates', () => {
    const o = opts({ d: 3072, f: 2e7, k: 32, batchSize: 4096 });
    expect(() => checkTrainingMemory(estimateTrainingMemory(o), { machineBytes: 24 * 2 ** 30 }, o)).toThrow(/this machine has 24.00 GiB of memory\n[^\n]*hint: try optimizer_in_backward[\s\S]*a smaller n_features/);
    const big = opts({ k: null, batchSize: 65536 });
    expect(() => checkTrainingMemory(estimateTrainingMemory(big), { machineBytes: 2 * 2 ** 30 }, big)).toThrow(/hint: try micro_batch_size \(--micro-batch-size 128\)/);
    const small = opts({ d: 172, f: 688, k: 16, batchSize: 32 });
    expect(() => checkTrainingMemory(estimateTrainingMemory(small), { backend: { name: 'wasm', bytes: 2 ** 32 }, machineBytes: 2 ** 30 }, small)).not.toThrow();
  });
});

describe('combineTrainingMemory (a sweep)', () => {
  it('adds the models and keeps one batch: the largest step\'s intermediates', () => {
    const a = estimateTrainingMemory({ config: resolveSaeConfig({ inputDims: 64, nFeatures: 256, k: 8 }), batchSize: 32 });
    const b = estimateTrainingMemory({ config: resolveSaeConfig({ inputDims: 64, nFeatures: 1024, architecture: 'batchtopk', k: 8 }), batchSize: 32 });
    const c = combineTrainingMemory([a, b]);
    expect(c.parameters).toBe(a.parameters + b.parameters);
    expect(c.optimizer).toBe(a.optimizer + b.optimizer);
    expect(c.activations).toBe(Math.max(a.activations, b.activations));
    expect(c.total).toBe(c.parameters + c.optimizer + c.gradients + c.activations);
    // BatchTopK's buffers (θ and its count) are part of its parameters' bytes.
    expect(b.parameters).toBe((64 * 1024 * 2 + 1024 + 64 + 2) * 4);
  });
});
