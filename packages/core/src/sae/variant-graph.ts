import type { Backend, MatmulPrecision } from '../backend/backend.js';
import { activation } from '../backend/activations.js';
import { addRowVector } from '../backend/add-row-vector.js';
import { DisposeBag } from '../backend/dispose-bag.js';
import type { Tensor } from '../backend/tensor.js';
import { saeArchitecture } from './architecture.js';
import { auxKLoss, type AuxKTerms } from './aux-k.js';
import type { LossSums } from './device-losses.js';
import { LAYER_NORM_EPS, type ParamLookup } from './sae-graph.js';
import type { SaeConfig } from './sae-config.js';
import type { SaeParamName } from './sae-params.js';
import { selectLatents } from './latent-selection.js';
import { compactLatents, fromPackedRows, type CompactLatents, type VariantLayout } from './compact-latents.js';
import { sparseMatmul } from '../backend/sparse-ops.js';
import { variantBackward } from './variant-backward.js';

/**
 * The SAE graph of the architectures beyond DeepLens's (BatchTopK, JumpReLU, Matryoshka) and of
 * any TopK-style model trained with AuxK, composed from the backend contract's primitives: one
 * readable pass whose every term has an analytic gradient checked against PyTorch
 * (tools/golden/variants.py). DeepLens's TopK and L1 without AuxK keep their fused, sparse graph
 * (sae-graph.ts). Encoder and selection are dense ([B, F]); after the selection the latents are
 * either kept dense or packed into sparse rows of the firing entries (compact-latents.ts), so the
 * decoder and the gradients cost about B·L0·d instead of B·F·d.
 *
 *   xin  = inputNorm ? LayerNorm(x) : x − b_dec
 *   pre  = xin·W_enc + b_enc
 *   a    = act(pre)                        (JumpReLU: a = pre)
 *   M    = selectLatents(…)                (latent-selection.ts)
 *   z    = a ⊙ M
 *   x̂_m  = (z ⊙ P_m)·W_dec + b_dec          (P_m: the first p_m latents; one prefix = all)
 *   loss = mean_m mean((x̂_m − x)²) + sparsity penalty (JumpReLU) + AuxK
 */
export interface VariantPassOptions {
  /** 'batch' selection and gradients (training), or inference (threshold selection, no gradients). */
  training: boolean;
  precision: MatmulPrecision;
  /** Per latent 1 where it counts as dead (AuxK); AuxK is skipped without it. */
  deadMask?: Tensor | undefined;
  /** Multiplies the sparsity penalty (L1/L0 warm-up); default 1. */
  penaltyScale?: number;
  firing: boolean;
  /** Keep x̂, z and act(pre) for analysis (forward()). */
  keepOutputs?: boolean;
  /** BatchTopK at inference: the threshold is not yet estimated, rank over the batch instead. */
  thresholdUnset?: boolean;
  /** Dense [B, F] latents or sparse rows after the selection (compact-latents.ts); default 'auto'. */
  layout?: VariantLayout;
}

export interface VariantPassResult {
  sums: LossSums;
  grads?: Map<SaeParamName, Tensor>;
  outputs?: { xHat: Tensor; z: Tensor; zPre: Tensor };
}

/** What the forward pass leaves for the loss and the backward pass (owned by `bag`). */
export interface VariantCache {
  x: Tensor;
  xin: Tensor;
  lnStats?: { mean: Tensor; rstd: Tensor };
  pre: Tensor;
  a: Tensor;
  mask: Tensor;
  z: Tensor;
  /** The same latents as sparse rows, when the pass runs in the sparse layout. */
  compact?: CompactLatents;
  /**
   * One per prefix (the full dictionary last): its reconstruction, P_m mask (none for the full one)
   * and, in the sparse layout, z ⊙ P_m at the compact entries.
   */
  prefixes: { xHat: Tensor; diff: Tensor; prefixMask?: Tensor; zAt?: Tensor }[];
  minKept?: Tensor;
  /** JumpReLU: the mean number of firing latents per row, [1]. */
  l0?: Tensor;
  aux?: AuxKTerms;
}

