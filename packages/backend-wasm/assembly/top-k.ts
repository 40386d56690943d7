// TopK selection, alone and fused into the encoder. Selection rule everywhere (same as core's
// reference): per row the k entries of largest |a| (NaN counts as +Inf), ties broken by the lower
// column; output = the entries above the k-th magnitude in column order, then the tied ones in
// column order.
import { gemm_block, GEMM_SCRATCH_FLOATS, MC, NR } from './gemm';

/**
 * Rows the fused encoder handles at a time (its pre-activation block is ENC_ROWS × cols floats per
 * thread). Equal to gemm's row block MC: every block streams the whole packed W once, so 64-row
 * blocks read W twice as often as a plain matmul does — measured 10–20% slower than 128-row ones.
 */
const ENC_ROWS: i32 = MC;

/** Activation codes shared with the host: 0 none (identity), 1 relu, 2 silu. */
export const ACT_RELU: i32 = 1;
export const ACT_SILU: i32 = 2;

// @ts-ignore: decorator
@inline
export function activate(v: f32, act: i32): f32 {
  if (act == ACT_RELU) return v > 0 || v != v ? v : 0;
  if (act == ACT_SILU) return v / (1 + Mathf.exp(-v));
  return v;
}

// @ts-ignore: decorator
@inline
function magOf(v: f32): f32 {
  const a = abs<f32>(v);
  return a != a ? Infinity : a;
}

// The heap holds (magnitude, column) pairs; its root is the worst kept entry: the smallest
// magnitude, and among equal magnitudes the highest column.
// @ts-ignore: decorator
@inline
function worse(ma: f32, ca: i32, mb: f32, cb: i32): bool {
  return ma < mb || (ma == mb && ca > cb);
}

function sift_down(hm: usize, hc: usize, k: i32, start: i32): void {
  let i = start;
  const m = load<f32>(hm + (<usize>i << 2));
  const c = load<i32>(hc + (<usize>i << 2));
  for (;;) {
    let child = 2 * i + 1;
    if (child >= k) break;
    let cm = load<f32>(hm + (<usize>child << 2));
    let cc = load<i32>(hc + (<usize>child << 2));
    if (child + 1 < k) {
      const rm = load<f32>(hm + (<usize>(child + 1) << 2));
      const rc = load<i32>(hc + (<usize>(child + 1) << 2));
      if (worse(rm, rc, cm, cc)) { child++; cm = rm; cc = rc; }
    }
    if (!worse(cm, cc, m, c)) break;
    store<f32>(hm + (<usize>i << 2), cm);
    store<i32>(hc + (<usize>i << 2), cc);
    i = child;
  }
  store<f32>(hm + (<usize>i << 2), m);
  store<i32>(hc + (<usize>i << 2), c);
}

/** Sort a[0:n] (i32) ascending: insertion sort for short runs, heapsort otherwise. */
function sort_i32(a: usize, n: i32): void {
  if (n <= 48) {
    for (let i = 1; i < n; i++) {
      const v = load<i32>(a + (<usize>i << 2));
      let j = i - 1;
      while (j >= 0 && load<i32>(a + (<usize>j << 2)) > v) {
        store<i32>(a + (<usize>(j + 1) << 2), load<i32>(a + (<usize>j << 2)));
        j--;
      }
      store<i32>(a + (<usize>(j + 1) << 2), v);
    }
    return;
  }
  for (let s = (n >> 1) - 1; s >= 0; s--) sift_max(a, n, s);
  for (let end = n - 1; end > 0; end--) {
    const t = load<i32>(a);
    store<i32>(a, load<i32>(a + (<usize>end << 2)));
    store<i32>(a + (<usize>end << 2), t);
    sift_max(a, end, 0);
  }
}

function sift_max(a: usize, n: i32, start: i32): void {
  let i = start;
  const v = load<i32>(a + (<usize>i << 2));
  for (;;) {
    let child = 2 * i + 1;
    if (child >= n) break;
    let cv = load<i32>(a + (<usize>child << 2));
    if (child + 1 < n) {
      const rv = load<i32>(a + (<usize>(child + 1) << 2));
      if (rv > cv) { child++; cv = rv; }
    }
    if (cv <= v) break;
    store<i32>(a + (<usize>i << 2), cv);
    i = child;
  }
  store<i32>(a + (<usize>i << 2), v);
}

/**
 * Top-k of one row: `row` holds pre-activations [cols]; a = act(pre). Writes a's signed values,
 * the columns and (when preOut != 0) pre at those columns. `heap` has room for 2·k values.
 * colIdx ≠ 0: the row is a list of candidates, entry c being column colIdx[c] (ascending), and
 * the columns written are those.
 */
