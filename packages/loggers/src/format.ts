/** Numbers as DeepLens prints them: fixed 3 decimals, and the learning rate as 3.00e-04. */
export function fixed3(x: number): string {
  return pythonFixed(x, 3);
}

/**
 * Python's `f"{x:.{digits}f}"`: like toFixed, except that an exact binary tie (0.0625 → 3 digits)
 * rounds half to even ("0.062") where toFixed rounds up ("0.063").
 */
export function pythonFixed(x: number, digits: number): string {
  if (!Number.isFinite(x)) return String(x);
  const scale = 10 ** digits;
  const scaled = x * scale;
  const isExactTie = scaled / scale === x && Number.isInteger(scaled * 2) && !Number.isInteger(scaled);
  if (!isExactTie) return x.toFixed(digits);
  const down = Math.floor(scaled);
  const even = down % 2 === 0 ? down : down + 1;
  return (even / scale).toFixed(digits);
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

/** Local time as YYYYMMDD_HHMMSS, the stamp W&B puts in run folder names (offline-run-20240101_120000-id). */
export function wandbTimestamp(date: Date = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}${p(date.getMonth() + 1)}${p(date.getDate())}_${p(date.getHours())}${p(date.getMinutes())}${p(date.getSeconds())}`;
}
