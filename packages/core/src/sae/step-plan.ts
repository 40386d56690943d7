import type { MatmulPrecision } from '../backend/backend.js';
import { InvalidArgumentError } from '../errors.js';
import type { SaeConfig } from './sae-config.js';

/**
 * Every way the SAE graph can run, decided in one place before any op is issued. The forward and
 * backward passes (sae-graph.ts) only follow the plan; a new model variant or a backend author reads
 * this file to see which intermediates exist in which mode, and why.
 */

/** What the forward pass computes and keeps. */
export interface SaeForwardPlan {
  /**
   * 'fused-topk': matmul, bias, activation and top-k as one op (`encodeTopK`), so no [B, F] tensor
   * exists (TopK in float32, when the dense latents are not wanted). 'dense': matmul, then bias and
   * activation as [B, F] tensors (then `topKAbs` for TopK).
   */
  encoder: 'fused-topk' | 'dense';
  /** 'sparse': TopK latents as [B, k] values and indices, decoded with the sparse products. 'dense': L1's [B, F]. */
  latents: 'sparse' | 'dense';
  /**
   * Keep x − b_dec (the encoder input) after the encoder. Training does not: the fused encoder and
   * the backward products subtract b_dec from x's rows themselves (backends declaring the offset
   * capabilities; core makes a short-lived copy otherwise), and the dense path recomputes it.
   * With input LayerNorm the normalised input is always kept (its backward needs it).
   */
  keepEncoderInput: boolean;
  /**
   * Keep the dense pre-activations [B, F] (dense encoder only). A ReLU training pass does not: ReLU's
   * mask is the same read from act(pre), one [B, F] tensor fewer in L1 steps.
   */
  keepPreActivations: boolean;
  /** 'reconstruction': keep x̂ (analysis). 'residual': keep only x̂ − x, what the loss and the backward pass need. */
  output: 'reconstruction' | 'residual';
  precision: MatmulPrecision;
}

/** How the backward pass hands out the gradients of one forward pass. */
export interface SaeBackwardPlan {
  /**
   * 'map': return them. 'sink': give each to a callback as soon as it is final — W_dec's before
   * W_enc's exists, so an optimiser applied there keeps one weight-sized gradient alive, not two.
   * 'accumulate': add them into running sums (micro-batches after the first; the weight products
   * accumulate in place, `matmulAccumulate`).
   */
  gradients: 'map' | 'sink' | 'accumulate';
  /** Rows of the whole batch: the loss is a mean over it, whichever micro-batch this pass is. */
  batchRows: number;
  /**
   * Leave b_dec's term through the encoder input (−W_enc·∂b_enc, linear in ∂b_enc) to be added once
   * after the last micro-batch (`addBDecInputTerm`) instead of reading W_enc for every block.
   */
  deferBDecInputTerm: boolean;
  precision: MatmulPrecision;
}

export interface SaeStepPlan {
  forward: SaeForwardPlan;
  /** Absent when no gradient is wanted. */
  backward?: SaeBackwardPlan;
}

export interface SaeStepRequest {
  /** 'analysis': forward() for inspection (dense latents kept). 'loss': loss terms only. 'training': loss and gradients. */
  purpose: 'analysis' | 'loss' | 'training';
  precision?: MatmulPrecision;
  /** Rows of this pass, and of the whole batch it belongs to (default: the same). */
  rows: number;
  batchRows?: number;
  /** 0-based index of this micro-batch among `parts` (default 0 of 1). */
  part?: number;
  parts?: number;
  /** Gradients go to a callback as they are made (optimizer_in_backward); only with one part. */
  sink?: boolean;
}

export function planSaeStep(config: SaeConfig, request: SaeStepRequest): SaeStepPlan {
  const precision = request.precision ?? 'float32';
  const parts = request.parts ?? 1;
  const part = request.part ?? 0;
  const analysis = request.purpose === 'analysis';
  const topK = config.k !== null;
  const encoder = topK && precision === 'float32' && !analysis ? 'fused-topk' : 'dense';
  const forward: SaeForwardPlan = {
    encoder,
    latents: topK ? 'sparse' : 'dense',
    keepEncoderInput: config.inputNorm || analysis,
    keepPreActivations: encoder === 'dense' && (analysis || topK || config.activation !== 'relu'),
    output: analysis ? 'reconstruction' : 'residual',
    precision,
  };
  if (request.purpose !== 'training') return { forward };
  if (request.sink && parts > 1) {
    throw new InvalidArgumentError('planSaeStep: a gradient sink takes the gradients of one pass; with micro-batches, sum them first and hand them out after the last block');
  }
  return {
    forward,
    backward: {
      gradients: request.sink ? 'sink' : part > 0 ? 'accumulate' : 'map',
      batchRows: request.batchRows ?? request.rows,
      deferBDecInputTerm: parts > 1,
      precision,
    },
  };
}
