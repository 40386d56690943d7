// The TopK encoder screened in 16-bit integers: pre = x·W + bias is first computed from int16
// copies of x and W (i32x4.dot_i16x8_s multiplies eight int16 pairs per instruction — measured
// 1.5× the f32 FMA micro-kernel in V8), each value with a rigorous bound on its distance from
// the exact product. Only columns whose upper bound reaches the k-th largest lower bound of their
// row can be in the row's top-k; those few are recomputed exactly in float32 and the selection
// (core's rule, ties by the lower column) runs on them. The result is the exact top-k, not an
// approximation: a column is dropped only when k others are provably larger.
// Rows the screen cannot settle (a k-th lower bound ≤ 0 — fewer than k surely positive ReLU
// values, where zero ties are broken by column — too many candidates, non-finite input) are
// encoded in float32 instead. ReLU and SiLU (ranked by |silu|; see settle_row).
// Per row block: quantize_x → micro_i16 (int16 product + bounds in the tile epilogue) →
// settle_row (candidates); per group of blocks: recompute (exact float32) → top_k_row.
import { gemm_block, GEMM_SCRATCH_FLOATS, madd, MC, NR, transpose4 } from './gemm';
import { ACT_SILU, top_k_row } from './top-k';

/** Rows quantised and multiplied at a time (their approximate pre-activations: ENC_ROWS × padded cols floats). */
const ENC_ROWS: i32 = MC;
/** Strip height of the int16 micro-kernel (3 rows × 12 columns, like the float32 one). */
const QR: i32 = 3;
/** Bytes of one depth pair of an int16 W panel (12 columns × 2 depths) and of an int16 x strip (3 rows × 2 depths). */
const QPANEL_ROW: usize = 48;
const QSTRIP_ROW: usize = 12;
/** Row blocks whose candidates are recomputed together (W's columns are transposed once per group of rows). */
const SUPER_BLOCKS: i32 = 8;
/** Bytes of the per-thread budget for candidate lists; fewer row blocks per group when k is large. */
const HIT_BUDGET: i32 = 3 << 20;
/** Bytes of transposed W columns recomputed from at a time (L2-resident). */
const WT_BYTES: i32 = 512 << 10;
/** Relative margins: quantisation rounding is within 0.5·(1 + 2⁻⁸) steps; every bound is widened by 2⁻¹⁰ for float32 rounding. */
const HALF_STEP: f64 = 0.5 * (1 + 1.0 / 256);
const WIDEN: f32 = 1 + 1.0 / 1024;
const REL: f32 = 1.0 / 1048576;
/** SiLU: T above this (silu(0.5) = 0.311) puts silu(T) over |silu|'s maximum on the negative side (0.2785). */
const SILU_MIN_THR: f32 = 0.5;
const LANES: v128 = i32x4(0, 1, 2, 3);
const LANES4: v128 = i32x4(4, 5, 6, 7);
const LANES8: v128 = i32x4(8, 9, 10, 11);

/** Depth pairs summed in int32 at a time; deeper products add the chunks' sums in float32. */
const QPAIRS: i32 = 384;

/**
 * Largest int16 magnitude M: a chunk's |Σ_p q_p·r_p| ≤ 2·QPAIRS·M² (or the whole even-padded depth,
 * if shallower) must fit an int32 accumulator.
 */
export function quant_limit(d: i32): i32 {
  const even = <f64>min(d + (d & 1), 2 * QPAIRS);
  return <i32>min<f64>(32767, Math.floor(Math.sqrt(2147483647.0 / max<f64>(even, 1))));
}

/** Depth chunks of the int16 product (their float32 additions round; see the row terms). */
function quant_chunks(d: i32): i32 {
  return (((d + 1) >> 1) + QPAIRS - 1) / QPAIRS;
}

/** Candidates kept per row: enough room for k plus a margin; a row with more is encoded in float32. */
export function screen_capacity(k: i32): i32 {
  return 4 * k + 64;
}

/** Rows whose candidates are recomputed together: up to SUPER_BLOCKS row blocks, fewer when k is large. */
export function screen_group_rows(k: i32): i32 {
  const perBlock = ENC_ROWS * screen_capacity(k) * 12;
  return ENC_ROWS * max(1, min(SUPER_BLOCKS, HIT_BUDGET / perBlock));
}

/** Columns of W transposed at a time for the exact recompute (whole 12-column panels). */
function wt_cols(d: i32): i32 {
  return NR * max(1, WT_BYTES / (NR * d * 4));
}

/** Bytes of the int16 copy of W (panels of 12 columns × depth pairs). */
export function quant_w_bytes(d: i32, cols: i32): i32 {
  return ((cols + NR - 1) / NR) * ((d + 1) >> 1) * <i32>QPANEL_ROW;
}

/** Panels quantize_w handles at a time: their rows are read as contiguous 3 KiB runs, not 48-byte ones a page apart. */
const QCHUNK: i32 = 64;

/** Floats of per-thread scratch quantize_w needs. */
export function quantize_scratch_floats(): i32 {
  return 2 * QCHUNK * NR;
}

/**
 * Quantise panels [q0, q1) of W [d, cols] (row-major float32) to int16, per column: scale
 * s_j = max_i |W[i, j]| / M, r_ij = round(W[i, j] / s_j), packed as 12-column panels of depth
 * pairs (r[2t, c], r[2t+1, c]). scale[j] = s_j and err[j] = the part of the bound that depends on
 * the column only (see screen_row); both are written for the padded width (zeros past cols).
 * A non-finite W sets *flag to 1 (the host then encodes in float32). tmp: quantize_scratch_floats().
 */
