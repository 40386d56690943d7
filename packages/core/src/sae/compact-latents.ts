import type { Backend } from '../backend/backend.js';
import type { DisposeBag } from '../backend/dispose-bag.js';
import type { SparseRows, Tensor } from '../backend/tensor.js';
import { UnsupportedOpError } from '../errors.js';
import { saeArchitecture } from './architecture.js';
import type { SaeConfig } from './sae-config.js';

/**
 * How the variant graph holds the firing latents after the selection:
 * - 'dense': [B, F] tensors throughout (the decoder and its gradients are dense matmuls);
 * - 'sparse': only the firing entries, as sparse rows (`CompactLatents`): the decoder, its gradients
 *   and the encoder's weight gradient touch about B·L0 entries instead of B·F. Needs `readSync`:
 *   the selection is read back and packed on the host each pass;
 * - 'auto': sparse where the backend's tensors are in host memory (`capabilities.hostMemory`: a read
 *   is a copy, not a GPU stall) and the packed entries are at most B·F / SPARSE_WIDTH_RATIO, else dense.
 * Both give the same numbers up to float32 summation order.
 */
export type VariantLayout = 'auto' | 'dense' | 'sparse';

/**
 * Dense beats packed rows once they hold more than this fraction of the [B, F] entries (the wasm
 * backend at d = 1536, F = 6144, B = 128 measured equal at about a third, sparse 4× faster at 1/40).
 */
export const SPARSE_WIDTH_RATIO = 4;

/**
 * The firing latents of a batch as V sparse rows of width w, zero-padded. A batch row with more
 * than w firing latents (BatchTopK gives some rows many times the mean) is split over several
 * rows, so the width follows the mean L0, not the busiest row; `spread` maps them back.
 */
export interface CompactLatents {
  /** z at the entries (0 at padding); indices [V, w]. */
  z: SparseRows;
  /** 1 where the entry fires, 0 at padding, [V, w]. */
  maskAt: Tensor;
  /** The pre-activations at the entries, [V, w] (for the activation's gradient). */
  preAt: Tensor;
  /** Matryoshka: per prefix but the full one, 1 where the entry's latent lies in the prefix, [V, w]. */
  prefixAt: (Tensor | undefined)[];
  /** [V, B]: 1 where packed row v holds entries of batch row b. Undefined: V = B, row for row. */
  spread?: Tensor;
}

export interface CompactInput {
  /** a ⊙ M, [B, F]. */
  z: Tensor;
  /** The selection M, [B, F]. */
  mask: Tensor;
  pre: Tensor;
  /** TopK: the selection's own rows (width k, values a = z there), used as they are. */
  rows?: SparseRows | undefined;
}

/**
 * The selection as packed sparse rows, or undefined where the dense layout is used. Tensors are
 * owned by `bag`.
 */
