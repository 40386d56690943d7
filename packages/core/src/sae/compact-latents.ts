import type { Backend } from '../backend/backend.js';
import type { DisposeBag } from '../backend/dispose-bag.js';
import type { SparseRows, Tensor } from '../backend/tensor.js';
import { UnsupportedOpError } from '../errors.js';
import { saeArchitecture } from './architecture.js';
import type { SaeConfig } from './sae-config.js';

/**
 * How the variant graph holds the firing latents after the selection:
 * - 'dense': [B, F] tensors throughout (the decoder and its gradients are dense matmuls);
 * - 'sparse': rows of the firing entries only (`CompactLatents`): the decoder, its gradients and the
 *   encoder's weight gradient touch B·w entries instead of B·F. Needs `readSync` (the width w, the
 *   most latents any row fires, is read once per pass);
 * - 'auto': sparse where the backend's tensors are in host memory (`capabilities.hostMemory`: a read
 *   is a copy, not a GPU stall) and w ≤ F / SPARSE_WIDTH_RATIO, else dense.
 * Both give the same numbers up to float32 summation order.
 */
export type VariantLayout = 'auto' | 'dense' | 'sparse';

/**
 * Dense beats sparse rows once a row holds more than this fraction of the dictionary (the wasm
 * backend at d = 1536, F = 6144, B = 128 measured equal at w ≈ F/3, sparse 4× faster at w ≈ F/40).
 */
export const SPARSE_WIDTH_RATIO = 4;

/** The firing latents of a batch as sparse rows of width w, zero-padded where a row fires fewer. */
export interface CompactLatents {
  /** z at the entries (0 at padding); indices [B, w]. */
  z: SparseRows;
  /** 1 where the entry fires, 0 at padding, [B, w]. */
  maskAt: Tensor;
  /** The pre-activations at the entries, [B, w] (for the activation's gradient). */
  preAt: Tensor;
  /** Matryoshka: per prefix but the full one, 1 where the entry's latent lies in the prefix, [B, w]. */
  prefixAt: (Tensor | undefined)[];
}

export interface CompactInput {
  /** a ⊙ M, [B, F]. */
  z: Tensor;
  /** The selection M, [B, F]. */
  mask: Tensor;
  pre: Tensor;
  /** TopK: the selection's own rows (width k, values a = z there), reused instead of ranking z again. */
  rows?: SparseRows | undefined;
}

/**
 * The selection as sparse rows, or undefined where the dense layout is used. Every row's firing
 * entries are among its w largest |z| (w = the most any row fires), so topKAbs(z, w) holds them all;
 * the padding (z = 0) gets maskAt 0, so no gradient flows through it. Tensors are owned by `bag`.
 */
export function compactLatents(backend: Backend, c: SaeConfig, input: CompactInput, layout: VariantLayout, bag: DisposeBag): CompactLatents | undefined {
  if (layout === 'dense') return undefined;
  const readSync = backend.capabilities.syncRead ? backend.readSync?.bind(backend) : undefined;
  if (!readSync) {
    if (layout === 'sparse') throw new UnsupportedOpError(backend.name, 'readSync', { hint: "the variant graph's sparse layout reads the row width synchronously; use layout 'dense' or 'auto'" });
    return undefined;
  }
  const [rows, f] = input.z.shape as [number, number];
  let width: number;
  if (input.rows) {
    width = input.rows.values.shape[1]!;
  } else {
    const counts = bag.add(backend.reduce(input.mask, 'sum', 1));
    width = 1;
    for (const n of readSync(counts)) width = Math.max(width, Math.round(n));
    bag.release(counts);
  }
  if (layout === 'auto' && (!backend.capabilities.hostMemory || width * SPARSE_WIDTH_RATIO > f)) return undefined;
  const z = input.rows ?? bag.addSparse(backend.topKAbs(input.z, width));
  const compact: CompactLatents = {
    z,
    maskAt: bag.add(backend.gatherCols(input.mask, z.indices)),
    preAt: bag.add(backend.gatherCols(input.pre, z.indices)),
    prefixAt: [],
  };
  if (saeArchitecture(c) === 'matryoshka') {
    const indices = readSync(z.indices);
    for (const size of c.matryoshkaPrefixes!) {
      if (size >= f) {
        compact.prefixAt.push(undefined);
        continue;
      }
      const inPrefix = new Float32Array(indices.length);
      for (let i = 0; i < indices.length; i++) inPrefix[i] = indices[i]! < size ? 1 : 0;
      compact.prefixAt.push(bag.add(backend.fromArray(inPrefix, [rows, width])));
    }
  }
  return compact;
}