export function quantize_w(w: usize, d: i32, cols: i32, out: usize, scale: usize, err: usize, flag: usize, q0: i32, q1: i32, tmp: usize): void {
  const M = quant_limit(d);
  const d2 = (d + 1) >> 1;
  const ld = <usize>cols << 2;
  // Rounding of the exact float32 recompute (dot(): 16 running sums of d/16 products, a 4-level
  // tree and up to 3 tail additions, then + bias): |fl(Σ x·w) − Σ x·w| ≤ γ_n·Σ|x|·|w| with
  // n ≤ d/16 + 12 roundings per product (16 counted), and |x| ≤ s_x·M.
  const gammaM = 1.01 * <f64>(d / 16 + 16) * Math.pow(2, -24) * <f64>M;
  const vM = f32x4.splat(<f32>M);
  const lim = i32x4.splat(M), nlim = i32x4.splat(-M);
  const inv = tmp, rsum = tmp + (<usize>(QCHUNK * NR) << 2);
  for (let p0 = q0; p0 < q1; p0 += QCHUNK) {
    const p1 = min(q1, p0 + QCHUNK);
    const j0 = p0 * NR, j1 = min(cols, p1 * NR), width = (p1 - p0) * NR;
    // Column maxima into scale, column sums of |W| into inv (only to see NaN/Inf: they reach the sum).
    const mx = scale + (<usize>j0 << 2);
    memory.fill(mx, 0, <usize>width << 2);
    memory.fill(inv, 0, <usize>width << 2);
    for (let i = 0; i < d; i++) {
      const row = w + <usize>i * ld;
      for (let j = j0; j < j1; j += 4) {
        const v = f32x4.abs(load4(row, j, cols));
        const o = <usize>(j - j0) << 2;
        v128.store(mx + o, f32x4.pmax(v128.load(mx + o), v));
        v128.store(inv + o, f32x4.add(v128.load(inv + o), v));
      }
    }
    let total: f32 = 0;
    for (let c = 0; c < width; c++) total += load<f32>(inv + (<usize>c << 2));
    if (!isFinite<f32>(total)) {
      atomic.store<i32>(flag, 1);
      return;
    }
    for (let c = 0; c < width; c += 4) v128.store(inv + (<usize>c << 2), inv_scale(v128.load(mx + (<usize>c << 2)), vM));
    memory.fill(rsum, 0, <usize>width << 2);
    for (let t = 0; t < d2; t++) {
      const ra = w + <usize>(2 * t) * ld;
      const has = 2 * t + 1 < d;
      for (let j = j0; j < j1; j += 4) {
        const o = <usize>(j - j0) << 2;
        const vi = v128.load(inv + o);
        const a = quant(load4(ra, j, cols), vi, lim, nlim);
        const b = has ? quant(load4(ra + ld, j, cols), vi, lim, nlim) : i32x4.splat(0);
        v128.store(rsum + o, i32x4.add(v128.load(rsum + o), i32x4.add(i32x4.abs(a), i32x4.abs(b))));
        const q = j / NR;
        v128.store(out + (<usize>q * d2 + t) * QPANEL_ROW + (<usize>(j - q * NR) << 2), interleave(a, b));
      }
      // Columns of the last panel past cols: zeros.
      for (let j = (j1 + 3) & ~3; j < p1 * NR; j += 4) {
        const q = j / NR;
        v128.store(out + (<usize>q * d2 + t) * QPANEL_ROW + (<usize>(j - q * NR) << 2), i32x4.splat(0));
      }
    }
    // scale[j] = s_j = max/M (0 for an all-zero or padding column); err[j] = the row-independent
    // terms of the bound: s_j·(½R_j + ¼d)·(1 + 2⁻⁸) + γ_d·M·s_j·(R_j + ½d), R_j = Σ_i |r_ij|.
    for (let c = 0; c < width; c++) {
      const o = <usize>c << 2;
      const sj = j0 + c < cols ? load<f32>(mx + o) / <f32>M : 0;
      store<f32>(mx + o, sj);
      const s = <f64>sj, R = <f64>load<i32>(rsum + o);
      const e = s * (HALF_STEP * R + HALF_STEP * 0.5 * <f64>d) + gammaM * s * (R + 0.5 * <f64>d);
      store<f32>(err + (<usize>(j0 + c) << 2), <f32>(e * (1 + 1e-6)));
    }
  }
}

/** row[j..j+4] (zeros past cols). */
// @ts-ignore: decorator
@inline
function load4(row: usize, j: i32, cols: i32): v128 {
  if (j + 4 <= cols) return v128.load(row + (<usize>j << 2));
  let v = f32x4.splat(0);
  if (j < cols) v = f32x4.replace_lane(v, 0, load<f32>(row + (<usize>j << 2)));
  if (j + 1 < cols) v = f32x4.replace_lane(v, 1, load<f32>(row + (<usize>(j + 1) << 2)));
  if (j + 2 < cols) v = f32x4.replace_lane(v, 2, load<f32>(row + (<usize>(j + 2) << 2)));
  return v;
}

/** M / max per lane (0 where max is 0: that column quantises to zeros). */
// @ts-ignore: decorator
@inline
function inv_scale(mx: v128, vM: v128): v128 {
  return v128.and(f32x4.div(vM, mx), f32x4.gt(mx, f32x4.splat(0)));
}

/** round(v·inv) as int32, clamped to [−M, M]. */
// @ts-ignore: decorator
@inline
function quant(v: v128, inv: v128, lim: v128, nlim: v128): v128 {
  // |v·inv| ≤ M·(1 + 2⁻²³) and finite here, so the relaxed conversion (one cvttps2dq) is exact.
  const r = f32x4.nearest(f32x4.mul(v, inv));
  return i32x4.max_s(nlim, i32x4.min_s(lim, ASC_FEATURE_RELAXED_SIMD ? i32x4.relaxed_trunc_f32x4_s(r) : i32x4.trunc_sat_f32x4_s(r)));
}

/** Two int32x4 (depth 2t and 2t+1 of four columns) as int16 pairs (a0 b0 a1 b1 a2 b2 a3 b3). */
// @ts-ignore: decorator
@inline
function interleave(a: v128, b: v128): v128 {
  const n = i16x8.narrow_i32x4_s(a, b);
  return v128.shuffle<u8>(n, n, 0, 1, 8, 9, 2, 3, 10, 11, 4, 5, 12, 13, 6, 7, 14, 15);
}

