import type { Dialect, KernelSpec } from '../kernel-runner.js';
import { position } from './elementwise.js';

/**
 * Kernels that sort a [rows, k] index matrix's entries by column on the GPU (a bitonic sort:
 * WebGL cannot scatter, so the transposed order is computed with gathers only), giving the CSR
 * layout of the transposed sparse matrix that the scatter-shaped TopK gradients read.
 */

/** Entry t's flat position (t < entries), its key (column) or, for the padding, `features` (sorts last). */
export function sortInitKernel(d: Dialect, rows: number, k: number, padded: number, features: number, what: 'key' | 'pos'): KernelSpec {
  const entries = rows * k;
  const row = `Math.floor((c + 0.5) / ${k})`;
  const value = what === 'pos' ? 'c' : `${d.at('idx', 'er', `c - er * ${k}`, k)}`;
  return {
    params: ['idx'],
    rows: 1,
    cols: padded,
    body: `${position(d, padded)}
if (c >= ${entries}) {
  return ${what === 'pos' ? 'c' : `${features}.0`};
}
const er = ${row};
return ${value};`,
  };
}

/**
 * One compare-exchange pass of the bitonic sort over (key, pos) pairs, ascending by key then by
 * position (positions are unique, so the order is total and the sort stable). `size` and `stride`
 * are arguments, so the whole sort compiles two kernels, not one per pass.
 */
export function sortPassKernel(d: Dialect, padded: number, what: 'key' | 'pos'): KernelSpec {
  const at = (name: string, i: string) => d.at(name, '0', i, padded);
  return {
    params: ['keys', 'pos'],
    scalars: ['size', 'stride'],
    rows: 1,
    cols: padded,
    body: `${position(d, padded)}
const up = Math.floor(c / stride) % 2.0;
let o = c + stride;
if (up > 0.5) {
  o = c - stride;
}
const ascending = Math.floor(c / size) % 2.0;
const ka = ${at('keys', 'c')};
const kb = ${at('keys', 'o')};
const pa = ${at('pos', 'c')};
const pb = ${at('pos', 'o')};
let aLess = 0.0;
if (ka < kb) {
  aLess = 1.0;
} else if (ka == kb && pa < pb) {
  aLess = 1.0;
}
let wantMin = 0.0;
if ((up < 0.5) == (ascending < 0.5)) {
  wantMin = 1.0;
}
let self = 0.0;
if ((wantMin > 0.5) == (aLess > 0.5)) {
  self = 1.0;
}
if (self > 0.5) {
  return ${what === 'key' ? 'ka' : 'pa'};
}
return ${what === 'key' ? 'kb' : 'pb'};`,
  };
}

/** start[f] = the first sorted position whose key is ≥ f (a binary search per feature) → [features + 1]. */
export function segmentStartKernel(d: Dialect, padded: number, entries: number, features: number): KernelSpec {
  const steps = Math.ceil(Math.log2(entries + 1)) + 1;
  return {
    params: ['keys'],
    rows: 1,
    cols: features + 1,
    loopMax: steps,
    body: `${position(d, features + 1)}
let lo = 0.0;
let hi = ${entries}.0;
for (let s = 0; s < ${steps}; s++) {
  if (lo < hi) {
    const mid = Math.floor((lo + hi) / 2.0);
    if (${d.at('keys', '0', 'mid', padded)} < c) {
      lo = mid + 1.0;
    } else {
      hi = mid;
    }
  }
}
return lo;`,
  };
}

/** Sorted entry t's row (what = 'row') or value (what = 'value'), from its flat position. */
export function sortedEntryKernel(d: Dialect, k: number, padded: number, entries: number, what: 'row' | 'value'): KernelSpec {
  return {
    params: what === 'row' ? ['pos'] : ['pos', 'v'],
    rows: 1,
    cols: entries,
    body: `${position(d, entries)}
const e = ${d.at('pos', '0', 'c', padded)};
const er = Math.floor((e + 0.5) / ${k});
return ${what === 'row' ? 'er' : d.at('v', 'er', `e - er * ${k}`, k)};`,
  };
}