export function variantPass(backend: Backend, c: SaeConfig, p: ParamLookup, x: Tensor, o: VariantPassOptions): VariantPassResult {
  const bag = new DisposeBag();
  const owned = new DisposeBag();
  try {
    const cache = variantForward(backend, c, p, x, o, bag);
    const sums = variantLossSums(backend, c, cache, o, owned);
    const grads = o.training ? variantBackward(backend, c, p, cache, { precision: o.precision, penaltyScale: o.penaltyScale ?? 1 }) : undefined;
    const full = cache.prefixes[cache.prefixes.length - 1]!;
    const outputs = o.keepOutputs
      ? { xHat: owned.add(bag.take(full.xHat)), z: owned.add(bag.take(cache.z)), zPre: owned.add(bag.take(cache.a)) }
      : undefined;
    return { sums, ...(grads ? { grads } : {}), ...(outputs ? { outputs } : {}) };
  } catch (error) {
    owned.dispose();
    throw error;
  } finally {
    bag.dispose();
  }
}

function variantForward(backend: Backend, c: SaeConfig, p: ParamLookup, x: Tensor, o: VariantPassOptions, bag: DisposeBag): VariantCache {
  const arch = saeArchitecture(c);
  const { precision } = o;
  let xin: Tensor;
  let lnStats: VariantCache['lnStats'];
  if (c.inputNorm) {
    const ln = backend.layerNorm(x, p('ln.weight'), p('ln.bias'), LAYER_NORM_EPS);
    xin = bag.add(ln.y);
    lnStats = { mean: bag.add(ln.mean), rstd: bag.add(ln.rstd) };
  } else {
    xin = bag.add(addRowVector(backend, x, p('b_dec'), -1));
  }
  const lin = bag.add(backend.matmul(xin, p('W_enc'), { precision }));
  const pre = bag.add(addRowVector(backend, lin, p('b_enc')));
  bag.release(lin);
  const a = arch === 'jumprelu' ? pre : bag.add(activation(backend, pre, c.activation));
  const batchMode = o.training || o.thresholdUnset === true;
  const sel = selectLatents(backend, {
    architecture: arch, k: c.k, pre, a, mode: batchMode ? 'batch' : 'threshold',
    ...(arch === 'jumprelu' || !batchMode ? { threshold: p('threshold') } : {}),
  }, bag);
  const z = bag.add(backend.mul(a, sel.mask));
  const compact = compactLatents(backend, c, { z, mask: sel.mask, pre, rows: sel.rows }, o.layout ?? 'auto', bag);
  const prefixes: VariantCache['prefixes'] = [];
  const sizes = arch === 'matryoshka' ? c.matryoshkaPrefixes! : [c.nFeatures];
  sizes.forEach((size, i) => {
    let decoded: Tensor;
    let prefixMask: Tensor | undefined;
    let zAt: Tensor | undefined;
    if (compact) {
      const inPrefix = compact.prefixAt[i];
      zAt = inPrefix ? bag.add(backend.mul(compact.z.values, inPrefix)) : compact.z.values;
      const packed = bag.add(sparseMatmul(backend, { values: zAt, indices: compact.z.indices, cols: c.nFeatures }, p('W_dec')));
      decoded = fromPackedRows(backend, compact, packed, bag);
    } else {
      prefixMask = size < c.nFeatures ? bag.add(prefixMaskOf(backend, size, c.nFeatures)) : undefined;
      const zm = prefixMask ? bag.add(backend.mul(z, prefixMask)) : z;
      decoded = bag.add(backend.matmul(zm, p('W_dec'), { precision }));
      if (zm !== z) bag.release(zm);
    }
    const xHat = bag.add(addRowVector(backend, decoded, p('b_dec')));
    bag.release(decoded);
    prefixes.push({ xHat, diff: bag.add(backend.sub(xHat, x)), ...(prefixMask ? { prefixMask } : {}), ...(zAt ? { zAt } : {}) });
  });
  const cache: VariantCache = { x, xin, ...(lnStats ? { lnStats } : {}), pre, a, mask: sel.mask, z, ...(compact ? { compact } : {}), prefixes, ...(sel.minKept ? { minKept: sel.minKept } : {}) };
  if (arch === 'jumprelu') cache.l0 = bag.add(backend.scale(bag.add(backend.reduce(sel.mask, 'sum')), 1 / x.shape[0]!));
  if (o.training && c.auxKCoef > 0 && o.deadMask) {
    cache.aux = auxKLoss(backend, c, p, { pre, deadMask: o.deadMask, residual: prefixes[prefixes.length - 1]!.diff, deadCount: deadCountOf(backend, o.deadMask, bag) }, bag);
  }
  return cache;
}

