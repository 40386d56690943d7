// Dense matrix product C = op(A)·op(B) (+ bias row), GotoBLAS-style: B packed into 12-column
// panels, A packed per (row block × depth group of two depth blocks) into 3-row strips, each panel
// run through the group's depth blocks in turn, and a 3×12 register-tiled
// micro-kernel on 128-bit SIMD (nine accumulators, three B vectors and three broadcast A values:
// the 15 XMM registers V8 hands out, as its disassembly shows; measured 8–10% faster than 4×8 on L1-resident data in V8, where
// 4×12, 3×16 and 5×8 spill). With relaxed SIMD (compiled with --enable relaxed-simd) the
// multiply-adds are fused (FMA); otherwise they are a multiply and an add.
// Every pointer is a byte offset into the one shared memory; matrices are row-major float32.

/** Depth (k) block: a KC×NR panel strip stays in L1 across the strips of an A block. */
export const KC: i32 = 384;
/** Row block: an MC×KC packed A block stays in L2. Multiple of MR. */
export const MC: i32 = 132;
/** Depth group: the A blocks of this many depths (a multiple of KC) are packed at once (MC×KG in L2). */
export const KG: i32 = 2 * KC;
/** Depth block when B is read in place (row-major, not packed). */
const KC_DIRECT: i32 = 16;
/** Micro-kernel height (rows of A per strip) and width (columns of B per panel). */
export const MR: i32 = 3;
export const NR: i32 = 12;
/** Bytes of one depth row of a packed panel, and of a packed A strip. */
const PANEL_ROW: usize = 48;
const STRIP_ROW: usize = 12;

/** Floats of per-thread scratch gemm needs: the packed A blocks of a depth group, one edge tile and one B panel strip. */
export const GEMM_SCRATCH_FLOATS: i32 = MC * KG + MR * NR + KC * NR;

// @ts-ignore: decorator
@inline
export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(c, f32x4.mul(a, b));
}

/**
 * Pack panels [q0, q1) of B (k × n) into `packed`: panel q is k rows of the 12 columns
 * 12q..12q+12, contiguous (k·12 floats), zero-padded past column n. transB: `b` holds Bᵀ, i.e. [n, k].
 * ld: floats between consecutive stored rows (n, or k when transposed, for a whole matrix; larger
 * when `b` points at a depth range of a bigger one).
 */
export function pack_b(b: usize, transB: i32, k: i32, n: i32, ld: i32, packed: usize, q0: i32, q1: i32): void {
  for (let q = q0; q < q1; q++) pack_panel(b, transB, k, n, ld, q * NR, packed + <usize>q * k * PANEL_ROW);
}

/** One panel of pack_b: depths 0..k of the 12 columns j0..j0+12 into dst (k·12 floats). */
function pack_panel(b: usize, transB: i32, k: i32, n: i32, ld: i32, j0: i32, dst: usize): void {
  const stride = <usize>ld << 2;
  const cols = min(NR, n - j0);
  if (!transB && cols == NR) {
    let src = b + (<usize>j0 << 2);
    for (let p = 0; p < k; p++) {
      v128.store(dst, v128.load(src));
      v128.store(dst, v128.load(src, 16), 16);
      v128.store(dst, v128.load(src, 32), 32);
      dst += PANEL_ROW;
      src += stride;
    }
  } else if (!transB) {
    for (let p = 0; p < k; p++) {
      const src = b + <usize>p * stride + (<usize>j0 << 2);
      for (let c = 0; c < NR; c++) store<f32>(dst + (<usize>c << 2), c < cols ? load<f32>(src + (<usize>c << 2)) : 0);
      dst += PANEL_ROW;
    }
  } else {
    // Bᵀ rows j0..j0+12 are contiguous in p: four depths of all twelve at a time, transposed in
    // registers (three 4×4 blocks), then the rest one by one.
    const r0 = b + <usize>j0 * stride;
    let p = 0;
    if (cols == NR) {
      for (; p + 4 <= k; p += 4) {
        const o = <usize>p << 2;
        transpose4(r0 + o, stride, dst, PANEL_ROW);
        transpose4(r0 + 4 * stride + o, stride, dst + 16, PANEL_ROW);
        transpose4(r0 + 8 * stride + o, stride, dst + 32, PANEL_ROW);
        dst += 4 * PANEL_ROW;
      }
    }
    for (; p < k; p++) {
      for (let c = 0; c < NR; c++) store<f32>(dst + (<usize>c << 2), c < cols ? load<f32>(r0 + <usize>c * stride + (<usize>p << 2)) : 0);
      dst += PANEL_ROW;
    }
  }
}

