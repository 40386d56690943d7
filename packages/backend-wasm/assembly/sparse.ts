// The TopK sparse products: only the k active latents of each row are touched.
import { madd } from './gemm';

/**
 * The four offsets subtracted from a row's lanes at byte o: off[o..o+4] when off ≠ 0 (each
 * difference is then rounded to float32 as a separate subtraction would be), else zeros (x − 0 = x exactly).
 */
// @ts-ignore: decorator
@inline
function shift(off: usize, o: usize): v128 {
  return off ? v128.load(off + o) : f32x4.splat(0);
}

/** dst[0:n] += a·(src[0:n] − off[0:n]); off = 0: no shift. */
// @ts-ignore: decorator
@inline
function axpy(dst: usize, src: usize, off: usize, a: f32, n: i32): void {
  const av = f32x4.splat(a);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(dst + o, madd(av, f32x4.sub(v128.load(src + o), shift(off, o)), v128.load(dst + o)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(dst + o, load<f32>(dst + o) + a * (load<f32>(src + o) - (off ? load<f32>(off + o) : 0)));
  }
}

/**
 * dst[0:n] += Σ v_i·(s_i − off) over four rows (off = 0: no shift), skipping any zero v_i: a zero
 * entry is structural (TopK keeps exact zeros when fewer than k latents fire), so an Inf or NaN in
 * its row must not leak in. With all four non-zero, dst is read and written once per four rows and
 * four independent row reads are in flight (these products wait on memory).
 */
// @ts-ignore: decorator
@inline
function accumulate4(dst: usize, s0: usize, s1: usize, s2: usize, s3: usize, off: usize, v0: f32, v1: f32, v2: f32, v3: f32, n: i32): void {
  if (v0 == 0 || v1 == 0 || v2 == 0 || v3 == 0) {
    if (v0 != 0) axpy(dst, s0, off, v0, n);
    if (v1 != 0) axpy(dst, s1, off, v1, n);
    if (v2 != 0) axpy(dst, s2, off, v2, n);
    if (v3 != 0) axpy(dst, s3, off, v3, n);
    return;
  }
  const a0 = f32x4.splat(v0), a1 = f32x4.splat(v1), a2 = f32x4.splat(v2), a3 = f32x4.splat(v3);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const ov = shift(off, o);
    let acc = madd(a0, f32x4.sub(v128.load(s0 + o), ov), v128.load(dst + o));
    acc = madd(a1, f32x4.sub(v128.load(s1 + o), ov), acc);
    acc = madd(a2, f32x4.sub(v128.load(s2 + o), ov), acc);
    v128.store(dst + o, madd(a3, f32x4.sub(v128.load(s3 + o), ov), acc));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const ov: f32 = off ? load<f32>(off + o) : 0;
    store<f32>(dst + o, load<f32>(dst + o) + v0 * (load<f32>(s0 + o) - ov) + v1 * (load<f32>(s1 + o) - ov) + v2 * (load<f32>(s2 + o) - ov) + v3 * (load<f32>(s3 + o) - ov));
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

/** out[0..4] = ⟨a, b0⟩ … ⟨a, b3⟩ over n floats: a is read once for four rows of W. */
// @ts-ignore: decorator
@inline
function dot4(a: usize, b0: usize, b1: usize, b2: usize, b3: usize, n: i32, out: usize): void {
  let c0 = f32x4.splat(0), c1 = c0, c2 = c0, c3 = c0;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const av = v128.load(a + o);
    c0 = madd(av, v128.load(b0 + o), c0);
    c1 = madd(av, v128.load(b1 + o), c1);
    c2 = madd(av, v128.load(b2 + o), c2);
    c3 = madd(av, v128.load(b3 + o), c3);
  }
  let s0 = f32x4.extract_lane(c0, 0) + f32x4.extract_lane(c0, 1) + f32x4.extract_lane(c0, 2) + f32x4.extract_lane(c0, 3);
  let s1 = f32x4.extract_lane(c1, 0) + f32x4.extract_lane(c1, 1) + f32x4.extract_lane(c1, 2) + f32x4.extract_lane(c1, 3);
  let s2 = f32x4.extract_lane(c2, 0) + f32x4.extract_lane(c2, 1) + f32x4.extract_lane(c2, 2) + f32x4.extract_lane(c2, 3);
  let s3 = f32x4.extract_lane(c3, 0) + f32x4.extract_lane(c3, 1) + f32x4.extract_lane(c3, 2) + f32x4.extract_lane(c3, 3);
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const x = load<f32>(a + o);
    s0 += x * load<f32>(b0 + o);
    s1 += x * load<f32>(b1 + o);
    s2 += x * load<f32>(b2 + o);
    s3 += x * load<f32>(b3 + o);
  }
  store<f32>(out, s0);
  store<f32>(out, s1, 4);
  store<f32>(out, s2, 8);
  store<f32>(out, s3, 12);
}

/** out[r] = ⟨a[r, :], x⟩ for rows [r0, r1) of a [rows, n] (matrix · vector). */
export function matvec(a: usize, x: usize, n: i32, out: usize, r0: i32, r1: i32): void {
  for (let r = r0; r < r1; r++) store<f32>(out + (<usize>r << 2), dot(a + (<usize>r * n << 2), x, n));
}

