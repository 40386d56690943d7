// WebAssembly SIMD kernels for @deeplens/backend-wasm, compiled by AssemblyScript (asc).
// Every pointer is a byte offset into the one shared memory; matrices are row-major float32.
// Kernels that take [r0, r1) compute only those output rows, so worker threads can split a call.

// Depth and row blocking of the matmul: a KC×8 strip of B stays in L1, an MC×KC block of A in L2.
const KC: i32 = 256;
const MC: i32 = 64;

/**
 * Copy B [k, n] into panels of 8 columns, panel-major: panel q holds B[p, 8q .. 8q+8) for every p,
 * contiguous, so the micro-kernel streams it instead of striding through B's rows. Columns past
 * the last full panel are not packed (the matmul reads them from B).
 */
export function pack_b(b: usize, k: i32, n: i32, packed: usize): void {
  const panels = n >> 3;
  for (let q = 0; q < panels; q++) {
    let dst = packed + ((<usize>q * k) << 5);
    let src = b + (<usize>q << 5);
    for (let p = 0; p < k; p++) {
      v128.store(dst, v128.load(src));
      v128.store(dst, v128.load(src, 16), 16);
      dst += 32;
      src += <usize>n << 2;
    }
  }
}

/**
 * C[r0:r1, :] = A[r0:r1, :] · B with A [m, k], B [k, n] and `packed` = pack_b(B). C rows r0..r1
 * are overwritten.
 */
export function matmul(a: usize, b: usize, packed: usize, c: usize, m: i32, k: i32, n: i32, r0: i32, r1: i32): void {
  memory.fill(c + (<usize>r0 * <usize>n << 2), 0, <usize>(r1 - r0) * <usize>n << 2);
  const n8 = n & ~7;
  for (let p0 = 0; p0 < k; p0 += KC) {
    const p1 = min(k, p0 + KC);
    for (let i0 = r0; i0 < r1; i0 += MC) {
      const i1 = min(r1, i0 + MC);
      for (let j = 0; j < n8; j += 8) {
        let i = i0;
        const panel = packed + ((<usize>(j >> 3) * k) << 5);
        for (; i + 4 <= i1; i += 4) kernel4x8(a, panel, c, k, n, i, j, p0, p1);
        for (; i < i1; i++) kernel1x8(a, panel, c, k, n, i, j, p0, p1);
      }
      for (let i = i0; i < i1; i++) {
        for (let j = n8; j < n; j++) {
          let s: f32 = load<f32>(c + ((<usize>i * n + j) << 2));
          for (let p = p0; p < p1; p++) s += load<f32>(a + ((<usize>i * k + p) << 2)) * load<f32>(b + ((<usize>p * n + j) << 2));
          store<f32>(c + ((<usize>i * n + j) << 2), s);
        }
      }
    }
  }
}

// @ts-ignore: decorator
@inline
function kernel4x8(a: usize, panel: usize, c: usize, k: i32, n: i32, i: i32, j: i32, p0: i32, p1: i32): void {
  const c0 = c + ((<usize>i * n + j) << 2);
  const c1 = c0 + (<usize>n << 2);
  const c2 = c1 + (<usize>n << 2);
  const c3 = c2 + (<usize>n << 2);
  let x00 = v128.load(c0), x01 = v128.load(c0, 16);
  let x10 = v128.load(c1), x11 = v128.load(c1, 16);
  let x20 = v128.load(c2), x21 = v128.load(c2, 16);
  let x30 = v128.load(c3), x31 = v128.load(c3, 16);
  let pa = a + ((<usize>i * k + p0) << 2);
  const ka = <usize>k << 2;
  let pb = panel + (<usize>p0 << 5);
  for (let p = p0; p < p1; p++) {
    const b0 = v128.load(pb);
    const b1 = v128.load(pb, 16);
    const a0 = f32x4.splat(load<f32>(pa));
    const a1 = f32x4.splat(load<f32>(pa + ka));
    const a2 = f32x4.splat(load<f32>(pa + 2 * ka));
    const a3 = f32x4.splat(load<f32>(pa + 3 * ka));
    x00 = f32x4.add(x00, f32x4.mul(a0, b0)); x01 = f32x4.add(x01, f32x4.mul(a0, b1));
    x10 = f32x4.add(x10, f32x4.mul(a1, b0)); x11 = f32x4.add(x11, f32x4.mul(a1, b1));
    x20 = f32x4.add(x20, f32x4.mul(a2, b0)); x21 = f32x4.add(x21, f32x4.mul(a2, b1));
    x30 = f32x4.add(x30, f32x4.mul(a3, b0)); x31 = f32x4.add(x31, f32x4.mul(a3, b1));
    pa += 4;
    pb += 32;
  }
  v128.store(c0, x00); v128.store(c0, x01, 16);
  v128.store(c1, x10); v128.store(c1, x11, 16);
  v128.store(c2, x20); v128.store(c2, x21, 16);
  v128.store(c3, x30); v128.store(c3, x31, 16);
}