/** Four rows of four floats (`src`, rows `stride` bytes apart) stored transposed: row i of the result at dst + i·dstStride. */
// @ts-ignore: decorator
@inline
export function transpose4(src: usize, stride: usize, dst: usize, dstStride: usize): void {
  const a = v128.load(src), b = v128.load(src + stride), c = v128.load(src + 2 * stride), d = v128.load(src + 3 * stride);
  const t0 = v128.shuffle<f32>(a, b, 0, 4, 1, 5);
  const t1 = v128.shuffle<f32>(c, d, 0, 4, 1, 5);
  const t2 = v128.shuffle<f32>(a, b, 2, 6, 3, 7);
  const t3 = v128.shuffle<f32>(c, d, 2, 6, 3, 7);
  v128.store(dst, v128.shuffle<f32>(t0, t1, 0, 1, 4, 5));
  v128.store(dst + dstStride, v128.shuffle<f32>(t0, t1, 2, 3, 6, 7));
  v128.store(dst + 2 * dstStride, v128.shuffle<f32>(t2, t3, 0, 1, 4, 5));
  v128.store(dst + 3 * dstStride, v128.shuffle<f32>(t2, t3, 2, 3, 6, 7));
}

/**
 * Pack rows [i0, i1) × depth [p0, p0 + kc) of A into 3-row strips: strip s holds, for each p, the
 * three values A[i0 + 3s .. i0 + 3s + 3, p] (rows past i1 are zero). transA: `a` holds Aᵀ, [k, m].
 * aoff (0: none): a [k] vector subtracted from every row of A as it is packed (A − 1·aoffᵀ, each
 * difference rounded as a separate subtraction would round it; without it x − 0 = x exactly).
 */
function pack_a(a: usize, transA: i32, m: i32, k: i32, i0: i32, i1: i32, p0: i32, kc: i32, out: usize, aoff: usize): void {
  const off = aoff ? aoff + (<usize>p0 << 2) : 0;
  for (let i = i0; i < i1; i += MR) {
    const rows = min(MR, i1 - i);
    let dst = out + <usize>((i - i0) / MR) * kc * STRIP_ROW;
    if (transA && rows == MR) {
      // Aᵀ rows are depths: three consecutive values, all shifted by the same offset.
      let src = a + ((<usize>p0 * m + i) << 2);
      const stride = <usize>m << 2;
      for (let p = 0; p < kc; p++) {
        const o = offsetAt(off, p);
        store<f32>(dst, load<f32>(src) - o);
        store<f32>(dst, load<f32>(src, 4) - o, 4);
        store<f32>(dst, load<f32>(src, 8) - o, 8);
        dst += STRIP_ROW;
        src += stride;
      }
    } else if (!transA && rows == MR) {
      // Three rows, four depths at a time: (r0[p], r1[p], r2[p]) for p = 0..3 is three vectors.
      const stride = <usize>k << 2;
      let s0 = a + ((<usize>i * k + p0) << 2);
      let p = 0;
      for (; p + 4 <= kc; p += 4) {
        const o = off ? v128.load(off + (<usize>p << 2)) : f32x4.splat(0);
        const r0 = f32x4.sub(v128.load(s0), o), r1 = f32x4.sub(v128.load(s0 + stride), o), r2 = f32x4.sub(v128.load(s0 + 2 * stride), o);
        const t01 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5); // r0₀ r1₀ r0₁ r1₁
        const t23 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7); // r0₂ r1₂ r0₃ r1₃
        const u = v128.shuffle<f32>(t01, r2, 3, 5, 3, 5); // r1₁ r2₁ r1₁ r2₁
        v128.store(dst, v128.shuffle<f32>(t01, r2, 0, 1, 4, 2)); // r0₀ r1₀ r2₀ r0₁
        v128.store(dst, v128.shuffle<f32>(u, t23, 0, 1, 4, 5), 16); // r1₁ r2₁ r0₂ r1₂
        v128.store(dst, v128.shuffle<f32>(r2, t23, 2, 6, 7, 3), 32); // r2₂ r0₃ r1₃ r2₃
        dst += 4 * STRIP_ROW;
        s0 += 16;
      }
      for (; p < kc; p++) {
        const o = offsetAt(off, p);
        for (let r = 0; r < MR; r++) store<f32>(dst + (<usize>r << 2), load<f32>(s0 + <usize>r * stride) - o);
        dst += STRIP_ROW;
        s0 += 4;
      }
    } else {
      // Edge strip: element by element (A[i, p] is a[p·m + i] when transposed), zeros past i1.
      for (let p = 0; p < kc; p++) {
        const o = offsetAt(off, p);
        for (let r = 0; r < MR; r++) {
          let v: f32 = 0;
          if (r < rows) v = (transA ? load<f32>(a + ((<usize>(p0 + p) * m + i + r) << 2)) : load<f32>(a + ((<usize>(i + r) * k + p0 + p) << 2))) - o;
          store<f32>(dst + (<usize>r << 2), v);
        }
        dst += STRIP_ROW;
      }
    }
  }
}