/**
 * Quantise rows [i0, i1) of x − xoff (x [m, d]) into int16 3-row strips of depth pairs at `aq`
 * (rows past i1 zero). Per row: rowScale = s_x = max|x − xoff| / M and rowSum = Σ|q| (float).
 * A row with a non-finite value gets rowScale = NaN (and zeros in the strip). tmp: d + 8 int32.
 */
function quantize_x(x: usize, d: i32, xoff: usize, i0: i32, i1: i32, aq: usize, rowScale: usize, rowSum: usize, tmp: usize): void {
  const M = quant_limit(d);
  const d2 = (d + 1) >> 1;
  const rows = i1 - i0;
  const padded = (rows + QR - 1) / QR * QR;
  for (let r = 0; r < padded; r++) {
    const strip = aq + <usize>(r / QR) * d2 * QSTRIP_ROW + (<usize>(r % QR) << 2);
    if (r >= rows) {
      for (let t = 0; t < d2; t++) store<i32>(strip + <usize>t * QSTRIP_ROW, 0);
      continue;
    }
    const src = x + (<usize>(i0 + r) * d << 2);
    // x − xoff rounded as the float32 encoder rounds it, into tmp as floats.
    let mx = f32x4.splat(0);
    let p = 0;
    for (; p + 4 <= d; p += 4) {
      let v = v128.load(src + (<usize>p << 2));
      if (xoff) v = f32x4.sub(v, v128.load(xoff + (<usize>p << 2)));
      v128.store(tmp + (<usize>p << 2), v);
      mx = f32x4.max(mx, f32x4.abs(v));
    }
    let m = max(max(f32x4.extract_lane(mx, 0), f32x4.extract_lane(mx, 1)), max(f32x4.extract_lane(mx, 2), f32x4.extract_lane(mx, 3)));
    if (!isFinite<f32>(f32x4.extract_lane(mx, 0) + f32x4.extract_lane(mx, 1) + f32x4.extract_lane(mx, 2) + f32x4.extract_lane(mx, 3))) m = NaN;
    for (; p < d; p++) {
      let v = load<f32>(src + (<usize>p << 2));
      if (xoff) v -= load<f32>(xoff + (<usize>p << 2));
      store<f32>(tmp + (<usize>p << 2), v);
      const a = abs<f32>(v);
      m = a != a || a == Infinity ? NaN : max(m, a);
    }
    store<f32>(tmp + (<usize>d << 2), 0);
    const rs = rowScale + (<usize>r << 2);
    if (!isFinite<f32>(m)) {
      store<f32>(rs, NaN);
      store<f32>(rowSum + (<usize>r << 2), 0);
      for (let t = 0; t < d2; t++) store<i32>(strip + <usize>t * QSTRIP_ROW, 0);
      continue;
    }
    store<f32>(rs, m / <f32>M);
    const inv = f32x4.splat(m > 0 ? <f32>M / m : 0);
    const lim = i32x4.splat(M), nlim = i32x4.splat(-M);
    // Eight depths (four pairs) at a time, then the rest one pair at a time.
    let sum = i32x4.splat(0);
    let t = 0;
    for (; 2 * t + 8 <= d; t += 4) {
      const a = quant(v128.load(tmp + (<usize>(2 * t) << 2)), inv, lim, nlim);
      const b = quant(v128.load(tmp + (<usize>(2 * t + 4) << 2)), inv, lim, nlim);
      sum = i32x4.add(sum, i32x4.add(i32x4.abs(a), i32x4.abs(b)));
      const n = i16x8.narrow_i32x4_s(a, b); // q[2t..2t+8) as int16: pairs are its four int32 lanes
      const o = strip + <usize>t * QSTRIP_ROW;
      store<i32>(o, i32x4.extract_lane(n, 0));
      store<i32>(o + QSTRIP_ROW, i32x4.extract_lane(n, 1));
      store<i32>(o + 2 * QSTRIP_ROW, i32x4.extract_lane(n, 2));
      store<i32>(o + 3 * QSTRIP_ROW, i32x4.extract_lane(n, 3));
    }
    let total = i32x4.extract_lane(sum, 0) + i32x4.extract_lane(sum, 1) + i32x4.extract_lane(sum, 2) + i32x4.extract_lane(sum, 3);
    const s = m > 0 ? <f32>M / m : 0;
    for (; t < d2; t++) {
      const lo = quant_one(load<f32>(tmp + (<usize>(2 * t) << 2)), s, M);
      const hi = 2 * t + 1 < d ? quant_one(load<f32>(tmp + (<usize>(2 * t + 1) << 2)), s, M) : 0;
      total += abs<i32>(lo) + abs<i32>(hi);
      store<i32>(strip + <usize>t * QSTRIP_ROW, (lo & 0xffff) | (hi << 16));
    }
    store<f32>(rowSum + (<usize>r << 2), <f32>total);
  }
}

// @ts-ignore: decorator
@inline
function quant_one(v: f32, inv: f32, M: i32): i32 {
  return max(-M, min(M, <i32>nearest<f32>(v * inv)));
}

/** i32x4 accumulator += the int16 pair products of a and b (pmaddwd + paddd). */
// @ts-ignore: decorator
@inline
function dadd(a: v128, b: v128, c: v128): v128 {
  return i32x4.add(c, i32x4.dot_i16x8_s(a, b));
}

/**
 * The int16 3×12 micro-kernel with the screen's epilogue: the tile's int32 sums Σ_t q·r over d2
 * depth pairs (A a packed int16 strip, B a packed int16 panel) become, per entry, the approximate
 * pre-activation a (stored as float32 at c0, rows ldc bytes apart) and its bounds lo ≤ relu(pre) ≤
 * hi (see bounds()); per row, the largest lo and hi of the panel go to pm[0] and pm[1] (rows
 * pmRow bytes apart). A non-finite bound makes the stored hi maximum NaN. Columns past `valid`
 * (the last panel) get lo = hi = 0. The main loop has the float32 kernel's register budget: nine
 * accumulators, three B vectors and one broadcast pair.
 */
