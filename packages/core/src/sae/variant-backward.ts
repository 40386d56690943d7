import type { Backend, MatmulPrecision } from '../backend/backend.js';
import { activationGrad } from '../backend/activations.js';
import { DisposeBag } from '../backend/dispose-bag.js';
import { sampledMatmul, sparseColumnSum, sparseMatmul, sparseTransposeMatmul } from '../backend/sparse-ops.js';
import type { SparseRows, Tensor } from '../backend/tensor.js';
import type { AuxKTerms } from './aux-k.js';
import { toPackedRows } from './compact-latents.js';
import { saeArchitecture } from './architecture.js';
import { bDecInputTerm, type ParamLookup } from './sae-graph.js';
import type { SaeConfig } from './sae-config.js';
import type { SaeParamName } from './sae-params.js';
import type { VariantCache } from './variant-graph.js';

export interface VariantBackwardOptions {
  precision: MatmulPrecision;
  penaltyScale: number;
}

/**
 * Analytic gradients of variant-graph.ts's loss (the caller owns them). The selection M is a
 * constant of the step, as in every reference implementation; JumpReLU's thresholds get the
 * straight-through estimators of Rajamanoharan et al. (2024) with the rectangle kernel
 * K(u) = 1 for |u| < ½, ε = jumprelu_bandwidth:
 *
 *   ∂z/∂θ_j  = −(θ_j/ε)·K((pre − θ_j)/ε)          (z = pre·H(pre − θ))
 *   ∂L0/∂θ_j = −(1/ε)·K((pre − θ_j)/ε) / B        (L0 = Σ H(pre − θ) / B)
 *   ∂z/∂pre  = H(pre − θ)                           (the L0 term passes nothing to pre)
 */
export function variantBackward(backend: Backend, c: SaeConfig, p: ParamLookup, cache: VariantCache, o: VariantBackwardOptions): Map<SaeParamName, Tensor> {
  const arch = saeArchitecture(c);
  const { precision } = o;
  const rows = cache.x.shape[0]!;
  const n = cache.prefixes.length;
  const bag = new DisposeBag();
  const grads = new Map<SaeParamName, Tensor>();
  const accumulate = (name: SaeParamName, g: Tensor) => {
    const prev = grads.get(name);
    if (!prev) return grads.set(name, g);
    try {
      grads.set(name, backend.add(prev, g));
    } finally {
      prev.dispose();
      g.dispose();
    }
  };
  try {
    // Each prefix's reconstruction error: ∂loss/∂x̂_m = 2(x̂_m − x)/(n·B·d).
    const compact = cache.compact;
    let dz: Tensor | undefined;
    let dzDense: Tensor | undefined;
    let dbDecOut: Tensor | undefined;
    cache.prefixes.forEach((prefix, i) => {
      const g = bag.add(backend.scale(prefix.diff, 2 / (n * rows * c.inputDims)));
      let dzm: Tensor;
      if (compact) {
        // Packed rows: ∂W_dec = (z ⊙ P_m)ᵀ·g and ∂z_m = g·W_decᵀ, both at the packed entries only.
        const gPacked = toPackedRows(backend, compact, g, bag);
        accumulate('W_dec', sparseTransposeMatmul(backend, { values: prefix.zAt!, indices: compact.z.indices, cols: c.nFeatures }, gPacked));
        dzm = bag.add(sampledMatmul(backend, gPacked, p('W_dec'), compact.z.indices));
        const inPrefix = compact.prefixAt[i];
        if (inPrefix) dzm = bag.add(backend.mul(dzm, inPrefix));
        // JumpReLU's thresholds need ∂z beside the firing entries too (within the kernel's bandwidth): dense.
        if (arch === 'jumprelu') dzDense = bag.add(backend.matmul(g, p('W_dec'), { transposeB: true, precision }));
      } else {
        const zm = prefix.prefixMask ? bag.add(backend.mul(cache.z, prefix.prefixMask)) : cache.z;
        accumulate('W_dec', backend.matmul(zm, g, { transposeA: true, precision }));
        dzm = bag.add(backend.matmul(g, p('W_dec'), { transposeB: true, precision }));
        if (prefix.prefixMask) dzm = bag.add(backend.mul(dzm, prefix.prefixMask));
      }
      dz = dz ? bag.add(backend.add(dz, dzm)) : dzm;
      const col = bag.add(backend.reduce(g, 'sum', 0));
      dbDecOut = dbDecOut ? bag.add(backend.add(dbDecOut, col)) : col;
    });
    if (arch === 'jumprelu') grads.set('threshold', thresholdGrad(backend, c, p('threshold'), cache, dzDense ?? dz!, o.penaltyScale, bag));
    if (compact) {
      const masked = bag.add(backend.mul(dz!, compact.maskAt));
      const dpreAt = arch === 'jumprelu' ? masked : bag.add(activationGrad(backend, masked, compact.preAt, c.activation));
      // ∂pre in parts, each with the encoder input of its rows: the packed entries, and AuxK's.
      const parts: { sp: SparseRows; xin: Tensor; packed: boolean }[] = [
        { sp: { values: dpreAt, indices: compact.z.indices, cols: c.nFeatures }, xin: toPackedRows(backend, compact, cache.xin, bag), packed: true },
      ];
      if (cache.aux) parts.push({ sp: auxPreGrad(backend, p, cache.aux, accumulate, bag), xin: cache.xin, packed: false });
      // ∂b_enc, ∂W_enc = xinᵀ·∂pre and (LayerNorm) ∂xin = ∂pre·W_encᵀ, each a sum over the parts.
      const dbEnc = sumOf(backend, parts.map(({ sp }) => sparseColumnSum(backend, sp)));
      grads.set('b_enc', dbEnc);
      grads.set('W_enc', sumOf(backend, parts.map(({ sp, xin }) => sparseTransposeMatmul(backend, sp, xin, true))));
      const dxin = () => sumOf(backend, parts.map(({ sp, packed }) => {
        const d = sparseMatmul(backend, sp, p('W_enc'), true);
        if (!packed || !compact.spread) return d;
        try {
          return backend.matmul(compact.spread, d, { transposeA: true });
        } finally {
          d.dispose();
        }
      }));
      inputSideGrads(backend, c, p, cache, { dbEnc, dbDecOut: dbDecOut!, dxin }, grads, bag);
      return grads;
    }
    const masked = bag.add(backend.mul(dz!, cache.mask));
    let dpre = arch === 'jumprelu' ? masked : bag.add(activationGrad(backend, masked, cache.pre, c.activation));
    if (cache.aux) {
      const aux = auxPreGrad(backend, p, cache.aux, accumulate, bag);
      dpre = bag.add(backend.add(dpre, bag.add(backend.scatterToDense(aux))));
    }
    const dbEnc = backend.reduce(dpre, 'sum', 0);
    grads.set('b_enc', dbEnc);
    grads.set('W_enc', backend.matmul(cache.xin, dpre, { transposeA: true, precision }));
    inputSideGrads(backend, c, p, cache, { dbEnc, dbDecOut: dbDecOut!, dxin: () => backend.matmul(dpre, p('W_enc'), { transposeB: true, precision }) }, grads, bag);
    return grads;
  } catch (error) {
    for (const g of grads.values()) g.dispose();
    throw error;
  } finally {
    bag.dispose();
  }
}