// @ts-ignore: decorator
@inline
function kernel1x8(a: usize, panel: usize, c: usize, k: i32, n: i32, i: i32, j: i32, p0: i32, p1: i32): void {
  const c0 = c + ((<usize>i * n + j) << 2);
  let x0 = v128.load(c0), x1 = v128.load(c0, 16);
  let pa = a + ((<usize>i * k + p0) << 2);
  let pb = panel + (<usize>p0 << 5);
  for (let p = p0; p < p1; p++) {
    const av = f32x4.splat(load<f32>(pa));
    x0 = f32x4.add(x0, f32x4.mul(av, v128.load(pb)));
    x1 = f32x4.add(x1, f32x4.mul(av, v128.load(pb, 16)));
    pa += 4;
    pb += 32;
  }
  v128.store(c0, x0);
  v128.store(c0, x1, 16);
}

/** dst[0:n] += alpha · src[0:n]. */
// @ts-ignore: decorator
@inline
function axpy(dst: usize, src: usize, alpha: f32, n: i32): void {
  const av = f32x4.splat(alpha);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(dst + o, f32x4.add(v128.load(dst + o), f32x4.mul(av, v128.load(src + o))));
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
    acc = f32x4.add(acc, f32x4.mul(v128.load(a + o), v128.load(b + o)));
  }
  let s = f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) + f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3);
  for (; i < n; i++) s += load<f32>(a + (<usize>i << 2)) * load<f32>(b + (<usize>i << 2));
  return s;
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

/** out[f, :] += values[r, j] · y[r, :] with f = indices[r, j]; out [cols, n] zeroed first. */
export function sparse_transpose_matmul(values: usize, indices: usize, rows: i32, k: i32, y: usize, n: i32, out: usize, cols: i32): void {
  memory.fill(out, 0, <usize>cols * n << 2);
  for (let r = 0; r < rows; r++) {
    const yr = y + (<usize>r * n << 2);
    for (let j = 0; j < k; j++) {
      const e = (<usize>r * k + j) << 2;
      const v = load<f32>(values + e);
      if (v == 0) continue;
      axpy(out + (<usize>load<i32>(indices + e) * n << 2), yr, v, n);
    }
  }
}

/** out[r, :] = x[r, :] + alpha · v for r in [r0, r1); x, out [rows, n]. */
export function add_row_vector(x: usize, v: usize, alpha: f32, n: i32, out: usize, r0: i32, r1: i32): void {
  const av = f32x4.splat(alpha);
  for (let r = r0; r < r1; r++) {
    const xr = x + (<usize>r * n << 2);
    const orow = out + (<usize>r * n << 2);
    let i = 0;
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      v128.store(orow + o, f32x4.add(v128.load(xr + o), f32x4.mul(av, v128.load(v + o))));
    }
    for (; i < n; i++) store<f32>(orow + (<usize>i << 2), load<f32>(xr + (<usize>i << 2)) + alpha * load<f32>(v + (<usize>i << 2)));
  }
}

/** out = relu(x) over rows [r0, r1) of [rows, n]; NaN stays NaN (so divergence is detected). */
export function relu(x: usize, n: i32, out: usize, r0: i32, r1: i32): void {
  const zero = f32x4.splat(0);
  const start = <usize>r0 * n, end = <usize>r1 * n;
  let i = start;
  for (; i + 4 <= end; i += 4) {
    const o = i << 2;
    const vx = v128.load(x + o);
    // max(x, 0) but keep NaN lanes: select x where x > 0 or x is NaN (x != x)
    const keep = v128.or(f32x4.gt(vx, zero), f32x4.ne(vx, vx));
    v128.store(out + o, v128.bitselect(vx, zero, keep));
  }
  for (; i < end; i++) {
    const v = load<f32>(x + (i << 2));
    store<f32>(out + (i << 2), v > 0 || v != v ? v : 0);
  }
}

