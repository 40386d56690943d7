import type { SaeConfig } from './sae-config.js';

/** The SAE architectures (see the docs' architectures page for each one's paper and formulas). */
export const SAE_ARCHITECTURES = ['topk', 'l1', 'batchtopk', 'jumprelu', 'matryoshka'] as const;
export type SaeArchitecture = (typeof SAE_ARCHITECTURES)[number];
export const B_DEC_INITS = ['zeros', 'mean', 'geometric_median'] as const;
export type BDecInit = (typeof B_DEC_INITS)[number];
export const DECODER_INITS = ['xavier', 'encoder_transpose'] as const;
export type DecoderInit = (typeof DECODER_INITS)[number];

/** The architecture a config trains: its `architecture`, or DeepLens's choice from k / beta_l1. */
export function saeArchitecture(c: Pick<SaeConfig, 'architecture' | 'k'>): SaeArchitecture {
  return c.architecture ?? (c.k !== null ? 'topk' : 'l1');
}

/** Architectures whose latents are chosen by a top-k (per row or over the batch). */
export function isTopKStyle(a: SaeArchitecture): boolean {
  return a === 'topk' || a === 'batchtopk' || a === 'matryoshka';
}

/** Architectures that select over the whole batch and keep a global inference threshold. */
export function isBatchTopKStyle(a: SaeArchitecture): boolean {
  return a === 'batchtopk' || a === 'matryoshka';
}

/**
 * The model runs variant-graph.ts (dense, composed) rather than DeepLens's fused sparse graph: for
 * BatchTopK, JumpReLU, Matryoshka, and any model trained with AuxK.
 */
export function usesVariantGraph(c: Pick<SaeConfig, 'architecture' | 'k' | 'auxKCoef'>): boolean {
  const a = saeArchitecture(c);
  return !(a === 'topk' || a === 'l1') || c.auxKCoef > 0;
}
