import type { Backend } from '../backend/backend.js';
import type { DisposeBag } from '../backend/dispose-bag.js';
import type { SparseRows, Tensor } from '../backend/tensor.js';
import type { SaeArchitecture } from './architecture.js';

/** Which latents of a batch fire: a 0/1 mask [B, F]. */
export interface LatentSelection {
  mask: Tensor;
  /** BatchTopK in batch mode: the smallest positive kept activation [1] (−1 when none is positive). */
  minKept?: Tensor;
  /** TopK: the chosen entries per row (values act(pre)), the rows the mask was made from. */
  rows?: SparseRows;
}

export interface SelectionInput {
  architecture: SaeArchitecture;
  k: number | null;
  /** pre-activations [B, F] (JumpReLU compares them with its thresholds). */
  pre: Tensor;
  /** act(pre) [B, F]: what TopK-style selections rank. */
  a: Tensor;
  /**
   * 'batch': training's selection (BatchTopK ranks the whole batch). 'threshold': inference,
   * BatchTopK keeps a > θ with its global θ.
   */
  mode: 'batch' | 'threshold';
  /** JumpReLU: θ [F]; BatchTopK in threshold mode: θ [1]. */
  threshold?: Tensor;
}

/**
 * The firing mask of each architecture, composed from the contract's primitives:
 * - topk: per row the k largest |a| (DeepLens);
 * - batchtopk / matryoshka: the k·B largest a over the whole batch (Bussmann et al. 2024), or at
 *   inference a > θ;
 * - jumprelu: pre > θ_j per latent (Rajamanoharan et al. 2024).
 * Every tensor made is owned by `bag`.
 */
export function selectLatents(backend: Backend, s: SelectionInput, bag: DisposeBag): LatentSelection {
  const [rows, cols] = s.pre.shape as [number, number];
  if (s.architecture === 'jumprelu') return { mask: bag.add(backend.greater(s.pre, s.threshold!)) };
  if (s.architecture === 'topk') {
    const sel = backend.topKAbs(s.a, s.k!);
    bag.addSparse(sel);
    const ones = bag.add(backend.fill([rows, s.k!], 1));
    return { mask: bag.add(backend.scatterToDense({ values: ones, indices: sel.indices, cols })), rows: sel };
  }
  if (s.mode === 'threshold') return { mask: bag.add(backend.greater(s.a, s.threshold!)) };
  const total = rows * cols;
  const keep = Math.min(s.k! * rows, total);
  const flat = bag.add(backend.reshape(s.a, [1, total]));
  const sel = bag.addSparse(backend.topKAbs(flat, keep));
  const ones = bag.add(backend.fill([1, keep], 1));
  const flatMask = bag.add(backend.scatterToDense({ values: ones, indices: sel.indices, cols: total }));
  return { mask: bag.add(backend.reshape(flatMask, [rows, cols])), minKept: smallestPositive(backend, sel.values, bag) };
}

/**
 * min over the positive entries of v [1, n] → [1], or −1 when none is positive. With only top-k and
 * elementwise ops at hand: the largest 1/v over v > 0 is 1/min.
 */
function smallestPositive(backend: Backend, v: Tensor, bag: DisposeBag): Tensor {
  const zero = bag.add(backend.fill([1], 0));
  const one = bag.add(backend.fill([1], 1));
  const positive = bag.add(backend.greater(v, zero));
  // Where v ≤ 0 the quotient is replaced before it is used (a safe divisor keeps it finite).
  const safe = bag.add(backend.where(positive, v, one));
  const inverse = bag.add(backend.where(positive, bag.add(backend.div(one, safe)), zero));
  const largest = bag.addSparse(backend.topKAbs(inverse, 1));
  const top = bag.add(backend.reshape(largest.values, [1]));
  const any = bag.add(backend.greater(top, zero));
  const safeTop = bag.add(backend.where(any, top, one));
  return bag.add(backend.where(any, bag.add(backend.div(one, safeTop)), bag.add(backend.fill([1], -1))));
}