/** The offset at depth p of a block (off: its first value, 0: no offset). */
// @ts-ignore: decorator
@inline
function offsetAt(off: usize, p: i32): f32 {
  return off ? load<f32>(off + (<usize>p << 2)) : 0;
}

/**
 * The 3×12 micro-kernel: C[0:3, 0:12] (row stride ldc bytes) = init + Σ_p A[:, p]·B[p, :], A as a
 * packed strip, B rows `bstride` bytes apart. init: 0 zeros, 1 C's current values, 2 the bias
 * row `bias[0:12]` in every row.
 */
// @ts-ignore: decorator
@inline
function micro(pa: usize, pb: usize, bstride: usize, kc: i32, c0: usize, ldc: usize, init: i32, bias: usize): void {
  let x00: v128, x01: v128, x02: v128, x10: v128, x11: v128, x12: v128, x20: v128, x21: v128, x22: v128;
  if (init == 1) {
    x00 = v128.load(c0); x01 = v128.load(c0, 16); x02 = v128.load(c0, 32);
    x10 = v128.load(c0 + ldc); x11 = v128.load(c0 + ldc, 16); x12 = v128.load(c0 + ldc, 32);
    x20 = v128.load(c0 + 2 * ldc); x21 = v128.load(c0 + 2 * ldc, 16); x22 = v128.load(c0 + 2 * ldc, 32);
  } else if (init == 2) {
    x00 = v128.load(bias); x01 = v128.load(bias, 16); x02 = v128.load(bias, 32);
    x10 = x00; x11 = x01; x12 = x02; x20 = x00; x21 = x01; x22 = x02;
  } else {
    x00 = f32x4.splat(0); x01 = x00; x02 = x00; x10 = x00; x11 = x00; x12 = x00; x20 = x00; x21 = x00; x22 = x00;
  }
  // One depth step per iteration, on purpose: V8 issues a block's loads before its arithmetic, so
  // unrolling here (by hand, or by Binaryen) keeps two steps' operands live and spills accumulators
  // to the stack — measured 30–50% slower. V8 unrolls this loop itself without that cost.
  const paEnd = pa + <usize>kc * STRIP_ROW;
  while (pa < paEnd) {
    const b0 = v128.load(pb), b1 = v128.load(pb, 16), b2 = v128.load(pb, 32);
    let av = v128.load32_splat(pa); x00 = madd(av, b0, x00); x01 = madd(av, b1, x01); x02 = madd(av, b2, x02);
    av = v128.load32_splat(pa, 4); x10 = madd(av, b0, x10); x11 = madd(av, b1, x11); x12 = madd(av, b2, x12);
    av = v128.load32_splat(pa, 8); x20 = madd(av, b0, x20); x21 = madd(av, b1, x21); x22 = madd(av, b2, x22);
    pb += bstride;
    pa += STRIP_ROW;
  }
  v128.store(c0, x00); v128.store(c0, x01, 16); v128.store(c0, x02, 32);
  v128.store(c0 + ldc, x10); v128.store(c0 + ldc, x11, 16); v128.store(c0 + ldc, x12, 32);
  v128.store(c0 + 2 * ldc, x20); v128.store(c0 + 2 * ldc, x21, 16); v128.store(c0 + 2 * ldc, x22, 32);
}

