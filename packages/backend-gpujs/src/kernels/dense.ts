import type { ReduceKind } from '@deeplens/core';
import type { Dialect, KernelSpec } from '../kernel-runner.js';
import { position } from './elementwise.js';

/**
 * op(a)·op(b) → [m, n], one output element per thread, transposes read in place (no copies).
 * The inner loop is unrolled by four with four partial sums, so a GPU issues independent texture
 * reads; the partial sums are added at the end, as tiled float32 matmuls do.
 */
export function matmulKernel(d: Dialect, m: number, k: number, n: number, transposeA: boolean, transposeB: boolean, accumulate: boolean): KernelSpec {
  const A = (kk: string) => (transposeA ? d.at('a', kk, 'r', m) : d.at('a', 'r', kk, k));
  const B = (kk: string) => (transposeB ? d.at('b', 'c', kk, k) : d.at('b', kk, 'c', n));
  const k4 = Math.floor(k / 4) * 4;
  const unrolled = k4 === 0 ? '' : `for (let p = 0; p < ${k4}; p += 4) {
  s0 += ${A('p')} * ${B('p')};
  s1 += ${A('p + 1')} * ${B('p + 1')};
  s2 += ${A('p + 2')} * ${B('p + 2')};
  s3 += ${A('p + 3')} * ${B('p + 3')};
}`;
  const tail = k4 === k ? '' : `for (let q = ${k4}; q < ${k}; q++) {
  s0 += ${A('q')} * ${B('q')};
}`;
  return {
    params: accumulate ? ['a', 'b', 'o'] : ['a', 'b'],
    rows: m,
    cols: n,
    loopMax: k,
    body: `${position(d, n)}
let s0 = 0.0;
let s1 = 0.0;
let s2 = 0.0;
let s3 = 0.0;
${unrolled}
${tail}
const s = (s0 + s1) + (s2 + s3);
return ${accumulate ? `${d.at('o', 'r', 'c', n)} + s` : 's'};`,
  };
}

export const REDUCE_TERMS: Record<ReduceKind, string> = {
  sum: 'v',
  sumAbs: 'Math.abs(v)',
  sumSquares: 'v * v',
  countNonZero: '(v != 0.0) ? 1.0 : 0.0',
  countNonFinite: '(v - v != 0.0) ? 1.0 : 0.0',
};

/**
 * Σ term(x) along one axis of x [rows, cols]: axis 1 → [rows] (one thread per row), axis 0 → [cols].
 * The result is a vector, i.e. one row of `length` columns.
 */
export function reduceKernel(d: Dialect, kind: ReduceKind, rows: number, cols: number, axis: 0 | 1): KernelSpec {
  const length = axis === 1 ? rows : cols;
  const span = axis === 1 ? cols : rows;
  const read = axis === 1 ? d.at('x', 'c', 'j', cols) : d.at('x', 'j', 'c', cols);
  return {
    params: ['x'],
    rows: 1,
    cols: length,
    loopMax: span,
    body: `${position(d, length)}
let s = 0.0;
for (let j = 0; j < ${span}; j++) {
  const v = ${read};
  s += ${REDUCE_TERMS[kind]};
}
return s;`,
  };
}

/** Per-row mean of x [rows, cols] → [rows]. */
export function rowMeanKernel(d: Dialect, rows: number, cols: number): KernelSpec {
  return {
    params: ['x'],
    rows: 1,
    cols: rows,
    loopMax: cols,
    body: `${position(d, rows)}
let s = 0.0;
for (let j = 0; j < ${cols}; j++) {
  s += ${d.at('x', 'c', 'j', cols)};
}
return s / ${cols}.0;`,
  };
}

/** Per-row 1/√(biased variance + eps) of x given its row means → [rows]. */
export function rowRstdKernel(d: Dialect, rows: number, cols: number): KernelSpec {
  return {
    params: ['x', 'mu'],
    scalars: ['eps'],
    rows: 1,
    cols: rows,
    loopMax: cols,
    body: `${position(d, rows)}
const m = ${d.at('mu', '0', 'c', rows)};
let s = 0.0;
for (let j = 0; j < ${cols}; j++) {
  const t = ${d.at('x', 'c', 'j', cols)} - m;
  s += t * t;
}
return 1.0 / Math.sqrt(s / ${cols}.0 + eps);`,
  };
}

/** (x − mean)·rstd·γ + β. */
export function layerNormKernel(d: Dialect, rows: number, cols: number): KernelSpec {
  return {
    params: ['x', 'mu', 'rs', 'g', 'b'],
    rows,
    cols,
    body: `${position(d, cols)}
const h = (${d.at('x', 'r', 'c', cols)} - ${d.at('mu', '0', 'r', rows)}) * ${d.at('rs', '0', 'r', rows)};
return h * ${d.at('g', '0', 'c', cols)} + ${d.at('b', '0', 'c', cols)};`,
  };
}

/** x̂ of a layer norm's input at (row, j), from its mean and rstd. */
function xhat(d: Dialect, row: string, j: string, rows: number, cols: number): string {
  return `((${d.at('x', row, j, cols)} - ${d.at('mu', '0', row, rows)}) * ${d.at('rs', '0', row, rows)})`;
}

/**
 * Per-row means of g = dy·γ (which = 'g') or of g·x̂ (which = 'gx') → [rows]: the two row terms of
 * LayerNorm's input gradient dx = rstd·(g − mean(g) − x̂·mean(g·x̂)).
 */
