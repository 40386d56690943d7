import { expect, it } from 'vitest';
import type { Backend } from '../backend/backend.js';
import { encodeTopK, sampledMatmul, sparseColumnSum, sparseMatmul, sparseTransposeMatmul } from '../backend/sparse-ops.js';
import type { ActivationKind } from '../backend/backend.js';
import { assertAllClose } from './all-close.js';
import { refMatmul, refSparseToDense, refTopKIndices, refTranspose } from './reference-ops.js';
import { TOLERANCES } from './tolerances.js';

/**
 * The TopK products through core's sparse-ops (the backend's fused op when it has one, the dense
 * fallback otherwise) against dense float64 products.
 */
export function describeSparseOps(ctx: { backend: Backend }, rand: (n: number) => Float32Array): void {
  const [rows, cols, k, n] = [6, 40, 5, 13];
  for (const transposed of [false, true]) {
    it(`sparse TopK products (feature matrix ${transposed ? '[n, cols]' : '[cols, n]'}) match dense ones`, async () => {
      const b = ctx.backend;
      const vals = rand(rows * k);
      const idx = Int32Array.from({ length: rows * k }, (_, i) => ((i % k) * 8 + Math.floor(i / k)) % cols);
      const w = rand(cols * n);
      const a = rand(rows * n);
      const sp = { values: b.fromArray(vals, [rows, k]), indices: b.fromArray(idx, [rows, k], 'int32'), cols };
      const wt = b.fromArray(w, transposed ? [n, cols] : [cols, n]);
      const at = b.fromArray(a, [rows, n]);
      const dense = refSparseToDense(vals, idx, rows, k, cols);
      const wRowMajor = transposed ? refTranspose(w, n, cols) : Float64Array.from(w); // [cols, n]
      const read = async (t: import('../backend/tensor.js').Tensor) => (await b.read(t)) as Float32Array;

      const y = sparseMatmul(b, sp, wt, transposed);
      assertAllClose(await read(y), refMatmul(dense, wRowMajor, rows, cols, n), TOLERANCES.float32, 'sparseMatmul');

      const s = sampledMatmul(b, at, wt, sp.indices, transposed);
      const full = refMatmul(a, wRowMajor, rows, n, cols, false, true);
      assertAllClose(await read(s), Float64Array.from(idx, (c, i) => full[Math.floor(i / k) * cols + c]!), TOLERANCES.float32, 'sampledMatmul');

      const g = sparseTransposeMatmul(b, sp, at, transposed);
      const gRef = refMatmul(dense, a, cols, rows, n, true, false); // [cols, n]
      expect(g.shape).toEqual(transposed ? [n, cols] : [cols, n]);
      assertAllClose(await read(g), transposed ? refTranspose(gRef, cols, n) : gRef, TOLERANCES.float32, 'sparseTransposeMatmul');

      // spᵀ·(y − offset): through the backend's yOffset where it declares it, a shifted copy otherwise.
      const offset = rand(n);
      const ot = b.fromArray(offset, [n]);
      const shiftedA = Float64Array.from(a, (v, i) => Math.fround(v - offset[i % n]!));
      const gShifted = sparseTransposeMatmul(b, sp, at, transposed, ot);
      const gShiftedRef = refMatmul(dense, shiftedA, cols, rows, n, true, false);
      assertAllClose(await read(gShifted), transposed ? refTranspose(gShiftedRef, cols, n) : gShiftedRef, TOLERANCES.float32, 'sparseTransposeMatmul with yOffset');
      expect(await read(at)).toEqual(a); // y itself is untouched
      for (const t of [ot, gShifted]) t.dispose();

      const cs = sparseColumnSum(b, sp);
      const csRef = new Float64Array(cols);
      for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) csRef[c]! += dense[r * cols + c]!;
      assertAllClose(await read(cs), csRef, TOLERANCES.float32, 'sparseColumnSum');
      for (const t of [sp.values, sp.indices, wt, at, y, s, g, cs]) t.dispose();
    });
  }

  // The TopK encoder (fused op or core's composition): odd sizes for edge tiles, more rows than a
  // fused kernel's row block, and a case where most latents are zero so ties decide the choice.
  const encoderCases: Array<[number, number, number, number, ActivationKind, boolean]> = [
    [7, 13, 45, 5, 'relu', false], [70, 24, 37, 9, 'relu', false], [9, 16, 64, 6, 'silu', false], [5, 11, 45, 12, 'relu', true],
  ];
  for (const [rows, d, cols, k, act, ties] of encoderCases) {
    it(`encodeTopK (${rows}×${d} → ${cols}, k=${k}, ${act}${ties ? ', mostly zero latents' : ''}) matches matmul → bias → ${act} → top-k`, async () => {
      const b = ctx.backend;
      const x = rand(rows * d);
      const w = rand(d * cols);
      const bias = ties ? Float32Array.from({ length: cols }, (_, c) => (c % 3 === 0 ? 0 : -50)) : rand(cols);
      const pre = refMatmul(x, w, rows, d, cols);
      for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) pre[r * cols + c]! += bias[c]!;
      const a = pre.map((v) => (act === 'relu' ? Math.max(v, 0) : v / (1 + Math.exp(-v))));
      const want = refTopKIndices(a, rows, cols, k);
      const [xt, wt, bt] = [b.fromArray(x, [rows, d]), b.fromArray(w, [d, cols]), b.fromArray(bias, [cols])];
      const enc = encodeTopK(b, xt, wt, bt, k, act);
      expect(enc.z.values.shape).toEqual([rows, k]);
      expect(enc.z.cols).toBe(cols);
      const vals = (await b.read(enc.z.values)) as Float32Array;
      const idx = (await b.read(enc.z.indices)) as Int32Array;
      const preK = (await b.read(enc.preAtK)) as Float32Array;
      for (let r = 0; r < rows; r++) {
        const got = Array.from(idx.subarray(r * k, (r + 1) * k));
        expect([...got].sort((p, q) => p - q), `row ${r}`).toEqual(want[r]);
      }
      assertAllClose(vals, Float64Array.from(idx, (c, i) => a[Math.floor(i / k) * cols + c]!), TOLERANCES.float32, 'encodeTopK values');
      assertAllClose(preK, Float64Array.from(idx, (c, i) => pre[Math.floor(i / k) * cols + c]!), TOLERANCES.float32, 'encodeTopK preAtK');

      // x − offset: through the backend's xOffset where it declares it, a shifted copy otherwise;
      // the same numbers as encoding the shifted rows (each difference rounded to float32).
      const offset = rand(d);
      const ot = b.fromArray(offset, [d]);
      const st = b.fromArray(Float32Array.from(x, (v, i) => v - offset[i % d]!), [rows, d]);
      const viaOffset = encodeTopK(b, xt, wt, bt, k, act, ot);
      const viaCopy = encodeTopK(b, st, wt, bt, k, act);
      for (const key of ['values', 'indices'] as const) expect(await b.read(viaOffset.z[key]), `xOffset ${key}`).toEqual(await b.read(viaCopy.z[key]));
      expect(await b.read(viaOffset.preAtK), 'xOffset preAtK').toEqual(await b.read(viaCopy.preAtK));
      expect(await b.read(xt)).toEqual(Float32Array.from(x)); // x itself is untouched
      for (const e of [viaOffset, viaCopy]) for (const t of [e.z.values, e.z.indices, e.preAtK]) t.dispose();
      for (const t of [xt, wt, bt, ot, st, enc.z.values, enc.z.indices, enc.preAtK]) t.dispose();
    });
  }
}