/** The number of dead latents where reading it is a cheap host copy (`hostMemory`), else undefined. */
function deadCountOf(backend: Backend, deadMask: Tensor, bag: DisposeBag): number | undefined {
  if (!backend.capabilities.hostMemory || !backend.capabilities.syncRead || !backend.readSync) return undefined;
  const sum = bag.add(backend.reduce(deadMask, 'sum'));
  const count = Math.round(backend.readSync(sum)[0]!);
  bag.release(sum);
  return count;
}

/** [F] with 1 for the first `size` latents. */
function prefixMaskOf(backend: Backend, size: number, f: number): Tensor {
  const m = new Float32Array(f);
  m.fill(1, 0, size);
  return backend.fromArray(m, [f]);
}

/**
 * The loss terms as [1] tensors the caller owns (through `owned`): DeepLens's three sums of the full
 * reconstruction, the firing counts, and `objective` (the loss the gradients are of), `aux` and
 * `minKept` where they exist.
 */
function variantLossSums(backend: Backend, c: SaeConfig, cache: VariantCache, o: VariantPassOptions, owned: DisposeBag): LossSums {
  const rows = cache.x.shape[0]!;
  const d = c.inputDims;
  const scratch = new DisposeBag();
  try {
    const full = cache.prefixes[cache.prefixes.length - 1]!;
    const sums: LossSums = {
      sumSquaredError: owned.add(backend.reduce(full.diff, 'sumSquares')),
      sumAbsZ: owned.add(backend.reduce(cache.z, 'sumAbs')),
      nonZero: owned.add(backend.reduce(cache.z, 'countNonZero')),
    };
    if (o.firing) sums.firing = owned.add(backend.reduce(cache.z, 'countNonZero', 0));
    // Reconstruction: the mean over prefixes of each prefix's MSE (one prefix: DeepLens's MSE).
    let objective = scratch.add(backend.reduce(cache.prefixes[0]!.diff, 'sumSquares'));
    for (const pre of cache.prefixes.slice(1)) objective = scratch.add(backend.add(objective, scratch.add(backend.reduce(pre.diff, 'sumSquares'))));
    objective = scratch.add(backend.scale(objective, 1 / (cache.prefixes.length * rows * d)));
    if (cache.l0) objective = scratch.add(backend.add(objective, scratch.add(jumpReluPenalty(backend, c, cache.l0, o.penaltyScale ?? 1, scratch))));
    if (cache.aux) {
      objective = scratch.add(backend.add(objective, cache.aux.loss));
      sums.aux = owned.add(backend.clone(cache.aux.loss));
    }
    sums.objective = owned.add(scratch.take(objective));
    if (cache.minKept) sums.minKept = owned.add(backend.clone(cache.minKept));
    return sums;
  } finally {
    scratch.dispose();
  }
}

/** λ·s·L0, or with target_l0 T: λ·s·(L0/T − 1)² (s: the warm-up scale). */
export function jumpReluPenalty(backend: Backend, c: SaeConfig, l0: Tensor, scale: number, bag: DisposeBag): Tensor {
  const lambda = (c.l0Coefficient ?? 0) * scale;
  if (c.targetL0 === null) return backend.scale(l0, lambda);
  const rel = bag.add(backend.addScalar(bag.add(backend.scale(l0, 1 / c.targetL0)), -1));
  return backend.scale(bag.add(backend.mul(rel, rel)), lambda);
}
