import { expect, it } from 'vitest';
import type { Backend } from '../backend/backend.js';
import { encodeTopK, sampledMatmul, sparseColumnSum, sparseMatmul, sparseTransposeMatmul } from '../backend/sparse-ops.js';
import type { Tensor } from '../backend/tensor.js';

/**
 * The same mistake gets the same typed error on every backend (see errors.ts): an index outside
 * its dimension is IndexOutOfRangeError — never a silently wrong number —, an int32 tensor where
 * float32 belongs is DTypeMismatchError, a disposed or foreign tensor its own error; all of them
 * internal (programming) errors, while an op the backend lacks is a user-facing UnsupportedOpError.
 */
export function describeErrorTaxonomy(ctx: { backend: Backend }): void {
  it('an index out of range is IndexOutOfRangeError (kind internal) in every gather, scatter and sparse product', () => {
    const b = ctx.backend;
    const held: Tensor[] = [];
    const keep = <T extends Tensor>(t: T) => (held.push(t), t);
    const [rows, cols, k, n] = [2, 5, 2, 3];
    for (const bad of [5, -1]) {
      const idx = keep(b.fromArray(Int32Array.of(0, 1, 2, bad), [rows, k], 'int32'));
      const sp = { values: keep(b.fromArray(new Float32Array(rows * k).fill(1), [rows, k])), indices: idx, cols };
      const calls: Record<string, () => unknown> = {
        gatherCols: () => b.gatherCols(keep(b.zeros([rows, cols])), idx),
        scatterToDense: () => b.scatterToDense(sp),
        sparseMatmul: () => sparseMatmul(b, sp, keep(b.zeros([cols, n]))),
        sampledMatmul: () => sampledMatmul(b, keep(b.zeros([rows, n])), keep(b.zeros([cols, n])), idx),
        sparseTransposeMatmul: () => sparseTransposeMatmul(b, sp, keep(b.zeros([rows, n]))),
        sparseColumnSum: () => sparseColumnSum(b, sp),
      };
      for (const [op, call] of Object.entries(calls)) {
        let error: unknown;
        try {
          const out = call() as Tensor | undefined;
          out?.dispose();
        } catch (e) {
          error = e;
        }
        expect(error, `${op} with index ${bad}`).toMatchObject({ code: 'DEEPLENS_INDEX_OUT_OF_RANGE', kind: 'internal' });
      }
    }
    for (const t of held) t.dispose();
  });

  it('an int32 tensor where float32 belongs is DTypeMismatchError; a disposed tensor TensorDisposedError', () => {
    const b = ctx.backend;
    const ints = b.fromArray(Int32Array.of(1, 2, 3, 4), [2, 2], 'int32');
    const floats = b.zeros([2, 2]);
    for (const [op, call] of [['matmul', () => b.matmul(ints, floats)], ['add', () => b.add(floats, ints)], ['reduce', () => b.reduce(ints, 'sum')], ['scale', () => b.scale(ints, 2)]] as const) {
      expect(call, op).toThrow(expect.objectContaining({ code: 'DEEPLENS_DTYPE_MISMATCH', kind: 'internal' }));
    }
    const gone = b.zeros([2]);
    gone.dispose();
    expect(() => b.add(gone, gone)).toThrow(expect.objectContaining({ code: 'DEEPLENS_TENSOR_DISPOSED', kind: 'internal' }));
    ints.dispose();
    floats.dispose();
  });

  it('encodeTopK with an unknown activation falls back to core\'s composition only for registered kinds, else a user error', () => {
    const b = ctx.backend;
    const [x, w, bias] = [b.zeros([2, 3]), b.zeros([3, 4]), b.zeros([4])];
    expect(() => encodeTopK(b, x, w, bias, 1, 'no-such-activation')).toThrow(expect.objectContaining({ code: 'DEEPLENS_INVALID_ARGUMENT', kind: 'user' }));
    for (const t of [x, w, bias]) t.dispose();
  });
}