// @ts-ignore: decorator
@inline
function micro_i16(
  pa: usize, pb: usize, d2: i32, c0: usize, ldc: usize, stats: usize, col: i32, valid: i32, pm: usize, pmRow: usize,
): void {
  // Depth chunks of QPAIRS pairs: each chunk's int32 sums are converted and added up in float32
  // at c0 (the tile's place in the block) until the last, whose total goes to the epilogue.
  for (let t0 = 0; t0 < d2; t0 += QPAIRS) {
    const t1 = min(d2, t0 + QPAIRS);
    let x00 = i32x4.splat(0), x01 = x00, x02 = x00, x10 = x00, x11 = x00, x12 = x00, x20 = x00, x21 = x00, x22 = x00;
    for (let t = t0; t < t1; t++) {
      const b0 = v128.load(pb), b1 = v128.load(pb, 16), b2 = v128.load(pb, 32);
      let av = v128.load32_splat(pa); x00 = dadd(av, b0, x00); x01 = dadd(av, b1, x01); x02 = dadd(av, b2, x02);
      av = v128.load32_splat(pa, 4); x10 = dadd(av, b0, x10); x11 = dadd(av, b1, x11); x12 = dadd(av, b2, x12);
      av = v128.load32_splat(pa, 8); x20 = dadd(av, b0, x20); x21 = dadd(av, b1, x21); x22 = dadd(av, b2, x22);
      pb += QPANEL_ROW;
      pa += QSTRIP_ROW;
    }
    const first = t0 == 0, last = t1 == d2;
    const r1 = c0 + ldc, r2 = c0 + 2 * ldc;
    const f00 = chunk_sum(x00, c0, 0, first), f01 = chunk_sum(x01, c0, 16, first), f02 = chunk_sum(x02, c0, 32, first);
    const f10 = chunk_sum(x10, r1, 0, first), f11 = chunk_sum(x11, r1, 16, first), f12 = chunk_sum(x12, r1, 32, first);
    const f20 = chunk_sum(x20, r2, 0, first), f21 = chunk_sum(x21, r2, 16, first), f22 = chunk_sum(x22, r2, 32, first);
    if (last) {
      tile_row(f00, f01, f02, c0, stats, col, valid, pm);
      tile_row(f10, f11, f12, r1, stats + 8, col, valid, pm + pmRow);
      tile_row(f20, f21, f22, r2, stats + 16, col, valid, pm + 2 * pmRow);
    } else {
      v128.store(c0, f00); v128.store(c0, f01, 16); v128.store(c0, f02, 32);
      v128.store(r1, f10); v128.store(r1, f11, 16); v128.store(r1, f12, 32);
      v128.store(r2, f20); v128.store(r2, f21, 16); v128.store(r2, f22, 32);
    }
  }
}

/** A chunk's int32 sums as float32, added to the earlier chunks' (stored at p + o) unless first. */
// @ts-ignore: decorator
@inline
function chunk_sum(x: v128, p: usize, o: usize, first: bool): v128 {
  const f = f32x4.convert_i32x4_s(x);
  return first ? f : f32x4.add(v128.load(p + o), f);
}

/** Where the screen reads a panel's columns: scale, err and bias pointers at its first column (see tile_row). */
let COL_SCALE: usize = 0, COL_ERR: usize = 0, COL_BIAS: usize = 0;

/**
 * One row of a finished tile (acc: its sums Σ q·r as float32): a, the bounds, and the panel's
 * largest lo and hi. stats: the row's (s_x, s_x·qcoef·Σ|q|) as two floats. col: the panel's first column.
 */
// @ts-ignore: decorator
@inline
function tile_row(acc0: v128, acc1: v128, acc2: v128, dst: usize, stats: usize, col: i32, valid: i32, pm: usize): void {
  const vsx = f32x4.splat(load<f32>(stats)), vqh = f32x4.splat(load<f32>(stats, 4));
  const o = <usize>col << 2;
  const s0 = v128.load(COL_SCALE + o), s1 = v128.load(COL_SCALE + o, 16), s2 = v128.load(COL_SCALE + o, 32);
  const e0 = v128.load(COL_ERR + o), e1 = v128.load(COL_ERR + o, 16), e2 = v128.load(COL_ERR + o, 32);
  let b0: v128, b1: v128, b2: v128;
  if (valid == NR) {
    b0 = v128.load(COL_BIAS + o); b1 = v128.load(COL_BIAS + o, 16); b2 = v128.load(COL_BIAS + o, 32);
  } else {
    // bias is not padded: zeros past the last column.
    const end = col + valid;
    b0 = load4(COL_BIAS, col, end); b1 = load4(COL_BIAS, col + 4, end); b2 = load4(COL_BIAS, col + 8, end);
  }
  const a0 = f32x4.add(f32x4.mul(acc0, f32x4.mul(vsx, s0)), b0);
  const a1 = f32x4.add(f32x4.mul(acc1, f32x4.mul(vsx, s1)), b1);
  const a2 = f32x4.add(f32x4.mul(acc2, f32x4.mul(vsx, s2)), b2);
  v128.store(dst, a0); v128.store(dst, a1, 16); v128.store(dst, a2, 32);
  const d0 = bound(vsx, vqh, s0, e0, a0, b0), d1 = bound(vsx, vqh, s1, e1, a1, b1), d2 = bound(vsx, vqh, s2, e2, a2, b2);
  const zero = f32x4.splat(0);
  let lo0 = f32x4.pmax(f32x4.sub(a0, d0), zero), lo1 = f32x4.pmax(f32x4.sub(a1, d1), zero), lo2 = f32x4.pmax(f32x4.sub(a2, d2), zero);
  let hi0 = f32x4.pmax(f32x4.add(a0, d0), zero), hi1 = f32x4.pmax(f32x4.add(a1, d1), zero), hi2 = f32x4.pmax(f32x4.add(a2, d2), zero);
  // x − x is 0 for a finite x and NaN otherwise: any non-finite bound poisons the stored maximum.
  const check = f32x4.add(f32x4.add(f32x4.sub(hi0, hi0), f32x4.sub(hi1, hi1)), f32x4.add(f32x4.sub(hi2, hi2), f32x4.add(f32x4.sub(lo0, lo0), f32x4.add(f32x4.sub(lo1, lo1), f32x4.sub(lo2, lo2)))));
  if (valid != NR) {
    const lanes = i32x4.splat(valid);
    lo0 = v128.and(lo0, i32x4.lt_s(LANES, lanes)); hi0 = v128.and(hi0, i32x4.lt_s(LANES, lanes));
    lo1 = v128.and(lo1, i32x4.lt_s(LANES4, lanes)); hi1 = v128.and(hi1, i32x4.lt_s(LANES4, lanes));
    lo2 = v128.and(lo2, i32x4.lt_s(LANES8, lanes)); hi2 = v128.and(hi2, i32x4.lt_s(LANES8, lanes));
  }
  store<f32>(pm, hmax(f32x4.pmax(f32x4.pmax(lo0, lo1), lo2)));
  store<f32>(pm, hmax(f32x4.pmax(f32x4.pmax(hi0, hi1), hi2)) + hsum(check), 4);
}

