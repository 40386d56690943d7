import { describe, expect, it } from 'vitest';
import { resolveSaeConfig } from './sae-config.js';
import { planSaeStep } from './step-plan.js';

const topk = resolveSaeConfig({ inputDims: 8, nFeatures: 32, k: 4 });
const l1relu = resolveSaeConfig({ inputDims: 8, nFeatures: 32, betaL1: 1e-3 });
const l1silu = resolveSaeConfig({ inputDims: 8, nFeatures: 32, betaL1: 1e-3, activation: 'silu' });
const topkLn = resolveSaeConfig({ inputDims: 8, nFeatures: 32, k: 4, inputNorm: true });

describe('planSaeStep: every mode of the SAE graph in one table', () => {
  it('forward: which encoder runs and which intermediates are kept', () => {
    const f = (c: typeof topk, purpose: 'analysis' | 'loss' | 'training', precision: 'float32' | 'bf16' = 'float32') =>
      planSaeStep(c, { purpose, precision, rows: 4 }).forward;
    expect(f(topk, 'training')).toEqual({ encoder: 'fused-topk', latents: 'sparse', keepEncoderInput: false, keepPreActivations: false, output: 'residual', precision: 'float32' });
    expect(f(topk, 'loss')).toMatchObject({ encoder: 'fused-topk', output: 'residual' });
    expect(f(topk, 'analysis')).toEqual({ encoder: 'dense', latents: 'sparse', keepEncoderInput: true, keepPreActivations: true, output: 'reconstruction', precision: 'float32' });
    expect(f(topk, 'training', 'bf16')).toMatchObject({ encoder: 'dense', keepPreActivations: true, precision: 'bf16' }); // no fused bf16 encoder
    expect(f(topkLn, 'training')).toMatchObject({ encoder: 'fused-topk', keepEncoderInput: true }); // LayerNorm's backward needs its output
    expect(f(l1relu, 'training')).toEqual({ encoder: 'dense', latents: 'dense', keepEncoderInput: false, keepPreActivations: false, output: 'residual', precision: 'float32' });
    expect(f(l1silu, 'training')).toMatchObject({ keepPreActivations: true }); // silu′ needs pre itself
  });

  it('backward: where the gradients go, over how many rows, and when b_dec\'s input term is added', () => {
    expect(planSaeStep(topk, { purpose: 'loss', rows: 4 }).backward).toBeUndefined();
    expect(planSaeStep(topk, { purpose: 'training', rows: 4 }).backward).toEqual({ gradients: 'map', batchRows: 4, deferBDecInputTerm: false, precision: 'float32' });
    expect(planSaeStep(topk, { purpose: 'training', rows: 4, sink: true }).backward).toMatchObject({ gradients: 'sink', deferBDecInputTerm: false });
    const parts = [0, 1, 2].map((part) => planSaeStep(l1relu, { purpose: 'training', rows: 3, batchRows: 9, part, parts: 3 }).backward);
    expect(parts.map((b) => b!.gradients)).toEqual(['map', 'accumulate', 'accumulate']);
    expect(parts.every((b) => b!.batchRows === 9 && b!.deferBDecInputTerm)).toBe(true);
    expect(() => planSaeStep(topk, { purpose: 'training', rows: 3, parts: 2, sink: true })).toThrow(/sink/);
  });
});