/**
 * A tile of fewer than MR rows or NR columns (rows × cols at dst): through the MR×NR buffer `tile`,
 * so nothing outside C is touched. first: start from the bias (0: none, zeros) instead of C.
 */
function edge_tile(pa: usize, pb: usize, bstride: usize, kc: i32, dst: usize, ldcb: usize, rows: i32, cols: i32, first: bool, bias: usize, tile: usize): void {
  for (let r = 0; r < MR; r++) {
    for (let cc = 0; cc < NR; cc++) {
      let v: f32 = 0;
      if (r < rows && cc < cols) v = first ? (bias ? load<f32>(bias + (<usize>cc << 2)) : 0) : load<f32>(dst + <usize>r * ldcb + (<usize>cc << 2));
      store<f32>(tile + (<usize>(r * NR + cc) << 2), v);
    }
  }
  micro(pa, pb, bstride, kc, tile, PANEL_ROW, 1, 0);
  for (let r = 0; r < rows; r++) {
    for (let cc = 0; cc < cols; cc++) store<f32>(dst + <usize>r * ldcb + (<usize>cc << 2), load<f32>(tile + (<usize>(r * NR + cc) << 2)));
  }
}

/**
 * C rows [i0, i1) × panels [q0, q1) for one row block (i1 − i0 ≤ MC): C row i is at
 * c + (i − i0 + crow0)·ldc floats. bPacked: 1 B packed by pack_b; 0 B row-major [k, n] with
 * n % NR == 0, read in place; 2 (B row-major [k, n]) or 3 (Bᵀ stored [n, k]) each panel's depth
 * block packed into scratch as it is reached — for a single row block, where a packed copy of the
 * whole of B would be used once and only cost memory.
 * Only depths [pBegin, pEnd) are summed (pBegin a multiple of KC): C starts from zero or the bias
 * at depth 0 and is accumulated into otherwise, and a packed B holds just those depths — so a
 * large B can be packed and multiplied a depth chunk at a time, with the same sums as in one go.
 * acc ≠ 0: C is accumulated into from depth 0 too (C += op(A)·op(B); bias ignored).
 */
