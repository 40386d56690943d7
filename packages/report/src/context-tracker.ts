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
 * Streams rows (in order) and fills examples' ±C context: the left side from a ring of the last C
 * rows' sparse codes, the right side as the next C rows arrive. Memory: C rows of codes plus the
 * examples still waiting for their right side.
 */
export class ContextTracker {
  readonly #ring: Array<RowCode | undefined>;
  #pending: Array<{ ex: FeatureExample; f: number }> = [];

  constructor(readonly context: number) {
    this.#ring = new Array<RowCode | undefined>(context + 1);
  }

  /** A new example of feature `f` at the current row (call after `beginRow` for that row). */
  example(f: number, value: number): FeatureExample {
    const C = this.context;
    const cur = this.#ring[this.#slot(this.#current)]!;
    const tokens = new Int32Array(2 * C + 1).fill(-1);
    const acts = new Float32Array(2 * C + 1);
    for (let j = 0; j <= C; j++) {
      const code = this.#current - j >= 0 ? this.#ring[this.#slot(this.#current - j)] : undefined;
      if (!code || code.doc !== cur.doc || code.row !== this.#current - j) break;
      tokens[C - j] = code.token;
      acts[C - j] = valueOf(code, f);
    }
    const ex = { value, row: cur.row, doc: cur.doc, tokens, acts };
    if (C > 0) this.#pending.push({ ex, f });
    return ex;
  }

  #current = -1;

  #slot(row: number): number {
    return row % (this.context + 1);
  }

  /** Register row `row` (consecutive from 0) with its active features; fills waiting right contexts. */
  beginRow(row: number, doc: number, token: number, idx: Int32Array, val: Float32Array): void {
    const code = { row, doc, token, idx, val };
    this.#current = row;
    this.#ring[this.#slot(row)] = code;
    if (this.#pending.length === 0) return;
    const C = this.context;
    const still: Array<{ ex: FeatureExample; f: number }> = [];
    for (const p of this.#pending) {
      const off = row - p.ex.row;
      if (off > C) continue;
      if (p.ex.doc === doc && p.ex.tokens[C + off - 1] !== -1) {
        p.ex.tokens[C + off] = token;
        p.ex.acts[C + off] = valueOf(code, p.f);
      }
      if (off < C) still.push(p);
    }
    this.#pending = still;
  }
}