export function compactLatents(backend: Backend, c: SaeConfig, input: CompactInput, layout: VariantLayout, bag: DisposeBag): CompactLatents | undefined {
  if (layout === 'dense') return undefined;
  const readSync = backend.capabilities.syncRead ? backend.readSync?.bind(backend) : undefined;
  if (!readSync) {
    if (layout === 'sparse') throw new UnsupportedOpError(backend.name, 'readSync', { hint: "the variant graph's sparse layout reads the selection back to pack it; use layout 'dense' or 'auto'" });
    return undefined;
  }
  const auto = layout === 'auto';
  if (auto && !backend.capabilities.hostMemory) return undefined;
  const [rows, f] = input.z.shape as [number, number];
  const prefixes = saeArchitecture(c) === 'matryoshka' ? c.matryoshkaPrefixes!.map((size) => (size < f ? size : undefined)) : [];
  if (input.rows) {
    // TopK: every row holds exactly k entries already.
    const z = input.rows;
    const k = z.values.shape[1]!;
    if (auto && k * SPARSE_WIDTH_RATIO > f) return undefined;
    const indices = prefixes.some((size) => size !== undefined) ? readSync(z.indices) : undefined;
    return {
      z, maskAt: bag.add(backend.gatherCols(input.mask, z.indices)), preAt: bag.add(backend.gatherCols(input.pre, z.indices)),
      prefixAt: prefixes.map((size) => (size === undefined ? undefined : bag.add(backend.fromArray(Float32Array.from(indices!, (i) => (i < size ? 1 : 0)), [rows, k])))),
    };
  }
  const mask = readSync(input.mask);
  const packed = packRows(mask, rows, f);
  if (auto && packed.v * packed.w * SPARSE_WIDTH_RATIO > rows * f) return undefined;
  const z = readSync(input.z);
  const pre = readSync(input.pre);
  const { v, w, source, rowOf } = packed;
  const size = v * w;
  const values = new Float32Array(size);
  const maskAt = new Float32Array(size);
  const preAt = new Float32Array(size);
  const indices = new Int32Array(size);
  const inPrefix = prefixes.map((p) => (p === undefined ? undefined : new Float32Array(size)));
  for (let e = 0; e < size; e++) {
    const at = source[e]!;
    if (at < 0) continue;
    const col = at % f;
    values[e] = z[at]!;
    maskAt[e] = 1;
    preAt[e] = pre[at]!;
    indices[e] = col;
    inPrefix.forEach((flags, m) => {
      if (flags && col < prefixes[m]!) flags[e] = 1;
    });
  }
  const spread = new Float32Array(v * rows);
  for (let r = 0; r < v; r++) spread[r * rows + rowOf[r]!] = 1;
  return {
    z: { values: bag.add(backend.fromArray(values, [v, w])), indices: bag.add(backend.fromArray(indices, [v, w], 'int32')), cols: f },
    maskAt: bag.add(backend.fromArray(maskAt, [v, w])),
    preAt: bag.add(backend.fromArray(preAt, [v, w])),
    prefixAt: inPrefix.map((flags) => (flags ? bag.add(backend.fromArray(flags, [v, w])) : undefined)),
    spread: bag.add(backend.fromArray(spread, [v, rows])),
  };
}

/**
 * Where each packed entry comes from: rows of width w = the mean firing count (at least 1), a
 * batch row with n firing latents taking ⌈n / w⌉ of them; `source[e]` the flat [B, F] position
 * of entry e (−1: padding), `rowOf[r]` the batch row of packed row r. A batch with nothing firing
 * still gets one (empty) row.
 */
export function packRows(mask: Float32Array | Int32Array, rows: number, f: number): { v: number; w: number; source: Int32Array; rowOf: Int32Array } {
  const counts = new Int32Array(rows);
  let total = 0;
  for (let r = 0; r < rows; r++) {
    let n = 0;
    for (let j = r * f; j < (r + 1) * f; j++) if (mask[j] !== 0) n++;
    counts[r] = n;
    total += n;
  }
  const w = Math.max(1, Math.ceil(total / rows));
  let v = 0;
  for (const n of counts) v += Math.ceil(n / w);
  v = Math.max(v, 1);
  const source = new Int32Array(v * w).fill(-1);
  const rowOf = new Int32Array(v);
  let e = 0;
  let packedRow = 0;
  for (let r = 0; r < rows; r++) {
    if (counts[r] === 0) continue;
    const first = packedRow;
    packedRow += Math.ceil(counts[r]! / w);
    rowOf.fill(r, first, packedRow);
    e = first * w;
    for (let j = r * f; j < (r + 1) * f; j++) if (mask[j] !== 0) source[e++] = j;
  }
  return { v, w, source, rowOf };
}

/** t [B, n] as the packed rows see it (each packed row gets its batch row's), into `bag`; t itself without `spread`. */
export function toPackedRows(backend: Backend, compact: CompactLatents, t: Tensor, bag: DisposeBag): Tensor {
  return compact.spread ? bag.add(backend.matmul(compact.spread, t)) : t;
}

/** Packed rows' [V, n] summed into their batch rows → [B, n], into `bag`; t itself without `spread`. */
export function fromPackedRows(backend: Backend, compact: CompactLatents, t: Tensor, bag: DisposeBag): Tensor {
  return compact.spread ? bag.add(backend.matmul(compact.spread, t, { transposeA: true })) : t;
}