export function gemm_block(
  a: usize, transA: i32, m: i32, k: i32, n: i32, b: usize, bPacked: i32, bias: usize,
  c: usize, ldc: i32, crow0: i32, i0: i32, i1: i32, q0: i32, q1: i32, scratch: usize, aoff: usize,
  pBegin: i32, pEnd: i32, acc: i32,
): void {
  const apack = scratch;
  const tile = scratch + (<usize>(MC * KG) << 2);
  const panelBuf = tile + (<usize>(MR * NR) << 2);
  const ldcb = <usize>ldc << 2;
  // Unpacked B rows are n floats apart, so a deep block would touch one page per row for every
  // strip; a shallow one walks a few rows of B side by side (TLB- and prefetch-friendly).
  const depth = bPacked != 0 ? KC : KC_DIRECT;
  // Depth blocks are taken a group at a time: the group's A blocks are packed together, and each
  // panel runs through all of them before the next panel, so the block's C columns under that
  // panel stay in L1 between depth blocks instead of the whole [rows, n] block of C being read
  // back from memory once per depth block. Each C entry still sums the depth blocks in order.
  const group = bPacked != 0 ? KG : KC_DIRECT;
  const kb = pEnd - pBegin;
  for (let g0 = pBegin; g0 < pEnd; g0 += group) {
    const gEnd = min(pEnd, g0 + group);
    for (let p0 = g0; p0 < gEnd; p0 += depth) {
      pack_a(a, transA, m, k, i0, i1, p0, min(depth, gEnd - p0), apack + (<usize>((p0 - g0) / depth) * MC * KC << 2), aoff);
    }
    for (let q = q0; q < q1; q++) {
      const j = q * NR;
      const cols = min(NR, n - j);
      const biasJ = bias + (<usize>j << 2);
      for (let p0 = g0; p0 < gEnd; p0 += depth) {
        const kc = min(depth, gEnd - p0);
        const ablock = apack + (<usize>((p0 - g0) / depth) * MC * KC << 2);
        const first = p0 == 0 && !acc;
        let pb: usize;
        if (bPacked >= 2) {
          const tb = bPacked == 3;
          pack_panel(tb ? b + (<usize>p0 << 2) : b + (<usize>p0 * n << 2), tb ? 1 : 0, kc, n, tb ? k : n, j, panelBuf);
          pb = panelBuf;
        } else {
          pb = bPacked ? b + (<usize>q * kb + (p0 - pBegin)) * PANEL_ROW : b + ((<usize>p0 * n + j) << 2);
        }
        const bstride: usize = bPacked != 0 ? PANEL_ROW : <usize>n << 2;
        for (let i = i0; i < i1; i += MR) {
          const rows = min(MR, i1 - i);
          const pa = ablock + <usize>((i - i0) / MR) * kc * STRIP_ROW;
          const dst = c + <usize>(i - i0 + crow0) * ldcb + (<usize>j << 2);
          if (rows == MR && cols == NR) micro(pa, pb, bstride, kc, dst, ldcb, first ? (bias ? 2 : 0) : 1, biasJ);
          else edge_tile(pa, pb, bstride, kc, dst, ldcb, rows, cols, first, bias ? biasJ : 0, tile);
        }
      }
    }
  }
}

/**
 * C[r0:r1, panels q0..q1] = op(A)·op(B) (+ bias) with A [m, k] (transA: stored [k, m]), B as
 * gemm_block's bPacked says, C [m, n]. Threads split rows or panels.
 * aoff (0: none): a [k] vector subtracted from every row of op(A). Depths [pBegin, pEnd) only
 * (see gemm_block): [0, k) for the whole product. acc ≠ 0: C += op(A)·op(B).
 */
export function gemm(
  a: usize, transA: i32, m: i32, k: i32, n: i32, b: usize, bPacked: i32, bias: usize, c: usize,
  scratch: usize, r0: i32, r1: i32, q0: i32, q1: i32, aoff: usize, pBegin: i32, pEnd: i32, acc: i32,
): void {
  for (let i0 = r0; i0 < r1; i0 += MC) {
    gemm_block(a, transA, m, k, n, b, bPacked, bias, c, n, i0, i0, min(r1, i0 + MC), q0, q1, scratch, aoff, pBegin, pEnd, acc);
  }
}

/** Floats of per-thread scratch `gemm` needs (exported for the host). */
export function gemm_scratch_floats(): i32 {
  return GEMM_SCRATCH_FLOATS;
}

/** The row block MC: a product of at most this many rows is one row block per thread. */
export function gemm_row_block(): i32 {
  return MC;
}

/** The micro-kernel's height MR (rows per A strip) and width NR (columns per B panel). */
export function gemm_strip_rows(): i32 {
  return MR;
}

export function gemm_panel_cols(): i32 {
  return NR;
}

/** The depth block KC: depth chunks of a product split by the host must start at its multiples. */
export function gemm_depth_block(): i32 {
  return KC;
}

/** The depth group KG: a depth chunk shorter than this would split the group each panel runs through. */
export function gemm_depth_group(): i32 {
  return KG;
}