/**
 * The bound on |pre − a| for four columns of a row:
 *   e = (s_x·err_j + s_x·qcoef·Σ|q|·s_j + (|a| + |b_j|)·2⁻²⁰)·(1 + 2⁻¹⁰)
 * — from x = s_x·q + ε, W = s_j·r + δ with |ε| ≤ ½s_x, |δ| ≤ ½s_j (each widened by 2⁻⁸ for the
 * rounding of the scales): |x·w − s_x·s_j·q·r| ≤ s_x·s_j·(½Σ|q| + ½Σ|r| + ¼d); err_j (from
 * quantize_w) holds the column's part and the worst float32 rounding of the exact recompute; the
 * 2⁻²⁰ term covers the rounding of a itself. The same instructions run in the epilogue and when a
 * row is settled, so both see identical bounds.
 */
// @ts-ignore: decorator
@inline
function bound(vsx: v128, vqh: v128, s: v128, err: v128, a: v128, b: v128): v128 {
  return f32x4.mul(f32x4.add(f32x4.add(f32x4.mul(vsx, err), f32x4.mul(vqh, s)), f32x4.mul(f32x4.add(f32x4.abs(a), f32x4.abs(b)), f32x4.splat(REL))), f32x4.splat(WIDEN));
}

// @ts-ignore: decorator
@inline
function hmax(v: v128): f32 {
  const m = f32x4.pmax(v, v128.shuffle<f32>(v, v, 2, 3, 0, 1));
  return max(f32x4.extract_lane(m, 0), f32x4.extract_lane(m, 1));
}

// @ts-ignore: decorator
@inline
function hsum(v: v128): f32 {
  return (f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1)) + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
}

// A min-heap of floats (the k largest lower bounds seen; its root is the k-th largest).
function heap_push(h: usize, n: i32, v: f32): void {
  let i = n;
  while (i > 0) {
    const parent = (i - 1) >> 1;
    const pv = load<f32>(h + (<usize>parent << 2));
    if (pv <= v) break;
    store<f32>(h + (<usize>i << 2), pv);
    i = parent;
  }
  store<f32>(h + (<usize>i << 2), v);
}

function heap_replace_root(h: usize, n: i32, v: f32): void {
  let i = 0;
  for (;;) {
    let child = 2 * i + 1;
    if (child >= n) break;
    let cv = load<f32>(h + (<usize>child << 2));
    if (child + 1 < n) {
      const rv = load<f32>(h + (<usize>(child + 1) << 2));
      if (rv < cv) { child++; cv = rv; }
    }
    if (cv >= v) break;
    store<f32>(h + (<usize>i << 2), cv);
    i = child;
  }
  store<f32>(h + (<usize>i << 2), v);
}

/**
 * Settle one screened row from its panel maxima. `arow` holds a (float32) per column, pm the
 * (largest lo, largest hi) of each panel. The exact pre-activation lies in [a − e, a + e], so
 * lo = max(a − e, 0) ≤ relu(pre) ≤ hi = max(a + e, 0). T = the k-th largest lo of the row: k columns
 * are ≥ T, so a column with hi < T is strictly below the k-th value and out; the others' columns
 * go to `hits` (ascending) and the count is returned — or −1 when the row must be encoded in
 * float32 (a non-finite bound, T ≤ minThr, more than cap candidates). minThr is 0 for ReLU (below,
 * zero ties are broken by column) and SILU_MIN_THR for SiLU: |silu| is increasing on [0, ∞) and at
 * most 0.2785 below 0, so once silu(T) exceeds that, a column with hi < T ranks below k others
 * whatever the sign of its pre-activation. Only panels whose maxima can matter are opened: the
 * k-th largest panel lo-maximum is a lower bound of T (those maxima are k distinct columns), and a
 * panel whose hi-maximum is below T has no candidate.
 */
function settle_row(arow: usize, pm: usize, panels: i32, cols: i32, vsx: v128, vqh: v128, k: i32, heap: usize, hits: usize, cap: i32, tmp: usize, minThr: f32): i32 {
  let sum: f32 = 0;
  for (let q = 0; q < panels; q++) {
    store<f32>(tmp + (<usize>q << 2), load<f32>(pm + (<usize>q << 3)));
    sum += load<f32>(pm + (<usize>q << 3), 4);
  }
  if (!isFinite<f32>(sum)) return -1;
  const floor = panels >= k ? kth_largest(tmp, panels, k, heap, 0) : <f32>0;
  // T over the columns of the panels whose lo-maximum reaches floor (at least k columns ≥ floor).
  let size = 0;
  for (let q = 0; q < panels; q++) {
    if (!(load<f32>(pm + (<usize>q << 3)) >= floor)) continue;
    const j = q * NR;
    for (let g = 0; g < NR; g += 4) {
      if (j + g >= cols) break;
      const lo = f32x4.pmax(f32x4.sub(a_at(arow, j + g), bound_at(arow, j + g, cols, vsx, vqh)), f32x4.splat(0));
      const n = min(4, cols - j - g);
      for (let l = 0; l < n; l++) size = heap_offer(heap, size, k, lane(lo, l), floor);
    }
  }
  const thr = size == k ? load<f32>(heap) : floor;
  if (!(thr > minThr)) return -1;
  let count = 0;
  for (let q = 0; q < panels; q++) {
    if (!(load<f32>(pm + (<usize>q << 3), 4) >= thr)) continue;
    const j = q * NR;
    for (let g = 0; g < NR; g += 4) {
      if (j + g >= cols) break;
      const hi = f32x4.pmax(f32x4.add(a_at(arow, j + g), bound_at(arow, j + g, cols, vsx, vqh)), f32x4.splat(0));
      const n = min(4, cols - j - g);
      for (let l = 0; l < n; l++) {
        if (lane(hi, l) >= thr) {
          if (count == cap) return -1;
          store<i32>(hits + (<usize>count << 2), j + g + l);
          count++;
        }
      }
    }
  }
  return count;
}

