import type { ExamplePool } from './example-pool.js';

/** One example of a feature firing: the row, its value, and ±C tokens of context with the feature's value on each. */
export interface FeatureExample {
  value: number;
  /** Global row index in the activation set. */
  row: number;
  doc: number;
  /** Token ids at offsets −C..C (−1 where the document does not reach). */
  tokens: Int32Array;
  /** The feature's activation at each of those tokens. */
  acts: Float32Array;
}

/** An example still waiting for the rows to its right. */
interface Pending {
  slot: number;
  gen: number;
  f: number;
  row: number;
  doc: number;
}

interface RowCode {
  row: number;
  doc: number;
  token: number;
  /** Active features of the row and their values. */
  idx: Int32Array;
  val: Float32Array;
}

const valueOf = (code: RowCode, f: number): number => {
  for (let i = 0; i < code.idx.length; i++) if (code.idx[i] === f) return code.val[i]!;
  return 0;
};

/**
 * Streams rows (in order) and fills examples' ±C context into an ExamplePool: the left side from a
 * ring of the last C rows' sparse codes, the right side as the next C rows arrive. Memory: C rows
 * of codes plus the examples still waiting for their right side.
 */
export class ContextTracker {
  readonly #ring: Array<RowCode | undefined>;
  #pending: Pending[] = [];
  #current = -1;

  constructor(
    readonly pool: ExamplePool,
  ) {
    this.#ring = new Array<RowCode | undefined>(pool.context + 1);
  }

  #slot(row: number): number {
    return row % (this.pool.context + 1);
  }

  /** Record a new example of feature `f` at the current row into pool slot `slot` (replacing what was there). */
  example(slot: number, f: number, value: number): void {
    const C = this.pool.context;
    const p = this.pool;
    const cur = this.#ring[this.#slot(this.#current)]!;
    const gen = p.reset(slot, value, cur.row, cur.doc);
    const o = slot * p.width;
    for (let j = 0; j <= C; j++) {
      const code = this.#current - j >= 0 ? this.#ring[this.#slot(this.#current - j)] : undefined;
      if (!code || code.doc !== cur.doc || code.row !== this.#current - j) break;
      p.tokens[o + C - j] = code.token;
      p.acts[o + C - j] = valueOf(code, f);
    }
    if (C > 0) this.#pending.push({ slot, gen, f, row: cur.row, doc: cur.doc });
  }

  /** Register row `row` (consecutive from 0) with its active features; fills waiting right contexts. */
  beginRow(row: number, doc: number, token: number, idx: Int32Array, val: Float32Array): void {
    const code = { row, doc, token, idx, val };
    this.#current = row;
    this.#ring[this.#slot(row)] = code;
    if (this.#pending.length === 0) return;
    const C = this.pool.context;
    const p = this.pool;
    const still: Pending[] = [];
    for (const e of this.#pending) {
      const off = row - e.row;
      if (off > C || p.gen[e.slot] !== e.gen) continue;
      const o = e.slot * p.width;
      if (e.doc === doc && p.tokens[o + C + off - 1] !== -1) {
        p.tokens[o + C + off] = token;
        p.acts[o + C + off] = valueOf(code, e.f);
      }
      if (off < C) still.push(e);
    }
    this.#pending = still;
  }
}
