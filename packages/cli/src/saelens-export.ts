import { InvalidConfigError, isBatchTopKStyle, saeArchitecture, type SaeConfig } from '@deeplens/core';
import type { Checkpoint } from './checkpoint.js';

/** Why a model of this config cannot go to SAELens (none: it can), as config errors naming the key. */
export function saeLensBlockers(c: Pick<SaeConfig, 'inputNorm' | 'activation' | 'architecture' | 'k'>): InvalidConfigError[] {
  const blockers: InvalidConfigError[] = [];
  if (c.inputNorm) {
    blockers.push(new InvalidConfigError('input_norm', 'SAELens has no learnable LayerNorm on the encoder input, so this model cannot be exported to it', {
      hint: 'train with input_norm: false (dataset normalisation via data.norm is folded in automatically)',
    }));
  }
  if (c.activation !== 'relu') {
    blockers.push(new InvalidConfigError('activation', `SAELens's standard and topk SAEs use ReLU; '${c.activation}' cannot be represented`));
  }
  return blockers;
}

/**
 * SAELens's architecture for ours: standard (L1), topk, jumprelu — and BatchTopK / Matryoshka as
 * jumprelu with every threshold at the learned global θ, as SAELens saves them for inference
 * (relu(pre)·(relu(pre) > θ) = pre·(pre > θ) for θ ≥ 0).
 */
function saeLensArchitecture(c: SaeConfig): 'standard' | 'topk' | 'jumprelu' {
  const a = saeArchitecture(c);
  return a === 'l1' ? 'standard' : a === 'topk' ? 'topk' : 'jumprelu';
}

/**
 * Our SAE in SAELens's layout. With dataset normalisation x' = (x − μ)/σ the SAE computes
 *   z = act((x' − b_dec)·W_enc + b_enc),  x̂' = z·W_dec + b_dec,  x̂ = σ⊙x̂' + μ.
 * Folding σ and μ in: W_enc ← diag(1/σ)·W_enc, W_dec ← W_dec·diag(σ), b_dec ← μ + σ⊙b_dec, so the
 * exported SAE maps raw x to raw x̂ with SAELens's standard `apply_b_dec_to_input`.
 */
export function toSaeLens(ckpt: Checkpoint, meta: { hookName?: string; modelName?: string } = {}) {
  const c = ckpt.file.config;
  const [blocker] = saeLensBlockers(c);
  if (blocker) throw blocker;
  const d = c.inputDims;
  const f = c.nFeatures;
  const p = ckpt.file.params;
  const wEnc = Float32Array.from(p.get('W_enc')!);
  const wDec = c.tieWeights ? transpose(wEnc, d, f) : Float32Array.from(p.get('W_dec')!);
  const bDec = Float32Array.from(p.get('b_dec')!);
  const norm = ckpt.normStats;
  if (norm) {
    for (let i = 0; i < d; i++) {
      const s = norm.std[i]!;
      for (let j = 0; j < f; j++) wEnc[i * f + j]! /= s;
      for (let j = 0; j < f; j++) wDec[j * d + i]! *= s;
      bDec[i] = norm.mean[i]! + s * bDec[i]!;
    }
  }
  const tensors = new Map([
    ['W_enc', { shape: [d, f], data: wEnc }],
    ['b_enc', { shape: [f], data: Float32Array.from(p.get('b_enc')!) }],
    ['W_dec', { shape: [f, d], data: wDec }],
    ['b_dec', { shape: [d], data: bDec }],
  ]);
  const arch = saeArchitecture(c);
  const architecture = saeLensArchitecture(c);
  if (architecture === 'jumprelu') tensors.set('threshold', { shape: [f], data: thresholdOf(c, p.get('threshold')) });
  const cfg: Record<string, unknown> = {
    architecture,
    d_in: d,
    d_sae: f,
    dtype: 'float32',
    device: 'cpu',
    apply_b_dec_to_input: true,
    normalize_activations: 'none',
    ...(architecture === 'topk' ? { k: c.k } : {}),
    metadata: {
      model_name: meta.modelName ?? null,
      hook_name: meta.hookName ?? null,
      exported_from: 'deeplens-ts',
      trained_architecture: arch,
      l1_coefficient: c.betaL1,
      ...(arch === 'jumprelu' ? { l0_coefficient: c.l0Coefficient, jumprelu_bandwidth: c.jumpreluBandwidth } : {}),
      ...(isBatchTopKStyle(arch) ? { k: c.k, batchtopk_threshold: 'global threshold estimated during training' } : {}),
      ...(arch === 'matryoshka' ? { matryoshka_prefixes: c.matryoshkaPrefixes } : {}),
    },
  };
  return { tensors, cfg };
}

/** JumpReLU's thresholds as they are; BatchTopK's global θ repeated per latent (an error while unset). */
function thresholdOf(c: SaeConfig, stored: Float32Array | undefined): Float32Array {
  if (!stored) throw new InvalidConfigError('architecture', `the model file has no threshold tensor for architecture '${saeArchitecture(c)}'`);
  if (saeArchitecture(c) === 'jumprelu') return Float32Array.from(stored);
  const theta = stored[0]!;
  if (!(theta >= 0)) {
    throw new InvalidConfigError('architecture', `this ${saeArchitecture(c)} model's inference threshold has not been estimated yet (it is ${theta})`, {
      hint: 'export a model that has trained at least one step (the threshold follows the smallest activation each batch keeps)',
    });
  }
  return new Float32Array(c.nFeatures).fill(theta);
}

function transpose(x: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = x[r * cols + c]!;
  return out;
}
