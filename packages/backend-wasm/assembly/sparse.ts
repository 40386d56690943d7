// The TopK sparse products: only the k active latents of each row are touched.
import { madd } from './gemm';

/** dst[0:n] += alpha · src[0:n]. */
// @ts-ignore: decorator
@inline
function axpy(dst: usize, src: usize, alpha: f32, n: i32): void {
  const av = f32x4.splat(alpha);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(dst + o, madd(av, v128.load(src + o), v128.load(dst + o)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(dst + o, load<f32>(dst + o) + alpha * load<f32>(src + o));
  }
}

/** Σ a[0:n]·b[0:n]. */
// @ts-ignore: decorator
@inline
function dot(a: usize, b: usize, n: i32): f32 {
  let acc = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    acc = madd(v128.load(a + o), v128.load(b + o), acc);
  }
  let s = f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) + f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3);
  for (; i < n; i++) s += load<f32>(a + (<usize>i << 2)) * load<f32>(b + (<usize>i << 2));
  return s;
}

/** out[r] = ⟨a[r, :], x⟩ for rows [r0, r1) of a [rows, n] (matrix · vector). */
export function matvec(a: usize, x: usize, n: i32, out: usize, r0: i32, r1: i32): void {
  for (let r = r0; r < r1; r++) store<f32>(out + (<usize>r << 2), dot(a + (<usize>r * n << 2), x, n));
}

/** out[r, :] = Σ_j values[r, j] · W[indices[r, j], :] for r in [r0, r1); W [cols, n], out [rows, n]. */
export function sparse_matmul(values: usize, indices: usize, k: i32, w: usize, n: i32, out: usize, r0: i32, r1: i32): void {
  memory.fill(out + (<usize>r0 * n << 2), 0, <usize>(r1 - r0) * n << 2);
  for (let r = r0; r < r1; r++) {
    const o = out + (<usize>r * n << 2);
    for (let j = 0; j < k; j++) {
      const e = (<usize>r * k + j) << 2;
      const v = load<f32>(values + e);
      if (v == 0) continue;
      axpy(o, w + (<usize>load<i32>(indices + e) * n << 2), v, n);
    }
  }
}

/** out[r, j] = ⟨a[r, :], W[indices[r, j], :]⟩ for r in [r0, r1); a [rows, n], W [cols, n]. */
export function sampled_matmul(a: usize, indices: usize, k: i32, w: usize, n: i32, out: usize, r0: i32, r1: i32): void {
  for (let r = r0; r < r1; r++) {
    const ar = a + (<usize>r * n << 2);
    for (let j = 0; j < k; j++) {
      const e = (<usize>r * k + j) << 2;
      store<f32>(out + e, dot(ar, w + (<usize>load<i32>(indices + e) * n << 2), n));
    }
  }
}

/**
 * Group the rows·k entries by column (counting sort): offsets [cols + 1] gets each column's start
 * in `order`, and order lists the flat entry positions r·k + j column by column, rows ascending.
 */
export function sparse_by_column(indices: usize, entries: i32, cols: i32, offsets: usize, order: usize): void {
  memory.fill(offsets, 0, <usize>(cols + 1) << 2);
  for (let e = 0; e < entries; e++) {
    const o = offsets + (<usize>(load<i32>(indices + (<usize>e << 2)) + 1) << 2);
    store<i32>(o, load<i32>(o) + 1);
  }
  for (let f = 0; f < cols; f++) {
    const o = offsets + (<usize>(f + 1) << 2);
    store<i32>(o, load<i32>(o) + load<i32>(o - 4));
  }
  // Fill using offsets[f] as a cursor, then shift the cursors back into starts.
  for (let e = 0; e < entries; e++) {
    const o = offsets + (<usize>load<i32>(indices + (<usize>e << 2)) << 2);
    const pos = load<i32>(o);
    store<i32>(order + (<usize>pos << 2), e);
    store<i32>(o, pos + 1);
  }
  for (let f = cols; f > 0; f--) store<i32>(offsets + (<usize>f << 2), load<i32>(offsets + (<usize>(f - 1) << 2)));
  store<i32>(offsets, 0);
}

/**
 * spᵀ·y for output rows f in [f0, f1) of out [cols, n] (transposeOut: columns f of
 * out [n, cols]), from the column grouping of sparse_by_column: each output row is summed in
 * scratch (16 rows × n floats per thread) and written once, transposed 16 columns (a cache line) at a time when
 * asked, so the result needs neither zero-filling nor a separate transpose.
 */
export function sparse_transpose_matmul(
  values: usize, order: usize, offsets: usize, k: i32, y: usize, n: i32, out: usize, cols: i32, transposeOut: i32,
  scratch: usize, f0: i32, f1: i32,
): void {
  const rowBytes = <usize>n << 2;
  for (let fb = f0; fb < f1; fb += 16) {
    const cnt = min(16, f1 - fb);
    memory.fill(scratch, 0, <usize>cnt * rowBytes);
    for (let q = 0; q < cnt; q++) {
      const acc = scratch + <usize>q * rowBytes;
      const e1 = load<i32>(offsets + (<usize>(fb + q + 1) << 2));
      for (let t = load<i32>(offsets + (<usize>(fb + q) << 2)); t < e1; t++) {
        const e = load<i32>(order + (<usize>t << 2));
        const v = load<f32>(values + (<usize>e << 2));
        if (v == 0) continue;
        axpy(acc, y + <usize>(e / k) * rowBytes, v, n);
      }
    }
    if (!transposeOut) {
      memory.copy(out + <usize>fb * rowBytes, scratch, <usize>cnt * rowBytes);
      continue;
    }
    // out[p, fb + q] = acc[q][p]: 4×4 blocks of four 4-row groups, stored 16 columns at a time.
    const colBytes = <usize>cols << 2;
    let p = 0;
    if (cnt == 16) {
      for (; p + 4 <= n; p += 4) {
        const src = scratch + (<usize>p << 2);
        const d0 = out + <usize>p * colBytes + (<usize>fb << 2);
        for (let h = 0; h < 4; h++) {
          const s0 = src + <usize>(4 * h) * rowBytes;
          const r0 = v128.load(s0), r1 = v128.load(s0 + rowBytes), r2 = v128.load(s0 + 2 * rowBytes), r3 = v128.load(s0 + 3 * rowBytes);
          const t0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5);
          const t1 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5);
          const t2 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7);
          const t3 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
          const dh = d0 + (<usize>h << 4);
          v128.store(dh, v128.shuffle<f32>(t0, t1, 0, 1, 4, 5));
          v128.store(dh + colBytes, v128.shuffle<f32>(t0, t1, 2, 3, 6, 7));
          v128.store(dh + 2 * colBytes, v128.shuffle<f32>(t2, t3, 0, 1, 4, 5));
          v128.store(dh + 3 * colBytes, v128.shuffle<f32>(t2, t3, 2, 3, 6, 7));
        }
      }
    }
    for (; p < n; p++) {
      for (let q = 0; q < cnt; q++) store<f32>(out + <usize>p * colBytes + (<usize>(fb + q) << 2), load<f32>(scratch + <usize>q * rowBytes + (<usize>p << 2)));
    }
  }
}