/** out[r, :] = Σ_j values[r, j] · W[indices[r, j], :] for r in [r0, r1); W [cols, n], out [rows, n]. */
export function sparse_matmul(values: usize, indices: usize, k: i32, w: usize, n: i32, out: usize, r0: i32, r1: i32): void {
  memory.fill(out + (<usize>r0 * n << 2), 0, <usize>(r1 - r0) * n << 2);
  const rowBytes = <usize>n << 2;
  for (let r = r0; r < r1; r++) {
    const o = out + <usize>r * rowBytes;
    const e0 = <usize>r * k;
    let j = 0;
    for (; j + 4 <= k; j += 4) {
      const e = (e0 + j) << 2;
      const va = load<f32>(values + e), vb = load<f32>(values + e, 4), vc = load<f32>(values + e, 8), vd = load<f32>(values + e, 12);
      const wa = w + <usize>load<i32>(indices + e) * rowBytes, wb = w + <usize>load<i32>(indices + e, 4) * rowBytes;
      const wc = w + <usize>load<i32>(indices + e, 8) * rowBytes, wd = w + <usize>load<i32>(indices + e, 12) * rowBytes;
      accumulate4(o, wa, wb, wc, wd, 0, va, vb, vc, vd, n);
    }
    for (; j < k; j++) {
      const e = (e0 + j) << 2;
      const v = load<f32>(values + e);
      if (v == 0) continue;
      axpy(o, w + <usize>load<i32>(indices + e) * rowBytes, 0, v, n);
    }
  }
}

/** out[r, j] = ⟨a[r, :], W[indices[r, j], :]⟩ for r in [r0, r1); a [rows, n], W [cols, n]. */
export function sampled_matmul(a: usize, indices: usize, k: i32, w: usize, n: i32, out: usize, r0: i32, r1: i32): void {
  const rowBytes = <usize>n << 2;
  for (let r = r0; r < r1; r++) {
    const ar = a + <usize>r * rowBytes;
    const e0 = <usize>r * k;
    let j = 0;
    for (; j + 4 <= k; j += 4) {
      const e = (e0 + j) << 2;
      dot4(
        ar,
        w + <usize>load<i32>(indices + e) * rowBytes, w + <usize>load<i32>(indices + e, 4) * rowBytes,
        w + <usize>load<i32>(indices + e, 8) * rowBytes, w + <usize>load<i32>(indices + e, 12) * rowBytes,
        n, out + e,
      );
    }
    for (; j < k; j++) {
      const e = (e0 + j) << 2;
      store<f32>(out + e, dot(ar, w + <usize>load<i32>(indices + e) * rowBytes, n));
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
 * spᵀ·(y − yOffset) (yOffset 0: spᵀ·y; else a [n] row subtracted from every row of y) for output rows f in [f0, f1) of out [cols, n] (transposeOut: columns f of
 * out [n, cols]), from the column grouping of sparse_by_column: each output row is summed in
 * scratch (16 rows × n floats per thread) and written once, transposed 16 columns (a cache line) at a time when
 * asked, so the result needs neither zero-filling nor a separate transpose.
 */
export function sparse_transpose_matmul(
  values: usize, order: usize, offsets: usize, k: i32, y: usize, yOffset: usize, n: i32, out: usize, cols: i32, transposeOut: i32,
  scratch: usize, f0: i32, f1: i32,
): void {
  const rowBytes = <usize>n << 2;
  for (let fb = f0; fb < f1; fb += 16) {
    const cnt = min(16, f1 - fb);
    memory.fill(scratch, 0, <usize>cnt * rowBytes);
    for (let q = 0; q < cnt; q++) {
      const acc = scratch + <usize>q * rowBytes;
      const e1 = load<i32>(offsets + (<usize>(fb + q + 1) << 2));
      let t = load<i32>(offsets + (<usize>(fb + q) << 2));
      for (; t + 4 <= e1; t += 4) {
        const o = order + (<usize>t << 2);
        const ea = load<i32>(o), eb = load<i32>(o, 4), ec = load<i32>(o, 8), ed = load<i32>(o, 12);
        const va = load<f32>(values + (<usize>ea << 2)), vb = load<f32>(values + (<usize>eb << 2));
        const vc = load<f32>(values + (<usize>ec << 2)), vd = load<f32>(values + (<usize>ed << 2));
        const ya = y + <usize>(ea / k) * rowBytes, yb = y + <usize>(eb / k) * rowBytes;
        const yc = y + <usize>(ec / k) * rowBytes, yd = y + <usize>(ed / k) * rowBytes;
        accumulate4(acc, ya, yb, yc, yd, yOffset, va, vb, vc, vd, n);
      }
      for (; t < e1; t++) {
        const e = load<i32>(order + (<usize>t << 2));
        const v = load<f32>(values + (<usize>e << 2));
        if (v == 0) continue;
        axpy(acc, y + <usize>(e / k) * rowBytes, yOffset, v, n);
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