// @ts-ignore: decorator
@inline
function a_at(arow: usize, j: i32): v128 {
  return v128.load(arow + (<usize>j << 2));
}

/** bound() for columns j..j+4 of a row whose a is at arow (bias zero-padded past cols, as in the epilogue). */
// @ts-ignore: decorator
@inline
function bound_at(arow: usize, j: i32, cols: i32, vsx: v128, vqh: v128): v128 {
  const o = <usize>j << 2;
  // The epilogue loads a partial panel's bias with zeros past cols; so must this.
  const q = j / NR * NR;
  const b = q + NR <= cols ? v128.load(COL_BIAS + o) : load4(COL_BIAS, j, cols);
  return bound(vsx, vqh, v128.load(COL_SCALE + o), v128.load(COL_ERR + o), v128.load(arow + o), b);
}

// @ts-ignore: decorator
@inline
function lane(v: v128, l: i32): f32 {
  return l == 0 ? f32x4.extract_lane(v, 0) : l == 1 ? f32x4.extract_lane(v, 1) : l == 2 ? f32x4.extract_lane(v, 2) : f32x4.extract_lane(v, 3);
}

/**
 * The k-th largest of v[0:n] (n ≥ k, values ≥ 0 or NaN-free), looking only at values ≥ floor
 * (at least k of them must be). Four values at a time are skipped when none beats the heap's root.
 */
function kth_largest(v: usize, n: i32, k: i32, heap: usize, floor: f32): f32 {
  let size = 0;
  let thr: f32 = floor;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const x = v128.load(v + (<usize>i << 2));
    if (size == k ? !v128.any_true(f32x4.gt(x, f32x4.splat(thr))) : !v128.any_true(f32x4.ge(x, f32x4.splat(floor)))) continue;
    for (let l = 0; l < 4; l++) size = heap_offer(heap, size, k, load<f32>(v + (<usize>(i + l) << 2)), floor);
    if (size == k) thr = load<f32>(heap);
  }
  for (; i < n; i++) size = heap_offer(heap, size, k, load<f32>(v + (<usize>i << 2)), floor);
  return size == k ? load<f32>(heap) : floor;
}

/** Offer x to a min-heap of at most k values (ignored below floor); returns the new size. */
// @ts-ignore: decorator
@inline
function heap_offer(heap: usize, size: i32, k: i32, x: f32, floor: f32): i32 {
  if (!(x >= floor)) return size;
  if (size < k) {
    heap_push(heap, size, x);
    return size + 1;
  }
  if (x > load<f32>(heap)) heap_replace_root(heap, size, x);
  return size;
}

/** Σ_p (a[p] − off[p])·b[p], each difference rounded first (as the float32 encoder forms x − b_dec; off may be zeros). */
function dot_shifted(a: usize, off: usize, b: usize, d: i32): f32 {
  let s0 = f32x4.splat(0), s1 = s0, s2 = s0, s3 = s0;
  let p = 0;
  for (; p + 16 <= d; p += 16) {
    const o = <usize>p << 2;
    s0 = madd(f32x4.sub(v128.load(a + o), v128.load(off + o)), v128.load(b + o), s0);
    s1 = madd(f32x4.sub(v128.load(a + o, 16), v128.load(off + o, 16)), v128.load(b + o, 16), s1);
    s2 = madd(f32x4.sub(v128.load(a + o, 32), v128.load(off + o, 32)), v128.load(b + o, 32), s2);
    s3 = madd(f32x4.sub(v128.load(a + o, 48), v128.load(off + o, 48)), v128.load(b + o, 48), s3);
  }
  for (; p + 4 <= d; p += 4) s0 = madd(f32x4.sub(v128.load(a + (<usize>p << 2)), v128.load(off + (<usize>p << 2))), v128.load(b + (<usize>p << 2)), s0);
  const s = f32x4.add(f32x4.add(s0, s1), f32x4.add(s2, s3));
  let r = (f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1)) + (f32x4.extract_lane(s, 2) + f32x4.extract_lane(s, 3));
  for (; p < d; p++) r += (load<f32>(a + (<usize>p << 2)) - load<f32>(off + (<usize>p << 2))) * load<f32>(b + (<usize>p << 2));
  return r;
}

/**
 * Exact float32 pre-activations of the candidates of rows [g0, g0 + rows) of x − xoff (xoff: d
 * floats, zeros for none): hits bucketed by
 * column group, each group's columns of W transposed once into `wt`, then one contiguous dot
 * product per candidate.
 */
