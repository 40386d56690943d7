import { describe, expect, it } from 'vitest';
import { documentWindows } from './windows.js';

describe('documentWindows', () => {
  const doc = Int32Array.from([1, 10, 11, 12, 13, 14, 15, 16]);

  it('keeps a short document in one pass, without its BOS row unless asked', () => {
    const [w, ...rest] = documentWindows(doc, 16, 1, false);
    expect(rest).toEqual([]);
    expect(Array.from(w!.tokens)).toEqual(Array.from(doc));
    expect(w!.keep).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(documentWindows(doc, 16, 1, true)[0]!.keep).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('splits a long document into BOS-led passes, each token exactly one row at its document position', () => {
    const ws = documentWindows(doc, 3, 1, true);
    expect(ws.map((w) => Array.from(w.tokens))).toEqual([[1, 10, 11], [1, 12, 13], [1, 14, 15], [1, 16]]);
    const rows = ws.flatMap((w) => w.keep.map((k) => [w.tokens[k], w.pos[k]]));
    expect(rows).toEqual([[1, 0], [10, 1], [11, 2], [12, 3], [13, 4], [14, 5], [15, 6], [16, 7]]);
  });

  it('needs no BOS for a model without one', () => {
    const ws = documentWindows(Int32Array.from([5, 6, 7, 8, 9]), 2, null, false);
    expect(ws.map((w) => Array.from(w.tokens))).toEqual([[5, 6], [7, 8], [9]]);
    expect(ws.flatMap((w) => w.keep.map((k) => w.pos[k]))).toEqual([0, 1, 2, 3, 4]);
  });
});