/** AuxK's share: its ∂W_dec (through `accumulate`) and ∂pre at the chosen dead latents, as sparse rows. */
function auxPreGrad(backend: Backend, p: ParamLookup, aux: AuxKTerms, accumulate: (name: SaeParamName, g: Tensor) => void, bag: DisposeBag): SparseRows {
  // ∂aux/∂ê = gradScale·(ê − e); ê = S·W_dec with S the chosen dead latents' relu(pre).
  const { selection, error, gradScale } = aux;
  const dEHat = bag.add(backend.mul(error, gradScale));
  accumulate('W_dec', sparseTransposeMatmul(backend, selection, dEHat));
  const dS = bag.add(sampledMatmul(backend, dEHat, p('W_dec'), selection.indices));
  const zero = bag.add(backend.fill([1], 0));
  const dSPre = bag.add(backend.mul(dS, bag.add(backend.greater(selection.values, zero))));
  return { values: dSPre, indices: selection.indices, cols: selection.cols };
}

/** The gradients on the input side: LayerNorm's (from ∂xin), or b_dec's share through xin = x − b_dec. */
function inputSideGrads(
  backend: Backend, c: SaeConfig, p: ParamLookup, cache: VariantCache,
  g: { dbEnc: Tensor; dbDecOut: Tensor; dxin: () => Tensor }, grads: Map<SaeParamName, Tensor>, bag: DisposeBag,
): void {
  if (c.inputNorm) {
    const dxin = bag.add(g.dxin());
    const ln = backend.layerNormGrad(dxin, cache.x, cache.lnStats!.mean, cache.lnStats!.rstd, p('ln.weight'));
    ln.dx.dispose();
    grads.set('ln.weight', ln.dGamma);
    grads.set('ln.bias', ln.dBeta);
    grads.set('b_dec', bag.take(g.dbDecOut));
  } else {
    // b_dec also enters through xin = x − b_dec: minus W_enc·∂b_enc.
    grads.set('b_dec', backend.sub(g.dbDecOut, bag.add(bDecInputTerm(backend, p, g.dbEnc))));
  }
}

/** t₀ + t₁ + …, disposing the terms (the caller owns the sum). */
function sumOf(backend: Backend, terms: Tensor[]): Tensor {
  let total = terms[0]!;
  for (const t of terms.slice(1)) {
    const next = backend.add(total, t);
    total.dispose();
    t.dispose();
    total = next;
  }
  return total;
}

/** ∂loss/∂θ = −(1/ε)·Σ_rows K((pre − θ)/ε) ⊙ (∂z·θ + c), c = ∂penalty/∂(one firing) (see above). */
function thresholdGrad(backend: Backend, c: SaeConfig, theta: Tensor, cache: VariantCache, dz: Tensor, scale: number, bag: DisposeBag): Tensor {
  const eps = c.jumpreluBandwidth;
  const u = bag.add(backend.scale(bag.add(backend.sub(cache.pre, theta)), 1 / eps));
  const kernel = bag.add(backend.greater(bag.add(backend.fill([1], 0.5)), bag.add(backend.abs(u))));
  const rows = cache.x.shape[0]!;
  const lambda = (c.l0Coefficient ?? 0) * scale;
  let perFiring: Tensor;
  if (c.targetL0 === null) {
    perFiring = bag.add(backend.fill([1], lambda / rows));
  } else {
    // d/dL0 of λ(L0/T − 1)² = 2λ(L0/T − 1)/T, and ∂L0/∂(one firing) = 1/B.
    const rel = bag.add(backend.addScalar(bag.add(backend.scale(cache.l0!, 1 / c.targetL0)), -1));
    perFiring = bag.add(backend.scale(rel, (2 * lambda) / (c.targetL0 * rows)));
  }
  const inner = bag.add(backend.add(bag.add(backend.mul(dz, theta)), perFiring));
  return backend.scale(bag.add(backend.reduce(bag.add(backend.mul(kernel, inner)), 'sum', 0)), -1 / eps);
}