function recompute(
  x: usize, d: i32, xoff: usize, w: usize, cols: i32, bias: usize, g0: i32, rows: i32, counts: usize,
  hitCols: usize, hitVals: usize, cap: i32, perm: usize, gstart: usize, gcur: usize, wt: usize,
): void {
  const GC = wt_cols(d);
  const ng = (cols + GC - 1) / GC;
  memory.fill(gstart, 0, <usize>(ng + 1) << 2);
  for (let r = 0; r < rows; r++) {
    const n = load<i32>(counts + (<usize>r << 2));
    const hc = hitCols + (<usize>r * cap << 2);
    for (let h = 0; h < n; h++) {
      const g = load<i32>(hc + (<usize>h << 2)) / GC;
      const o = gstart + (<usize>(g + 1) << 2);
      store<i32>(o, load<i32>(o) + 1);
    }
  }
  for (let g = 0; g < ng; g++) {
    const o = gstart + (<usize>(g + 1) << 2);
    store<i32>(o, load<i32>(o) + load<i32>(o - 4));
  }
  memory.copy(gcur, gstart, <usize>ng << 2);
  for (let r = 0; r < rows; r++) {
    const n = load<i32>(counts + (<usize>r << 2));
    const hc = hitCols + (<usize>r * cap << 2);
    for (let h = 0; h < n; h++) {
      const g = load<i32>(hc + (<usize>h << 2)) / GC;
      const o = gcur + (<usize>g << 2);
      const e = load<i32>(o);
      store<i32>(perm + (<usize>e << 2), r * cap + h);
      store<i32>(o, e + 1);
    }
  }
  const ld = <usize>cols << 2;
  const dstStride = <usize>d << 2;
  for (let g = 0; g < ng; g++) {
    const e0 = load<i32>(gstart + (<usize>g << 2)), e1 = load<i32>(gstart + (<usize>(g + 1) << 2));
    if (e0 == e1) continue;
    const j0 = g * GC;
    const nc = min(GC, cols - j0);
    // wt[c, i] = W[i, j0 + c]: 4×4 blocks in registers, then the edges.
    const src = w + (<usize>j0 << 2);
    let i = 0;
    for (; i + 4 <= d; i += 4) {
      let c = 0;
      for (; c + 4 <= nc; c += 4) transpose4(src + <usize>i * ld + (<usize>c << 2), ld, wt + ((<usize>c * d + i) << 2), dstStride);
      for (; c < nc; c++) {
        for (let ii = i; ii < i + 4; ii++) store<f32>(wt + ((<usize>c * d + ii) << 2), load<f32>(src + <usize>ii * ld + (<usize>c << 2)));
      }
    }
    for (; i < d; i++) {
      for (let c = 0; c < nc; c++) store<f32>(wt + ((<usize>c * d + i) << 2), load<f32>(src + <usize>i * ld + (<usize>c << 2)));
    }
    for (let e = e0; e < e1; e++) {
      const slot = load<i32>(perm + (<usize>e << 2));
      const xr = x + (<usize>(g0 + slot / cap) * d << 2);
      const col = load<i32>(hitCols + (<usize>slot << 2));
      const v = dot_shifted(xr, xoff, wt + (<usize>(col - j0) * d << 2), d);
      store<f32>(hitVals + (<usize>slot << 2), v + load<f32>(bias + (<usize>col << 2)));
    }
  }
}

// Per-thread scratch of encode_top_k_screened, in this order (each part 16-byte aligned).
// @ts-ignore: decorator
@inline
function align(n: usize): usize {
  return (n + 15) & ~(<usize>15);
}

// The parts' offsets, set by layout() (globals are per instance, i.e. per thread).
let L_gemm: usize = 0, L_aq: usize = 0, L_block: usize = 0, L_rowScale: usize = 0, L_rowSum: usize = 0, L_counts: usize = 0;
let L_hitCols: usize = 0, L_hitVals: usize = 0, L_perm: usize = 0, L_gstart: usize = 0, L_gcur: usize = 0, L_wt: usize = 0;
let L_xrow: usize = 0, L_zero: usize = 0, L_heap: usize = 0, L_fb: usize = 0, L_lo: usize = 0, L_rstats: usize = 0, L_pm: usize = 0, L_stats: usize = 0;

/** Lay the scratch parts out from `base`; returns the end. */
function layout(base: usize, d: i32, cols: i32, k: i32): usize {
  const d2 = (d + 1) >> 1;
  const panels = (cols + NR - 1) / NR;
  const G = <usize>screen_group_rows(k);
  const cap = <usize>screen_capacity(k);
  const ng = <usize>((cols + wt_cols(d) - 1) / wt_cols(d));
  let o = base;
  L_gemm = o; o = align(o + (<usize>GEMM_SCRATCH_FLOATS << 2));
  L_aq = o; o = align(o + <usize>(ENC_ROWS / QR) * d2 * QSTRIP_ROW);
  L_block = o; o = align(o + <usize>ENC_ROWS * panels * QPANEL_ROW);
  L_rowScale = o; o = align(o + (G << 2));
  L_rowSum = o; o = align(o + (G << 2));
  L_counts = o; o = align(o + (G << 2));
  L_hitCols = o; o = align(o + (G * cap << 2));
  L_hitVals = o; o = align(o + (G * cap << 2));
  L_perm = o; o = align(o + (G * cap << 2));
  L_gstart = o; o = align(o + ((ng + 1) << 2));
  L_gcur = o; o = align(o + (ng << 2));
  L_wt = o; o = align(o + (<usize>wt_cols(d) * d << 2));
  L_xrow = o; o = align(o + (<usize>(d + 8) << 2));
  L_zero = o; o = align(o + (<usize>d << 2));
  L_heap = o; o = align(o + (<usize>(2 * k) << 2));
  L_fb = o; o = align(o + (<usize>ENC_ROWS * d << 2));
  L_lo = o; o = align(o + (<usize>(cols + 4) << 2));
  L_rstats = o; o = align(o + (<usize>ENC_ROWS << 3));
  L_pm = o; o = align(o + (<usize>ENC_ROWS * panels << 3));
  L_stats = o; o = align(o + 8);
  return o;
}

/** Bytes of per-thread scratch encode_top_k_screened needs. */
export function screen_scratch_bytes(d: i32, cols: i32, k: i32): i32 {
  return <i32>layout(0, d, cols, k);
}

/** Where in that scratch encode_top_k_screened leaves the number of rows it encoded in float32 and the number of candidates of the others (two i32). */
export function screen_stats_offset(d: i32, cols: i32, k: i32): i32 {
  layout(0, d, cols, k);
  return <i32>L_stats;
}

/**
 * The TopK encoder (act: ReLU or SiLU) for rows [r0, r1) of x [m, d], screened in int16 (see the top of this
 * file): wq/wscale/werr from quantize_w of W, w the float32 W [d, cols] itself (recompute and
 * fallback rows), the rest as encode_top_k.
 */
