/** Numbers as DeepLens prints them: fixed 3 decimals, and the learning rate as 3.00e-04. */
export function fixed3(x: number): string {
  return Number.isFinite(x) ? x.toFixed(3) : String(x);
}

/** Exponent with at least two digits, as Python's `{:.2e}`: 3.00e-04, 1.00e+00. */
export function sci2(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const [mantissa, exp] = x.toExponential(2).split('e') as [string, string];
  const sign = exp.startsWith('-') ? '-' : '+';
  return `${mantissa}e${sign}${exp.replace(/^[-+]/, '').padStart(2, '0')}`;
}

export function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : m > 0 ? `${m}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}
