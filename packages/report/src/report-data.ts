import type { FeatureExample } from './context-tracker.js';
import { HIST_BINS, HIST_LOG10_RANGE, type FeatureStats } from './feature-scan.js';

/** Round to 4 significant digits for the page's data files (plots and labels need no more). */
export const r4 = (x: number): number => (Number.isFinite(x) ? Number(x.toPrecision(4)) : 0);

const example = (e: FeatureExample) => ({ v: r4(e.value), t: Array.from(e.tokens), a: Array.from(e.acts, r4) });

/** The top `n` and bottom `n` entries of a vector as [index, value] pairs. */
export function extremes(v: Float32Array, n: number): { pos: Array<[number, number]>; neg: Array<[number, number]> } {
  const order = Array.from(v.keys()).sort((a, b) => v[b]! - v[a]!);
  return { pos: order.slice(0, n).map((i) => [i, r4(v[i]!)]), neg: order.slice(-n).reverse().map((i) => [i, r4(v[i]!)]) };
}

/** One feature's card data. */
export function featureData(s: FeatureStats, f: number, logits?: Float32Array) {
  const [lo, hi] = HIST_LOG10_RANGE;
  const step = (hi - lo) / HIST_BINS;
  const hist: Array<{ from: number; to: number; count: number }> = [];
  for (let b = 0; b < HIST_BINS; b++) {
    const c = s.hist[f * HIST_BINS + b]!;
    if (c > 0) hist.push({ from: r4(lo + b * step), to: r4(lo + (b + 1) * step), count: c });
  }
  const count = s.count[f]!;
  return {
    id: f, count, density: count / s.rows, max: r4(s.max[f]!), mean: count > 0 ? r4(s.sum[f]! / count) : 0, hist,
    top: s.top(f).map(example),
    quant: s.quantiles(f).map((q) => ({ lo: r4(q.lo), hi: r4(q.hi), n: q.count, ex: q.examples.map(example) })),
    ...(logits && count > 0 ? { logits: extremes(logits, 10) } : {}),
  };
}

/** log10 feature density histogram (alive features), 0.25-decade bins. */
export function densityHistogram(s: FeatureStats): { bins: Array<{ log10_density: number; to: number; count: number }>; dead: number } {
  const width = 0.25;
  const counts = new Map<number, number>();
  let dead = 0;
  for (let f = 0; f < s.features; f++) {
    if (s.count[f] === 0) {
      dead++;
      continue;
    }
    const b = Math.floor(Math.log10(s.count[f]! / s.rows) / width);
    counts.set(b, (counts.get(b) ?? 0) + 1);
  }
  const bins = [...counts].sort((a, b) => a[0] - b[0]).map(([b, count]) => ({ log10_density: r4(b * width), to: r4((b + 1) * width), count }));
  return { bins, dead };
}

/** The L0-per-row histogram in at most 40 bins. */
export function l0Histogram(s: FeatureStats): Array<{ l0: number; to: number; rows: number }> {
  const maxL0 = s.l0Hist.length - 1;
  const width = Math.max(1, Math.ceil((maxL0 + 1) / 40));
  const out: Array<{ l0: number; to: number; rows: number }> = [];
  for (let b = 0; b * width <= maxL0; b++) {
    let rows = 0;
    for (let i = b * width; i < Math.min((b + 1) * width, s.l0Hist.length); i++) rows += s.l0Hist[i]!;
    out.push({ l0: b * width, to: (b + 1) * width, rows });
  }
  return out;
}

/** Mean L0 per row. */
export const meanL0 = (s: FeatureStats): number => s.l0Hist.reduce((a, n, l0) => a + n * l0, 0) / Math.max(1, s.rows);

/** Training curves from a run's metrics.jsonl lines: loss, eval FVU, eval L0 (nz_frac × features), dead fraction, lr. */
export function trainingCurves(lines: readonly string[], features: number): Array<{ metric: string; step: number; value: number }> {
  const out: Array<{ metric: string; step: number; value: number }> = [];
  for (const line of lines) {
    if (!line.trim()) continue;
    let m: Record<string, unknown>;
    try {
      m = JSON.parse(line) as Record<string, unknown>;
    } catch {
      continue; // a torn last line of a killed run
    }
    const step = Number(m['global_step'] ?? m['step']);
    if (!Number.isFinite(step)) continue;
    const add = (metric: string, v: unknown, scale = 1) => {
      if (typeof v === 'number' && Number.isFinite(v)) out.push({ metric, step, value: r4(v * scale) });
    };
    add('loss', m['train/loss']);
    add('lr', m['train/lr']);
    add('fvu', m['eval/fvu']);
    add('l0', m['eval/non_zero_frac'], features);
    add('dead', m['eval/dead_frac']);
  }
  return out;
}