export function encode_top_k_screened(
  x: usize, m: i32, d: i32, cols: i32, w: usize, wq: usize, wscale: usize, werr: usize, bias: usize, k: i32, act: i32,
  values: usize, indices: usize, preAtK: usize, scratch: usize, r0: i32, r1: i32, xoff: usize,
): void {
  layout(scratch, d, cols, k);
  store<i64>(L_stats, 0);
  memory.fill(L_zero, 0, <usize>d << 2);
  COL_SCALE = wscale;
  COL_ERR = werr;
  COL_BIAS = bias;
  const d2 = (d + 1) >> 1;
  const panels = (cols + NR - 1) / NR;
  const ldc = <usize>panels * QPANEL_ROW;
  const G = screen_group_rows(k);
  const cap = screen_capacity(k);
  // The Σ|q| coefficient of the bound: ½(1 + 2⁻⁸) for x's quantisation, plus the float32 rounding
  // of the chunk sums (≤ 2·chunks·2⁻²⁴·Σ|q·r| ≤ 2·chunks·2⁻²⁴·M·Σ|q|).
  const qcoef = <f32>(HALF_STEP + 2 * <f64>quant_chunks(d) * <f64>quant_limit(d) * Math.pow(2, -24));
  for (let g0 = r0; g0 < r1; g0 += G) {
    const g1 = min(r1, g0 + G);
    for (let i0 = g0; i0 < g1; i0 += ENC_ROWS) {
      const i1 = min(g1, i0 + ENC_ROWS);
      const ro = <usize>(i0 - g0) << 2;
      quantize_x(x, d, xoff, i0, i1, L_aq, L_rowScale + ro, L_rowSum + ro, L_xrow);
      const strips = (i1 - i0 + QR - 1) / QR;
      // Per row (s_x, s_x·qcoef·Σ|q|): what the epilogue and settle_row read.
      for (let r = 0; r < strips * QR; r++) {
        const i = min(r, i1 - i0 - 1);
        const sx = load<f32>(L_rowScale + ro + (<usize>i << 2));
        store<f32>(L_rstats + (<usize>r << 3), sx);
        store<f32>(L_rstats + (<usize>r << 3), sx * qcoef * load<f32>(L_rowSum + ro + (<usize>i << 2)), 4);
      }
      const pmRow = <usize>panels << 3;
      for (let q = 0; q < panels; q++) {
        const pb = wq + <usize>q * d2 * QPANEL_ROW;
        const valid = min(NR, cols - q * NR);
        for (let s = 0; s < strips; s++) {
          micro_i16(
            L_aq + <usize>s * d2 * QSTRIP_ROW, pb, d2, L_block + <usize>(s * QR) * ldc + <usize>q * QPANEL_ROW, ldc,
            L_rstats + (<usize>(s * QR) << 3), q * NR, valid, L_pm + <usize>(s * QR) * pmRow + (<usize>q << 3), pmRow,
          );
        }
      }
      for (let i = i0; i < i1; i++) {
        const r = <usize>(i - g0);
        const t = <usize>(i - i0);
        const sx = load<f32>(L_rstats + (t << 3));
        const n = sx != sx ? -1 : settle_row(
          L_block + t * ldc, L_pm + t * pmRow, panels, cols, f32x4.splat(sx), f32x4.splat(load<f32>(L_rstats + (t << 3), 4)),
          k, L_heap, L_hitCols + (r * cap << 2), cap, L_lo, act == ACT_SILU ? SILU_MIN_THR : 0,
        );
        store<i32>(L_counts + (r << 2), n);
      }
    }
    recompute(x, d, xoff ? xoff : L_zero, w, cols, bias, g0, g1 - g0, L_counts, L_hitCols, L_hitVals, cap, L_perm, L_gstart, L_gcur, L_wt);
    let fallback = 0;
    for (let i = g0; i < g1; i++) {
      const r = <usize>(i - g0);
      const n = load<i32>(L_counts + (r << 2));
      const o = <usize>i * k << 2;
      if (n >= 0) {
        store<i32>(L_stats, load<i32>(L_stats, 4) + n, 4);
        top_k_row(L_hitVals + (r * cap << 2), n, k, act, values + o, indices + o, preAtK + o, L_heap, L_hitCols + (r * cap << 2));
      } else {
        fallback++;
      }
    }
    store<i32>(L_stats, load<i32>(L_stats) + fallback);
    if (fallback) encode_rows_f32(x, d, cols, w, bias, k, act, values, indices, preAtK, g0, g1, xoff);
  }
}

/** Rows of [g0, g1) the screen left (count −1) encoded in float32: gathered ENC_ROWS at a time, W read in place. */
function encode_rows_f32(
  x: usize, d: i32, cols: i32, w: usize, bias: usize, k: i32, act: i32, values: usize, indices: usize, preAtK: usize,
  g0: i32, g1: i32, xoff: usize,
): void {
  const panels = (cols + NR - 1) / NR;
  let i = g0;
  while (i < g1) {
    // Gather up to ENC_ROWS left rows into fb; their row numbers into aq (free now).
    let n = 0;
    while (i < g1 && n < ENC_ROWS) {
      if (load<i32>(L_counts + (<usize>(i - g0) << 2)) < 0) {
        memory.copy(L_fb + (<usize>n * d << 2), x + (<usize>i * d << 2), <usize>d << 2);
        store<i32>(L_aq + (<usize>n << 2), i);
        n++;
      }
      i++;
    }
    if (!n) break;
    gemm_block(L_fb, 0, n, d, cols, w, 2, bias, L_block, cols, 0, 0, n, 0, panels, L_gemm, xoff, 0, d, 0);
    for (let t = 0; t < n; t++) {
      const o = <usize>load<i32>(L_aq + (<usize>t << 2)) * k << 2;
      top_k_row(L_block + (<usize>t * cols << 2), cols, k, act, values + o, indices + o, preAtK + o, L_heap, 0);
    }
  }
}
