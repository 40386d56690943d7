import type { Backend } from '../backend/backend.js';
import { activation } from '../backend/activations.js';
import type { DisposeBag } from '../backend/dispose-bag.js';
import { sparseMatmul } from '../backend/sparse-ops.js';
import type { SparseRows, Tensor } from '../backend/tensor.js';
import type { ParamLookup } from './sae-graph.js';
import type { SaeConfig } from './sae-config.js';

/**
 * AuxK (Gao et al. 2024, "Scaling and evaluating sparse autoencoders"): the dead latents try to
 * explain what the live ones missed. Of each row's pre-activations only the dead latents' are kept,
 * ReLU'd, and the top k_aux of them decoded without b_dec into ê; the target is the residual
 * e = x − x̂, held constant. The loss is normalised by the residual's variance over the batch:
 *
 *   aux = α · Σ(ê − e)² / Σ(e − mean_rows(e))²
 *
 * k_aux = aux_k (default input_dims / 2), at most n_features. Fewer dead latents than k_aux is the
 * same as "capped at the number of dead latents": the extra choices are zeros and change nothing.
 */
export interface AuxKTerms {
  /** α · normalised error, [1] (0 when the residual has no variance). */
  loss: Tensor;
  /** The chosen dead latents: relu(pre)·dead at the top k_aux entries per row. */
  selection: SparseRows;
  /** ê − e, [B, d]. */
  error: Tensor;
  /** ∂aux/∂ê = gradScale · (ê − e): 2α / Σ(e − mean_rows(e))², [1] (0 without variance). */
  gradScale: Tensor;
}

export interface AuxKInput {
  pre: Tensor;
  /** [F], 1 for a dead latent. */
  deadMask: Tensor;
  /** x̂ − x of the full reconstruction, [B, d]. */
  residual: Tensor;
  /**
   * How many latents are dead, where the caller could read it cheaply: k_aux is capped at it (at
   * least 1), which changes no number — the choices past it are zeros — but saves their work.
   */
  deadCount?: number | undefined;
}

export function auxKK(c: SaeConfig): number {
  return Math.min(c.auxK ?? Math.max(1, Math.floor(c.inputDims / 2)), c.nFeatures);
}

export function auxKLoss(backend: Backend, c: SaeConfig, p: ParamLookup, input: AuxKInput, bag: DisposeBag): AuxKTerms {
  const rows = input.pre.shape[0]!;
  const zero = bag.add(backend.fill([1], 0));
  const deadActs = bag.add(backend.mul(bag.add(activation(backend, input.pre, 'relu')), input.deadMask));
  const kAux = input.deadCount === undefined ? auxKK(c) : Math.min(auxKK(c), Math.max(1, input.deadCount));
  const selection = bag.addSparse(backend.topKAbs(deadActs, kAux));
  const eHat = bag.add(sparseMatmul(backend, selection, p('W_dec')));
  // e = x − x̂ = −residual, so ê − e = ê + residual.
  const error = bag.add(backend.add(eHat, input.residual));
  const e = bag.add(backend.neg(input.residual));
  const mean = bag.add(backend.scale(bag.add(backend.reduce(e, 'sum', 0)), 1 / rows));
  const centred = bag.add(backend.sub(e, mean));
  const rawVariance = bag.add(backend.reduce(centred, 'sumSquares'));
  const hasVariance = bag.add(backend.greater(rawVariance, zero));
  const variance = bag.add(backend.where(hasVariance, rawVariance, bag.add(backend.fill([1], 1))));
  const ratio = bag.add(backend.div(bag.add(backend.reduce(error, 'sumSquares')), variance));
  // No dead latent: nothing to revive, the loss is 0 (ê = 0 would otherwise report α·Σe²/var).
  const anyDead = bag.add(backend.greater(bag.add(backend.reduce(input.deadMask, 'sum')), zero));
  const active = bag.add(backend.mul(hasVariance, anyDead));
  const loss = bag.add(backend.where(active, bag.add(backend.scale(ratio, c.auxKCoef)), zero));
  const scale = bag.add(backend.div(bag.add(backend.fill([1], 2 * c.auxKCoef)), variance));
  return { loss, selection, error, gradScale: bag.add(backend.where(active, scale, zero)) };
}
