// Element-wise ops, reductions and the in-place optimiser updates, 128-bit SIMD over element
// ranges [i0, i1) (or row ranges [r0, r1)) so worker threads can split a call.
import { activate, ACT_RELU } from './top-k';

const OP_ADD: i32 = 0;
const OP_SUB: i32 = 1;
const OP_MUL: i32 = 2;

// @ts-ignore: decorator
@inline
function binOp(op: i32, x: v128, y: v128): v128 {
  if (op == OP_ADD) return f32x4.add(x, y);
  if (op == OP_SUB) return f32x4.sub(x, y);
  return f32x4.mul(x, y);
}

// @ts-ignore: decorator
@inline
function binOpScalar(op: i32, x: f32, y: f32): f32 {
  if (op == OP_ADD) return x + y;
  if (op == OP_SUB) return x - y;
  return x * y;
}

// @ts-ignore: decorator
@inline
function binaryLoop(op: i32, a: usize, b: usize, out: usize, i0: i32, i1: i32): void {
  let i = i0;
  for (; i + 4 <= i1; i += 4) {
    const o = <usize>i << 2;
    v128.store(out + o, binOp(op, v128.load(a + o), v128.load(b + o)));
  }
  for (; i < i1; i++) {
    const o = <usize>i << 2;
    store<f32>(out + o, binOpScalar(op, load<f32>(a + o), load<f32>(b + o)));
  }
}

/** out = a (op) b element-wise; op 0 add, 1 sub, 2 mul (out may be a: in place). */
export function binary(op: i32, a: usize, b: usize, out: usize, i0: i32, i1: i32): void {
  if (op == OP_ADD) binaryLoop(OP_ADD, a, b, out, i0, i1);
  else if (op == OP_SUB) binaryLoop(OP_SUB, a, b, out, i0, i1);
  else binaryLoop(OP_MUL, a, b, out, i0, i1);
}

/** out = s·a (out may be a: in place). */
export function scale(a: usize, s: f32, out: usize, i0: i32, i1: i32): void {
  const sv = f32x4.splat(s);
  let i = i0;
  for (; i + 4 <= i1; i += 4) {
    const o = <usize>i << 2;
    v128.store(out + o, f32x4.mul(v128.load(a + o), sv));
  }
  for (; i < i1; i++) store<f32>(out + (<usize>i << 2), load<f32>(a + (<usize>i << 2)) * s);
}

/** out = sign(a): 1, −1, 0 for ±0, NaN for NaN. */
export function sign(a: usize, out: usize, i0: i32, i1: i32): void {
  const zero = f32x4.splat(0);
  const one = f32x4.splat(1);
  const minusOne = f32x4.splat(-1);
  const nan = f32x4.splat(NaN);
  let i = i0;
  for (; i + 4 <= i1; i += 4) {
    const o = <usize>i << 2;
    const x = v128.load(a + o);
    const r = v128.or(v128.or(v128.and(f32x4.gt(x, zero), one), v128.and(f32x4.lt(x, zero), minusOne)), v128.and(f32x4.ne(x, x), nan));
    v128.store(out + o, r);
  }
  for (; i < i1; i++) {
    const x = load<f32>(a + (<usize>i << 2));
    store<f32>(out + (<usize>i << 2), x > 0 ? 1 : x < 0 ? -1 : x == 0 ? 0 : NaN);
  }
}

/** out = act(x); act 1 relu (NaN stays NaN), 2 silu. */
export function activation(x: usize, act: i32, out: usize, i0: i32, i1: i32): void {
  let i = i0;
  if (act == ACT_RELU) {
    const zero = f32x4.splat(0);
    for (; i + 4 <= i1; i += 4) {
      const o = <usize>i << 2;
      const v = v128.load(x + o);
      v128.store(out + o, v128.bitselect(v, zero, v128.or(f32x4.gt(v, zero), f32x4.ne(v, v))));
    }
  }
  for (; i < i1; i++) store<f32>(out + (<usize>i << 2), activate(load<f32>(x + (<usize>i << 2)), act));
}

/**
 * out = (dy + l1·sign(pre)) ⊙ act′(pre), relu′(0) = 0 (l1 = 0: dy ⊙ act′(pre), nothing added).
 * out may be dy: in place. With ReLU, `pre` may be relu(pre) (same mask, same signs).
 */