export function layerNormRowTermKernel(d: Dialect, rows: number, cols: number, which: 'g' | 'gx'): KernelSpec {
  const term = `${d.at('dy', 'c', 'j', cols)} * ${d.at('gm', '0', 'j', cols)}${which === 'gx' ? ` * ${xhat(d, 'c', 'j', rows, cols)}` : ''}`;
  return {
    params: ['dy', 'x', 'mu', 'rs', 'gm'],
    rows: 1,
    cols: rows,
    loopMax: cols,
    body: `${position(d, rows)}
let s = 0.0;
for (let j = 0; j < ${cols}; j++) {
  s += ${term};
}
return s / ${cols}.0;`,
  };
}

export function layerNormDxKernel(d: Dialect, rows: number, cols: number): KernelSpec {
  return {
    params: ['dy', 'x', 'mu', 'rs', 'gm', 't1', 't2'],
    rows,
    cols,
    body: `${position(d, cols)}
const g = ${d.at('dy', 'r', 'c', cols)} * ${d.at('gm', '0', 'c', cols)};
const h = ${xhat(d, 'r', 'c', rows, cols)};
return ${d.at('rs', '0', 'r', rows)} * (g - ${d.at('t1', '0', 'r', rows)} - h * ${d.at('t2', '0', 'r', rows)});`,
  };
}

/** dγ = Σ_rows dy·x̂ (which = 'gamma') or dβ = Σ_rows dy → [cols]. */
export function layerNormParamGradKernel(d: Dialect, rows: number, cols: number, which: 'gamma' | 'beta'): KernelSpec {
  const term = which === 'gamma' ? `${d.at('dy', 'j', 'c', cols)} * ${xhat(d, 'j', 'c', rows, cols)}` : d.at('dy', 'j', 'c', cols);
  return {
    params: ['dy', 'x', 'mu', 'rs'],
    rows: 1,
    cols,
    loopMax: rows,
    body: `${position(d, cols)}
let s = 0.0;
for (let j = 0; j < ${rows}; j++) {
  s += ${term};
}
return s;`,
  };
}

/** dy ⊙ act′(pre) (after adding l1·sign(pre) to dy when `withL1`); relu′(0) = 0 as in PyTorch. */
export function activationGradKernel(d: Dialect, kind: 'relu' | 'silu', rows: number, cols: number, withL1: boolean): KernelSpec {
  const grad = kind === 'relu' ? '(h > 0.0) ? g : 0.0' : 'g * (1.0 / (1.0 + Math.exp(-h))) * (1.0 + h * (1.0 - 1.0 / (1.0 + Math.exp(-h))))';
  return {
    params: ['dy', 'pre'],
    ...(withL1 ? { scalars: ['l1'] } : {}),
    rows,
    cols,
    body: `${position(d, cols)}
const h = ${d.at('pre', 'r', 'c', cols)};
let g = ${d.at('dy', 'r', 'c', cols)};
${withL1 ? 'g += l1 * ((h > 0.0) ? 1.0 : ((h < 0.0) ? -1.0 : h));' : ''}
return ${grad};`,
  };
}

/**
 * One of torch.optim.Adam/AdamW's three updated tensors (`which`), from the old param, grad, m and v:
 * each is its own kernel writing a new texture (a shader cannot read and write one texture).
 * Scalars (computed on the host in double precision, as torch does): lr, b1, c1 = 1 − β1, b2,
 * c2 = 1 − β2, eps, wd, step = lr/(1 − β1^t), ibc2 = 1/√(1 − β2^t).
 */
export function adamKernel(d: Dialect, rows: number, cols: number, which: 'm' | 'v' | 'p', decoupled: boolean): KernelSpec {
  const g = decoupled ? 'gr' : 'gr + wd * p';
  const m = 'b1 * mo + c1 * g';
  const v = 'b2 * vo + c2 * g * g';
  const body = which === 'm' ? `return ${m};` : which === 'v' ? `return ${v};`
    : `const mn = ${m};
const vn = ${v};
const base = ${decoupled ? 'p * (1.0 - lr * wd)' : 'p'};
return base - step * mn / (Math.sqrt(vn) * ibc2 + eps);`;
  return {
    params: ['pa', 'ga', 'ma', 'va'],
    scalars: ['lr', 'b1', 'c1', 'b2', 'c2', 'eps', 'wd', 'step', 'ibc2'],
    rows,
    cols,
    body: `${position(d, cols)}
const p = ${d.at('pa', 'r', 'c', cols)};
const gr = ${d.at('ga', 'r', 'c', cols)};
const mo = ${d.at('ma', 'r', 'c', cols)};
const vo = ${d.at('va', 'r', 'c', cols)};
const g = ${g};
${body}`,
  };
}

/** x divided by its row's L2 norm (rows of norm 0 unchanged); norms [rows] precomputed. */
export function normalizeRowsKernel(d: Dialect, rows: number, cols: number): KernelSpec {
  return {
    params: ['x', 'ss'],
    rows,
    cols,
    body: `${position(d, cols)}
const q = Math.sqrt(${d.at('ss', '0', 'r', rows)});
const v = ${d.at('x', 'r', 'c', cols)};
if (q > 0.0) {
  return v / q;
}
return v;`,
  };
}
