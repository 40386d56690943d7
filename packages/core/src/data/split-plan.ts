import { DatasetSplitError } from '../errors.js';
import type { ConfigRuleIssue } from '../sae/sae-config.js';
import type { Rng } from '../random/rng.js';

/** A run of consecutive source rows. */
export interface Segment {
  start: number;
  count: number;
}

/** Fractions summing to 1 (within 1e-6), each at most 1. */
function areFractions(splits: readonly number[]): boolean {
  return Math.abs(splits.reduce((a, b) => a + b, 0) - 1) < 1e-6 && splits.every((s) => s <= 1);
}

/**
 * The rules `splits` must follow before the data is known, in one place: the dataset builder
 * (`resolveSplitSizes`) and the `data:` section of a config (the trainer's schema, the CLI) report
 * these, worded the same. Keys are relative to `data.`.
 */
export function splitIssues(splits: readonly number[]): ConfigRuleIssue[] {
  const shown = `[${splits.join(', ')}]`;
  if (splits.length < 1 || splits.length > 2 || splits.some((s) => !(Number.isFinite(s) && s >= 0))) {
    return [{ key: 'splits', message: `${shown} must be one or two non-negative numbers (train, eval)`, hint: 'e.g. splits: [0.8, 0.2]' }];
  }
  if (!areFractions(splits) && !splits.every(Number.isInteger)) {
    const sum = splits.reduce((a, b) => a + b, 0);
    return [{ key: 'splits', message: `${shown} sum to ${sum}; fractions must sum to 1`, hint: 'e.g. [0.8, 0.2], or row counts such as [8000, 2000]' }];
  }
  return [];
}

/**
 * Row counts for each split. Fractions must sum to 1 (the last part takes the rounding remainder);
 * integer counts must not exceed the rows (rows left over are unused).
 */
export function resolveSplitSizes(splits: readonly number[], rows: number): number[] {
  const shown = `[${splits.join(', ')}]`;
  const [first] = splitIssues(splits);
  if (first) throw new DatasetSplitError(`splits ${first.message}`, first.hint ? { hint: first.hint } : {});
  const sum = splits.reduce((a, b) => a + b, 0);
  let sizes: number[];
  if (areFractions(splits)) {
    sizes = splits.map((s) => Math.round(s * rows));
    sizes[sizes.length - 1] = rows - sizes.slice(0, -1).reduce((a, b) => a + b, 0);
  } else {
    if (sum > rows) throw new DatasetSplitError(`splits ${shown} ask for ${sum} rows, the dataset has ${rows}`);
    sizes = [...splits];
  }
  const names = ['train', 'eval'];
  sizes.forEach((n, i) => {
    if (n === 0) {
      throw new DatasetSplitError(`splits ${shown} of ${rows} rows leave the ${names[i]} split empty`, {
        hint: rows < 10 ? 'the dataset is tiny; add more activations' : 'give that split a larger share',
      });
    }
  });
  return sizes;
}

/**
 * Assign chunks of `chunkRows` consecutive rows to the splits in a seeded random order; the chunk
 * on a boundary is divided. Chunk granularity keeps reads sequential for datasets far larger
 * than memory, and the chunks are what the train loader shuffles. Segments come in file order.
 */
export function planSplits(rows: number, sizes: readonly number[], chunkRows: number, rng: Rng): Segment[][] {
  const nChunks = Math.ceil(rows / chunkRows);
  const order = rng.shuffle(Int32Array.from({ length: nChunks }, (_, i) => i));
  const parts: Segment[][] = sizes.map(() => []);
  let part = 0;
  let need = sizes[0]!;
  for (const chunk of order) {
    let start = chunk * chunkRows;
    let left = Math.min(chunkRows, rows - start);
    while (left > 0 && part < sizes.length) {
      const take = Math.min(left, need);
      if (take > 0) parts[part]!.push({ start, count: take });
      start += take;
      left -= take;
      need -= take;
      if (need === 0) {
        part++;
        need = sizes[part] ?? 0;
      }
    }
  }
  return parts.map((segs) => segs.sort((a, b) => a.start - b.start));
}

/** Drop the given rows (sorted ascending) from the segments. */
export function removeRows(segments: readonly Segment[], sortedRows: readonly number[]): Segment[] {
  if (sortedRows.length === 0) return [...segments];
  const out: Segment[] = [];
  let i = 0;
  for (const seg of segments) {
    let start = seg.start;
    const end = seg.start + seg.count;
    while (i < sortedRows.length && sortedRows[i]! < seg.start) i++;
    while (i < sortedRows.length && sortedRows[i]! < end) {
      const bad = sortedRows[i++]!;
      if (bad > start) out.push({ start, count: bad - start });
      start = bad + 1;
    }
    if (end > start) out.push({ start, count: end - start });
  }
  return out;
}

export function segmentRows(segments: readonly Segment[]): number {
  return segments.reduce((a, s) => a + s.count, 0);
}