export function activation_grad(dy: usize, pre: usize, act: i32, l1: f32, out: usize, i0: i32, i1: i32): void {
  let i = i0;
  if (act == ACT_RELU) {
    // Where pre > 0, sign(pre) = 1: the L1 term is + l1 on the entries the mask keeps.
    const zero = f32x4.splat(0);
    const c = f32x4.splat(l1);
    if (l1 == 0) {
      for (; i + 4 <= i1; i += 4) {
        const o = <usize>i << 2;
        v128.store(out + o, v128.and(v128.load(dy + o), f32x4.gt(v128.load(pre + o), zero)));
      }
    } else {
      for (; i + 4 <= i1; i += 4) {
        const o = <usize>i << 2;
        v128.store(out + o, v128.and(f32x4.add(v128.load(dy + o), c), f32x4.gt(v128.load(pre + o), zero)));
      }
    }
    for (; i < i1; i++) {
      const o = <usize>i << 2;
      store<f32>(out + o, load<f32>(pre + o) > 0 ? (l1 == 0 ? load<f32>(dy + o) : load<f32>(dy + o) + l1) : 0);
    }
    return;
  }
  for (; i < i1; i++) {
    const o = <usize>i << 2;
    const h = load<f32>(pre + o);
    let g = load<f32>(dy + o);
    if (l1 != 0) g += l1 * (h > 0 ? 1 : h < 0 ? -1 : h == 0 ? 0 : NaN);
    const s: f32 = 1 / (1 + Mathf.exp(-h));
    store<f32>(out + o, g * s * (1 + h * (1 - s)));
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

// Reductions. kind: 0 sum, 1 sumAbs, 2 sumSquares, 3 countNonZero, 4 countNonFinite.
// @ts-ignore: decorator
@inline
function termV(kind: i32, x: v128): v128 {
  const zero = f32x4.splat(0);
  const one = f32x4.splat(1);
  if (kind == 0) return x;
  if (kind == 1) return f32x4.abs(x);
  if (kind == 2) return f32x4.mul(x, x);
  if (kind == 3) return v128.and(f32x4.ne(x, zero), one);
  return v128.and(f32x4.ne(f32x4.sub(x, x), zero), one);
}

// @ts-ignore: decorator
@inline
function termS(kind: i32, x: f32): f64 {
  if (kind == 0) return x;
  if (kind == 1) return abs<f32>(x);
  if (kind == 2) return <f64>x * <f64>x;
  if (kind == 3) return x != 0 ? 1 : 0;
  return x - x == 0 ? 0 : 1;
}

// @ts-ignore: decorator
@inline
function hsum(v: v128): f64 {
  return <f64>f32x4.extract_lane(v, 0) + <f64>f32x4.extract_lane(v, 1) + <f64>f32x4.extract_lane(v, 2) + <f64>f32x4.extract_lane(v, 3);
}

/** Σ term(x[i]) over [i0, i1), in float32 lanes flushed to a float64 total every 256 elements. */
// @ts-ignore: decorator
@inline
function sumRange(kind: i32, x: usize, i0: i32, i1: i32): f64 {
  let total: f64 = 0;
  let i = i0;
  while (i + 4 <= i1) {
    const end = min(i1, i + 256);
    let acc = f32x4.splat(0);
    for (; i + 4 <= end; i += 4) acc = f32x4.add(acc, termV(kind, v128.load(x + (<usize>i << 2))));
    total += hsum(acc);
  }
  for (; i < i1; i++) total += termS(kind, load<f32>(x + (<usize>i << 2)));
  return total;
}

/** partials[slot] (float64) = Σ term(x[i]) over [i0, i1). */
export function reduce_all(x: usize, kind: i32, partials: usize, slot: i32, i0: i32, i1: i32): void {
  let s: f64;
  if (kind == 0) s = sumRange(0, x, i0, i1);
  else if (kind == 1) s = sumRange(1, x, i0, i1);
  else if (kind == 2) s = sumRange(2, x, i0, i1);
  else if (kind == 3) s = sumRange(3, x, i0, i1);
  else s = sumRange(4, x, i0, i1);
  store<f64>(partials + (<usize>slot << 3), s);
}

/** out[r] = Σ_c term(x[r, c]) for rows [r0, r1) of x [rows, cols]. */
export function reduce_rows(x: usize, cols: i32, kind: i32, out: usize, r0: i32, r1: i32): void {
  for (let r = r0; r < r1; r++) {
    const base = <usize>r * cols;
    let s: f64;
    if (kind == 0) s = sumRange(0, x + (base << 2), 0, cols);
    else if (kind == 1) s = sumRange(1, x + (base << 2), 0, cols);
    else if (kind == 2) s = sumRange(2, x + (base << 2), 0, cols);
    else if (kind == 3) s = sumRange(3, x + (base << 2), 0, cols);
    else s = sumRange(4, x + (base << 2), 0, cols);
    store<f32>(out + (<usize>r << 2), <f32>s);
  }
}

// @ts-ignore: decorator
@inline
function colSums(kind: i32, x: usize, rows: i32, cols: i32, out: usize, c0: i32, c1: i32, acc: usize): void {
  for (let cb = c0; cb < c1; cb += 256) {
    const ce = min(c1, cb + 256);
    memory.fill(acc, 0, <usize>(ce - cb) << 3);
    for (let r = 0; r < rows; r++) {
      const xr = x + ((<usize>r * cols) << 2);
      let c = cb;
      for (; c + 4 <= ce; c += 4) {
        const t = termV(kind, v128.load(xr + (<usize>c << 2)));
        const a = acc + (<usize>(c - cb) << 3);
        v128.store(a, f64x2.add(v128.load(a), f64x2.promote_low_f32x4(t)));
        v128.store(a, f64x2.add(v128.load(a, 16), f64x2.promote_low_f32x4(v128.shuffle<f32>(t, t, 2, 3, 0, 1))), 16);
      }
      for (; c < ce; c++) {
        const a = acc + (<usize>(c - cb) << 3);
        store<f64>(a, load<f64>(a) + termS(kind, load<f32>(xr + (<usize>c << 2))));
      }
    }
    for (let c = cb; c < ce; c++) store<f32>(out + (<usize>c << 2), <f32>load<f64>(acc + (<usize>(c - cb) << 3)));
  }
}

/** out[c] = Σ_r term(x[r, c]) for columns [c0, c1); acc: 256 float64 of scratch per thread. */
export function reduce_cols(x: usize, rows: i32, cols: i32, kind: i32, out: usize, acc: usize, c0: i32, c1: i32): void {
  if (kind == 0) colSums(0, x, rows, cols, out, c0, c1, acc);
  else if (kind == 1) colSums(1, x, rows, cols, out, c0, c1, acc);
  else if (kind == 2) colSums(2, x, rows, cols, out, c0, c1, acc);
  else if (kind == 3) colSums(3, x, rows, cols, out, c0, c1, acc);
  else colSums(4, x, rows, cols, out, c0, c1, acc);
}

/**
 * torch.optim.Adam / AdamW over [i0, i1), in place on p, m, v: g' = g + l2·p;
 * m = β1·m + (1−β1)·g'; v = β2·v + (1−β2)·g'²; p = decay·p − stepSize·m / (√v / bc2Sqrt + eps).
 */
export function adam(
  p: usize, g: usize, m: usize, v: usize, stepSize: f32, bc2Sqrt: f32, beta1: f32, beta2: f32, eps: f32,
  decay: f32, l2: f32, i0: i32, i1: i32,
): void {
  const b1 = f32x4.splat(beta1), b1c = f32x4.splat(1 - beta1);
  const b2 = f32x4.splat(beta2), b2c = f32x4.splat(1 - beta2);
  const l2v = f32x4.splat(l2), dv = f32x4.splat(decay), ssv = f32x4.splat(stepSize);
  const bcv = f32x4.splat(bc2Sqrt), ev = f32x4.splat(eps);
  let i = i0;
  for (; i + 4 <= i1; i += 4) {
    const o = <usize>i << 2;
    const pv = v128.load(p + o);
    const gi = f32x4.add(v128.load(g + o), f32x4.mul(l2v, pv));
    const mi = f32x4.add(f32x4.mul(b1, v128.load(m + o)), f32x4.mul(b1c, gi));
    const vi = f32x4.add(f32x4.mul(b2, v128.load(v + o)), f32x4.mul(b2c, f32x4.mul(gi, gi)));
    v128.store(m + o, mi);
    v128.store(v + o, vi);
    const denom = f32x4.add(f32x4.div(f32x4.sqrt(vi), bcv), ev);
    v128.store(p + o, f32x4.sub(f32x4.mul(pv, dv), f32x4.div(f32x4.mul(ssv, mi), denom)));
  }
  for (; i < i1; i++) {
    const o = <usize>i << 2;
    const pv = load<f32>(p + o);
    const gi = load<f32>(g + o) + l2 * pv;
    const mi = beta1 * load<f32>(m + o) + (1 - beta1) * gi;
    const vi = beta2 * load<f32>(v + o) + (1 - beta2) * gi * gi;
    store<f32>(m + o, mi);
    store<f32>(v + o, vi);
    store<f32>(p + o, pv * decay - (stepSize * mi) / (Mathf.sqrt(vi) / bc2Sqrt + eps));
  }
}

/** Scale rows [r0, r1) of x [rows, n] to unit L2 norm (zero rows stay as they are). */
export function normalize_rows(x: usize, n: i32, r0: i32, r1: i32): void {
  for (let r = r0; r < r1; r++) {
    const xr = x + (<usize>r * n << 2);
    const norm = Math.sqrt(sumRange(2, xr, 0, n));
    if (!(norm > 0)) continue;
    const nv = f32x4.splat(<f32>norm);
    let i = 0;
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      v128.store(xr + o, f32x4.div(v128.load(xr + o), nv));
    }
    for (; i < n; i++) store<f32>(xr + (<usize>i << 2), load<f32>(xr + (<usize>i << 2)) / <f32>norm);
  }
}
