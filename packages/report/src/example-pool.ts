import type { FeatureExample } from './context-tracker.js';

/**
 * Fixed storage for every example the report keeps (each feature's top examples and interval
 * samples): value, row, document, and the ±C context's token ids and feature values, in flat typed
 * arrays, so millions of examples cost bytes, not objects. A slot is reused when its example is
 * replaced; its generation counter tells late context writes for the old example to stop.
 */
export class ExamplePool {
  readonly width: number;
  readonly value: Float32Array;
  readonly row: Float64Array;
  readonly doc: Int32Array;
  readonly tokens: Int32Array;
  readonly acts: Float32Array;
  readonly gen: Uint32Array;

  constructor(
    readonly slots: number,
    readonly context: number,
  ) {
    this.width = 2 * context + 1;
    this.value = new Float32Array(slots);
    this.row = new Float64Array(slots);
    this.doc = new Int32Array(slots);
    this.tokens = new Int32Array(slots * this.width);
    this.acts = new Float32Array(slots * this.width);
    this.gen = new Uint32Array(slots);
  }

  /** Start a new example in `slot` (its context cleared); returns its generation. */
  reset(slot: number, value: number, row: number, doc: number): number {
    this.value[slot] = value;
    this.row[slot] = row;
    this.doc[slot] = doc;
    this.tokens.fill(-1, slot * this.width, (slot + 1) * this.width);
    this.acts.fill(0, slot * this.width, (slot + 1) * this.width);
    return ++this.gen[slot]!;
  }

  /** The example in `slot`, as views of the pool (no copy). */
  example(slot: number): FeatureExample {
    const o = slot * this.width;
    return { value: this.value[slot]!, row: this.row[slot]!, doc: this.doc[slot]!, tokens: this.tokens.subarray(o, o + this.width), acts: this.acts.subarray(o, o + this.width) };
  }
}
