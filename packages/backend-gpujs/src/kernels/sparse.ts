import type { Dialect, KernelSpec } from '../kernel-runner.js';
import { position } from './elementwise.js';

/** out[r, j] = x[r, idx[r, j]] → [rows, k]. */
export function gatherColsKernel(d: Dialect, rows: number, cols: number, k: number): KernelSpec {
  return {
    params: ['x', 'idx'],
    rows,
    cols: k,
    body: `${position(d, k)}
const q = ${d.at('idx', 'r', 'c', k)};
return ${d.at('x', 'r', 'q', cols)};`,
  };
}

/** Dense [rows, cols] of a sparse matrix, each output element gathering its row's matching entries (duplicates summed). */
export function scatterToDenseKernel(d: Dialect, rows: number, k: number, cols: number): KernelSpec {
  return {
    params: ['v', 'idx'],
    rows,
    cols,
    loopMax: k,
    body: `${position(d, cols)}
let s = 0.0;
for (let j = 0; j < ${k}; j++) {
  if (${d.at('idx', 'r', 'j', k)} == c) {
    s += ${d.at('v', 'r', 'j', k)};
  }
}
return s;`,
  };
}

/** Σ_j v[r,j]·W[idx[r,j], c] → [rows, n] (the TopK decode); W is [features, n], or [n, features] when transposed. */
export function sparseMatmulKernel(d: Dialect, rows: number, k: number, features: number, n: number, transposeB: boolean): KernelSpec {
  const w = transposeB ? d.at('w', 'c', 'q', features) : d.at('w', 'q', 'c', n);
  return {
    params: ['v', 'idx', 'w'],
    rows,
    cols: n,
    loopMax: k,
    body: `${position(d, n)}
let s = 0.0;
for (let j = 0; j < ${k}; j++) {
  const q = ${d.at('idx', 'r', 'j', k)};
  s += ${d.at('v', 'r', 'j', k)} * ${w};
}
return s;`,
  };
}

/** ⟨a[r,:], W[idx[r,j], :]⟩ → [rows, k]; W is [features, n], or [n, features] when transposed. */
export function sampledMatmulKernel(d: Dialect, rows: number, k: number, features: number, n: number, transposeB: boolean): KernelSpec {
  const w = transposeB ? d.at('w', 'p', 'q', features) : d.at('w', 'q', 'p', n);
  return {
    params: ['a', 'w', 'idx'],
    rows,
    cols: k,
    loopMax: n,
    body: `${position(d, k)}
const q = ${d.at('idx', 'r', 'c', k)};
let s = 0.0;
for (let p = 0; p < ${n}; p++) {
  s += ${d.at('a', 'r', 'p', n)} * ${w};
}
return s;`,
  };
}

/**
 * spᵀ·y → [features, n] (or its transpose), as a gather: feature f sums its own entries, which the
 * column-sorted (CSR-transposed) entry list holds contiguously from start[f] to start[f + 1]:
 * srow[t] is entry t's row, sval[t] its value. No scatter, no atomics.
 */
export function sparseTransposeMatmulKernel(d: Dialect, entries: number, features: number, n: number, transposeOut: boolean): KernelSpec {
  const [rows, cols] = transposeOut ? [n, features] : [features, n];
  const [f, c] = transposeOut ? ['c', 'r'] : ['r', 'c'];
  return {
    params: ['start', 'srow', 'sval', 'y'],
    rows,
    cols,
    loopMax: entries,
    body: `${position(d, cols)}
const t0 = ${d.at('start', '0', f, features + 1)};
const t1 = ${d.at('start', '0', `${f} + 1`, features + 1)};
let s = 0.0;
for (let t = t0; t < t1; t++) {
  s += ${d.at('sval', '0', 't', entries)} * ${d.at('y', d.at('srow', '0', 't', entries), c, n)};
}
return s;`,
  };
}

/** Column sums of the sparse matrix → [features], from the CSR-transposed entry list. */
export function sparseColumnSumKernel(d: Dialect, entries: number, features: number): KernelSpec {
  return {
    params: ['start', 'sval'],
    rows: 1,
    cols: features,
    loopMax: entries,
    body: `${position(d, features)}
const t0 = ${d.at('start', '0', 'c', features + 1)};
const t1 = ${d.at('start', '0', 'c + 1', features + 1)};
let s = 0.0;
for (let t = t0; t < t1; t++) {
  s += ${d.at('sval', '0', 't', entries)};
}
return s;`,
  };
}
