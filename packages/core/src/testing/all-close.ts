import type { Tolerance } from './tolerances.js';

export interface CloseReport {
  ok: boolean;
  /** Index and values of the worst element, relative to its bound. */
  worst: { index: number; actual: number; expected: number; ratio: number } | undefined;
}

/** Compare element by element; see tolerances.ts for the rule. */
export function compareClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: Tolerance): CloseReport {
  if (actual.length !== expected.length) return { ok: false, worst: undefined };
  let ss = 0;
  for (let i = 0; i < expected.length; i++) ss += expected[i]! * expected[i]!;
  const rms = expected.length ? Math.sqrt(ss / expected.length) : 0;
  let worst: CloseReport['worst'];
  let ok = true;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    const bound = tol.rtol * (Math.abs(e) + rms) + Number.MIN_VALUE;
    const ratio = Number.isNaN(a) !== Number.isNaN(e) ? Infinity : Number.isNaN(e) ? 0 : Math.abs(a - e) / bound;
    if (!(ratio <= 1)) ok = false;
    if (!worst || ratio > worst.ratio) worst = { index: i, actual: a, expected: e, ratio };
  }
  return { ok, worst };
}

/** Throws an Error naming the worst element when the arrays are not close. */
export function assertAllClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: Tolerance, label: string): void {
  if (actual.length !== expected.length) {
    throw new Error(`${label}: length ${actual.length} differs from expected ${expected.length}`);
  }
  const r = compareClose(actual, expected, tol);
  if (!r.ok) {
    const w = r.worst!;
    throw new Error(
      `${label}: not close (rtol ${tol.rtol}); worst element [${w.index}] = ${w.actual}, expected ${w.expected} (${w.ratio.toFixed(1)}× the bound)`,
    );
  }
}