/**
 * Per row r in [r0, r1) of x [rows, cols]: the k entries of largest |x| (signed values, column
 * indices) into values/indices [rows, k]. Quickselect on a per-row scratch copy of |x| (NaN counts as
 * +Inf), then one pass takes everything above the threshold and fills ties in column order.
 * `scratch` holds 2·cols floats per thread slice: callers pass a distinct scratch per slice.
 */
export function top_k_abs(x: usize, cols: i32, k: i32, values: usize, indices: usize, scratch: usize, r0: i32, r1: i32): void {
  const mags = scratch;
  const work = scratch + (<usize>cols << 2);
  for (let r = r0; r < r1; r++) {
    const xr = x + (<usize>r * cols << 2);
    for (let c = 0; c < cols; c++) {
      let v = abs<f32>(load<f32>(xr + (<usize>c << 2)));
      if (v != v) v = Infinity;
      store<f32>(mags + (<usize>c << 2), v);
    }
    memory.copy(work, mags, <usize>cols << 2);
    const thr = select_kth(work, cols, cols - k);
    let taken = 0;
    const vo = values + (<usize>r * k << 2);
    const io = indices + (<usize>r * k << 2);
    for (let c = 0; c < cols && taken < k; c++) {
      if (load<f32>(mags + (<usize>c << 2)) > thr) {
        store<f32>(vo + (<usize>taken << 2), load<f32>(xr + (<usize>c << 2)));
        store<i32>(io + (<usize>taken << 2), c);
        taken++;
      }
    }
    for (let c = 0; c < cols && taken < k; c++) {
      if (load<f32>(mags + (<usize>c << 2)) == thr) {
        store<f32>(vo + (<usize>taken << 2), load<f32>(xr + (<usize>c << 2)));
        store<i32>(io + (<usize>taken << 2), c);
        taken++;
      }
    }
  }
}

/** Value at position nth (0-based) of a[0:len] if it were sorted ascending; reorders a. */
function select_kth(a: usize, len: i32, nth: i32): f32 {
  let lo = 0;
  let hi = len - 1;
  while (hi > lo) {
    const mid = (lo + hi) >>> 1;
    let x = load<f32>(a + (<usize>lo << 2)), y = load<f32>(a + (<usize>mid << 2)), z = load<f32>(a + (<usize>hi << 2));
    if (x > y) { const t = x; x = y; y = t; }
    if (y > z) { const t = y; y = z; z = t; }
    if (x > y) { const t = x; x = y; y = t; }
    const pivot = y;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (load<f32>(a + (<usize>i << 2)) < pivot) i++;
      while (load<f32>(a + (<usize>j << 2)) > pivot) j--;
      if (i <= j) {
        const t = load<f32>(a + (<usize>i << 2));
        store<f32>(a + (<usize>i << 2), load<f32>(a + (<usize>j << 2)));
        store<f32>(a + (<usize>j << 2), t);
        i++;
        j--;
      }
    }
    if (nth <= j) hi = j;
    else if (nth >= i) lo = i;
    else return load<f32>(a + (<usize>nth << 2));
  }
  return load<f32>(a + (<usize>nth << 2));
}

/** dst [cols, rows] = transpose of src [rows, cols], for source rows [r0, r1), in 32×32 tiles. */
export function transpose(src: usize, rows: i32, cols: i32, dst: usize, r0: i32, r1: i32): void {
  for (let rb = r0; rb < r1; rb += 32) {
    const re = min(r1, rb + 32);
    for (let cb = 0; cb < cols; cb += 32) {
      const ce = min(cols, cb + 32);
      for (let r = rb; r < re; r++) {
        const s = src + (<usize>r * cols << 2);
        for (let c = cb; c < ce; c++) store<f32>(dst + ((<usize>c * rows + r) << 2), load<f32>(s + (<usize>c << 2)));
      }
    }
  }
}