export function top_k_row(row: usize, cols: i32, k: i32, act: i32, vo: usize, io: usize, preOut: usize, heap: usize, colIdx: usize): void {
  const hm = heap;
  const hc = heap + (<usize>k << 2);
  for (let c = 0; c < k; c++) {
    store<f32>(hm + (<usize>c << 2), magOf(activate(load<f32>(row + (<usize>c << 2)), act)));
    store<i32>(hc + (<usize>c << 2), c);
  }
  for (let s = (k >> 1) - 1; s >= 0; s--) sift_down(hm, hc, k, s);
  let thr = load<f32>(hm);
  let c = k;
  if (act == ACT_RELU) {
    // relu(pre) ≥ pre for every candidate, so four columns at a time can be skipped when none
    // of their pre-activations beats the current k-th value (NaN compares false: checked below).
    for (; c + 4 <= cols; c += 4) {
      const v = v128.load(row + (<usize>c << 2));
      const t = f32x4.splat(thr);
      if (!v128.any_true(v128.or(f32x4.gt(v, t), f32x4.ne(v, v)))) continue;
      for (let q = 0; q < 4; q++) {
        const m = magOf(activate(load<f32>(row + (<usize>(c + q) << 2)), act));
        if (m > thr) {
          store<f32>(hm, m);
          store<i32>(hc, c + q);
          sift_down(hm, hc, k, 0);
          thr = load<f32>(hm);
        }
      }
    }
  }
  for (; c < cols; c++) {
    const m = magOf(activate(load<f32>(row + (<usize>c << 2)), act));
    if (m > thr) {
      store<f32>(hm, m);
      store<i32>(hc, c);
      sift_down(hm, hc, k, 0);
      thr = load<f32>(hm);
    }
  }
  // The kept columns, ascending; those above the threshold first, then the tied ones.
  sort_i32(hc, k);
  let taken = 0;
  for (let pass = 0; pass < 2; pass++) {
    for (let j = 0; j < k; j++) {
      const col = load<i32>(hc + (<usize>j << 2));
      const pre = load<f32>(row + (<usize>col << 2));
      const a = activate(pre, act);
      const m = magOf(a);
      if (pass == 0 ? m > thr : m == thr) {
        store<f32>(vo + (<usize>taken << 2), a);
        store<i32>(io + (<usize>taken << 2), colIdx ? load<i32>(colIdx + (<usize>col << 2)) : col);
        if (preOut) store<f32>(preOut + (<usize>taken << 2), pre);
        taken++;
      }
    }
  }
}

/**
 * Per row r in [r0, r1) of x [rows, cols]: the k entries of largest |act(x)| (act 0: none), their
 * act values and columns, and (preOut != 0) x at them. scratch: 2·k floats.
 */
export function top_k_abs(x: usize, cols: i32, k: i32, act: i32, values: usize, indices: usize, preOut: usize, scratch: usize, r0: i32, r1: i32): void {
  for (let r = r0; r < r1; r++) {
    const o = <usize>r * k << 2;
    top_k_row(x + (<usize>r * cols << 2), cols, k, act, values + o, indices + o, preOut ? preOut + o : 0, scratch, 0);
  }
}

/** Floats of per-thread scratch encode_top_k needs for `cols` latents and top-k size k. */
export function encode_scratch_floats(cols: i32, k: i32): i32 {
  return GEMM_SCRATCH_FLOATS + ENC_ROWS * cols + 2 * k;
}

/**
 * The TopK encoder for rows [r0, r1) of x [m, d]: pre = x·W + bias (W packed by pack_b, or
 * row-major [d, cols] with cols % NR == 0), a = act(pre), and per row the top-k of |a| into
 * values/indices [m, k] and pre at those entries into preAtK. Rows go ENC_ROWS at a time through
 * per-thread scratch, so the [m, cols] pre-activations never exist as a whole. xoff (0: none): a
 * [d] vector subtracted from every row of x as it is packed (x − b_dec without a copy of x).
 */
export function encode_top_k(
  x: usize, m: i32, d: i32, cols: i32, w: usize, wPacked: i32, bias: usize, k: i32, act: i32,
  values: usize, indices: usize, preAtK: usize, scratch: usize, r0: i32, r1: i32, xoff: usize,
): void {
  const block = scratch + (<usize>GEMM_SCRATCH_FLOATS << 2);
  const heap = block + (<usize>(ENC_ROWS * cols) << 2);
  const panels = (cols + NR - 1) / NR;
  for (let i0 = r0; i0 < r1; i0 += ENC_ROWS) {
    const i1 = min(r1, i0 + ENC_ROWS);
    gemm_block(x, 0, m, d, cols, w, wPacked, bias, block, cols, 0, i0, i1, 0, panels, scratch, xoff, 0, d, 0);
    for (let i = i0; i < i1; i++) {
      const o = <usize>i * k << 2;
      top_k_row(block + (<usize>(i - i0) * cols << 2), cols, k, act, values + o, indices + o, preAtK + o, heap, 0);
    }
  }
}
