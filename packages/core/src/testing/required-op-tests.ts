import { expect, it, type TestContext } from 'vitest';
import type { Backend } from '../backend/backend.js';
import type { Tensor } from '../backend/tensor.js';
import { matmulAccumulate } from '../backend/matmul-accumulate.js';
import { DeepLensError } from '../errors.js';
import { assertAllClose } from './all-close.js';
import { refLayerNorm, refLayerNormGrad, refMatmul, refSparseToDense, refTopKIndices } from './reference-ops.js';
import { tolerancesFor } from './tolerances.js';

type SupportedIt = (op: string, name: string, fn: (context: TestContext) => Promise<void> | void) => void;

/** Data transfer, memory accounting and the required ops that core cannot compose: matmul, reduce, LayerNorm, top-k, gather/scatter. */
export function describeRequiredOps(ctx: { backend: Backend }, rand: (n: number, scale?: number) => Float32Array, supportedIt: SupportedIt): void {
  const f32 = async (t: Tensor) => (await ctx.backend.read(t)) as Float32Array;
  const TOLERANCES = new Proxy({} as ReturnType<typeof tolerancesFor>, { get: (_t, key: string) => tolerancesFor(ctx.backend.capabilities)[key as 'float32'] });

  it('uploads and reads back float32 and int32 data, and tracks memory', async () => {
    const b = ctx.backend;
    const before = b.memory().tensors;
    const data = rand(12);
    const t = b.fromArray(data, [3, 4]);
    const i = b.fromArray(Int32Array.of(1, -2, 3), [3], 'int32');
    expect(t.shape).toEqual([3, 4]);
    expect(t.dtype).toBe('float32');
    expect(Array.from(await b.read(t))).toEqual(Array.from(data));
    expect(Array.from(await b.read(i))).toEqual([1, -2, 3]);
    const z = b.zeros([2, 5]);
    expect(Array.from(await b.read(z))).toEqual(new Array(10).fill(0));
    expect(b.memory().tensors).toBe(before + 3);
    for (const x of [t, i, z]) x.dispose();
    expect(b.memory().tensors).toBe(before);
    expect(t.isDisposed).toBe(true);
  });

  it('rejects data that does not fill the shape, and use after dispose, with typed errors', () => {
    const b = ctx.backend;
    expect(() => b.fromArray(new Float32Array(5), [2, 3])).toThrow(expect.objectContaining({ code: 'DEEPLENS_SHAPE_MISMATCH' }));
    const t = b.fromArray(new Float32Array(4), [2, 2]);
    t.dispose();
    expect(() => b.scale(t, 2)).toThrow(expect.objectContaining({ code: 'DEEPLENS_TENSOR_DISPOSED' }));
  });

  const matmulShapes: Array<[number, number, number]> = [[5, 7, 3], [1, 1, 1], [37, 130, 1100]];
  for (const [m, k, n] of matmulShapes) {
    for (const [tA, tB] of [[false, false], [true, false], [false, true], [true, true]] as const) {
      supportedIt('matmul', `matmul ${m}×${k}·${k}×${n} transposeA=${tA} transposeB=${tB}`, async () => {
        const b = ctx.backend;
        const a = rand(m * k);
        const w = rand(k * n);
        const at = b.fromArray(a, tA ? [k, m] : [m, k]);
        const bt = b.fromArray(w, tB ? [n, k] : [k, n]);
        const c = b.matmul(at, bt, { transposeA: tA, transposeB: tB });
        expect(c.shape).toEqual([m, n]);
        assertAllClose(await f32(c), refMatmul(a, w, m, k, n, tA, tB), TOLERANCES.float32, 'matmul');
        for (const x of [at, bt, c]) x.dispose();
      });
    }
  }

  supportedIt('matmul', 'matmulAccumulate adds op(a)·op(b) into its output (the backend\'s op or core\'s fallback)', async () => {
    const b = ctx.backend;
    for (const [m, k, n] of [[5, 7, 3], [37, 130, 1100]] as const) {
      for (const [tA, tB] of [[false, false], [true, false], [false, true], [true, true]] as const) {
        const a = rand(m * k);
        const w = rand(k * n);
        const start = rand(m * n);
        const at = b.fromArray(a, tA ? [k, m] : [m, k]);
        const bt = b.fromArray(w, tB ? [n, k] : [k, n]);
        const out = b.fromArray(start, [m, n]);
        matmulAccumulate(b, out, at, bt, { transposeA: tA, transposeB: tB });
        matmulAccumulate(b, out, at, bt, { transposeA: tA, transposeB: tB });
        const ref = refMatmul(a, w, m, k, n, tA, tB);
        assertAllClose(await f32(out), Float64Array.from(ref, (v, i) => start[i]! + 2 * v), TOLERANCES.float32, `matmulAccumulate tA=${tA} tB=${tB}`);
        expect(await f32(at)).toEqual(a);
        for (const x of [at, bt, out]) x.dispose();
      }
    }
    const [a, w, wrong] = [b.zeros([2, 3]), b.zeros([3, 4]), b.zeros([4, 2])];
    expect(() => matmulAccumulate(b, wrong, a, w)).toThrow(expect.objectContaining({ code: 'DEEPLENS_SHAPE_MISMATCH' }));
    for (const x of [a, w, wrong]) x.dispose();
  });

  supportedIt('matmul', 'matmul rejects mismatched inner dimensions with ShapeMismatchError', () => {
    const b = ctx.backend;
    const a = b.zeros([2, 3]);
    const w = b.zeros([4, 5]);
    expect(() => b.matmul(a, w)).toThrow(expect.objectContaining({ code: 'DEEPLENS_SHAPE_MISMATCH' }));
    a.dispose();
    w.dispose();
  });

  supportedIt('matmul', 'matmul precision bf16 rounds inputs when the backend declares bf16, else computes float32', async () => {
    const b = ctx.backend;
    const { roundToBf16 } = await import('../backend/bf16.js');
    const a = rand(6 * 40);
    const w = rand(40 * 4);
    const at = b.fromArray(a, [6, 40]);
    const bt = b.fromArray(w, [40, 4]);
    const c = b.matmul(at, bt, { precision: 'bf16' });
    const round = (x: Float32Array) => (b.capabilities.bf16 ? x.map(roundToBf16) : x);
    assertAllClose(await f32(c), refMatmul(round(a), round(w), 6, 40, 4), TOLERANCES.float32, 'bf16 matmul');
    for (const x of [at, bt, c]) x.dispose();
  });


  it('reduce: sum, sumAbs, sumSquares, countNonZero, countNonFinite over all, rows and columns', async () => {
    const b = ctx.backend;
    const rows = 7;
    const cols = 9;
    const x = rand(rows * cols);
    x[2] = 0;
    x[10] = 0;
    const xt = b.fromArray(x, [rows, cols]);
    const terms: Record<string, (v: number) => number> = {
      sum: (v) => v, sumAbs: Math.abs, sumSquares: (v) => v * v, countNonZero: (v) => (v !== 0 ? 1 : 0), countNonFinite: () => 0,
    };
    for (const [kind, term] of Object.entries(terms)) {
      for (const axis of [undefined, 0, 1] as const) {
        const len = axis === undefined ? 1 : axis === 0 ? cols : rows;
        const expected = new Float64Array(len);
        for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) expected[axis === undefined ? 0 : axis === 0 ? c : r]! += term(x[r * cols + c]!);
        const t = b.reduce(xt, kind as 'sum', axis);
        assertAllClose(await f32(t), expected, TOLERANCES.reduction, `reduce ${kind} axis ${String(axis)}`);
        t.dispose();
      }
    }
    const bad = b.fromArray([1, NaN, Infinity, -Infinity, 2, 3], [2, 3]);
    const n = b.reduce(bad, 'countNonFinite');
    expect((await f32(n))[0]).toBe(3);
    for (const t of [xt, bad, n]) t.dispose();
  });

  supportedIt('layerNorm', 'layerNorm forward and backward match the float64 reference (eps 1e-5)', async () => {
    const b = ctx.backend;
    const [rows, n] = [6, 33];
    const x = rand(rows * n, 3);
    const g = Float32Array.from(rand(n), (v) => 1 + 0.2 * v);
    const be = rand(n, 0.1);
    const dy = rand(rows * n);
    const [xt, gt, bt, dyt] = [b.fromArray(x, [rows, n]), b.fromArray(g, [n]), b.fromArray(be, [n]), b.fromArray(dy, [rows, n])];
    const ln = b.layerNorm(xt, gt, bt, 1e-5);
    const ref = refLayerNorm(x, rows, n, g, be, 1e-5);
    assertAllClose(await f32(ln.y), ref.y, TOLERANCES.float32, 'layerNorm y');
    assertAllClose(await f32(ln.mean), ref.mean, TOLERANCES.float32, 'layerNorm mean');
    assertAllClose(await f32(ln.rstd), ref.rstd, TOLERANCES.float32, 'layerNorm rstd');
    const gr = b.layerNormGrad(dyt, xt, ln.mean, ln.rstd, gt);
    const rg = refLayerNormGrad(dy, x, rows, n, g, 1e-5);
    assertAllClose(await f32(gr.dx), rg.dx, TOLERANCES.float32, 'layerNorm dx');
    assertAllClose(await f32(gr.dGamma), rg.dGamma, TOLERANCES.float32, 'layerNorm dGamma');
    assertAllClose(await f32(gr.dBeta), rg.dBeta, TOLERANCES.float32, 'layerNorm dBeta');
    for (const t of [xt, gt, bt, dyt, ln.y, ln.mean, ln.rstd, gr.dx, gr.dGamma, gr.dBeta]) t.dispose();
  });

  for (const [rows, cols, k] of [[5, 50, 1], [4, 64, 4], [3, 300, 37], [2, 8, 8]] as const) {
    supportedIt('topKAbs', `topKAbs keeps the ${k} largest |x| of ${cols} with their signs`, async () => {
      const b = ctx.backend;
      const x = rand(rows * cols);
      const xt = b.fromArray(x, [rows, cols]);
      const sp = b.topKAbs(xt, k);
      expect(sp.values.shape).toEqual([rows, k]);
      expect(sp.indices.dtype).toBe('int32');
      const v = await f32(sp.values);
      const idx = (await b.read(sp.indices)) as Int32Array;
      const want = refTopKIndices(x, rows, cols, k);
      for (let r = 0; r < rows; r++) {
        const got = Array.from(idx.subarray(r * k, (r + 1) * k));
        expect([...got].sort((p, q) => p - q)).toEqual(want[r]);
        got.forEach((c, j) => expect(v[r * k + j]).toBe(x[r * cols + c]));
      }
      for (const t of [xt, sp.values, sp.indices]) t.dispose();
    });
  }

  supportedIt('topKAbs', 'topKAbs breaks ties (here zeros) by the lower column', async () => {
    const b = ctx.backend;
    const [rows, cols, k] = [3, 40, 10];
    const x = new Float32Array(rows * cols);
    for (let r = 0; r < rows; r++) for (const c of [5, 17, 23, 38]) x[r * cols + ((c + 7 * r) % cols)] = (r + 1) * (c % 2 ? 1 : -1);
    const xt = b.fromArray(x, [rows, cols]);
    const sp = b.topKAbs(xt, k);
    const idx = (await b.read(sp.indices)) as Int32Array;
    const want = refTopKIndices(x, rows, cols, k);
    for (let r = 0; r < rows; r++) expect(Array.from(idx.subarray(r * k, (r + 1) * k)).sort((p, q) => p - q)).toEqual(want[r]);
    for (const t of [xt, sp.values, sp.indices]) t.dispose();
  });

  supportedIt('topKAbs', 'topKAbs ranks NaN above every number, so a diverged row stays visible', async (test) => {
    const b = ctx.backend;
    if (b.capabilities.ieeeNonFinite === false) return test.skip(`backend '${b.name}' declares ieeeNonFinite: false`);
    const x = Float32Array.from([3, -50, 7, NaN, 1, 2, -4, 0.5]);
    const xt = b.fromArray(x, [2, 4]);
    for (const k of [1, 2]) {
      const sp = b.topKAbs(xt, k);
      const idx = Array.from((await b.read(sp.indices)) as Int32Array);
      const vals = Array.from(await f32(sp.values));
      expect(idx.slice(0, k).sort(), `row 0, k ${k}`).toEqual(k === 1 ? [3] : [1, 3]);
      expect(vals.slice(0, k).some(Number.isNaN)).toBe(true);
      expect(idx.slice(k).sort(), `row 1, k ${k}`).toEqual(k === 1 ? [2] : [1, 2]);
      for (const t of [sp.values, sp.indices]) t.dispose();
    }
    // One wide row, NaN in the middle: a selection whose comparisons treat NaN as unordered loses
    // real maxima here (tfjs's top-k returned columns 6, 5, 4 for it).
    const wide = b.fromArray([3, -50, 7, NaN, 1, 2, -4, 0.5], [1, 8]);
    const sp = b.topKAbs(wide, 3);
    expect(Array.from((await b.read(sp.indices)) as Int32Array).sort(), 'one row of 8, k 3').toEqual([1, 2, 3]);
    for (const t of [wide, sp.values, sp.indices]) t.dispose();
    xt.dispose();
  });

  supportedIt('topKAbs', 'topKAbs rejects k outside [1, cols] with a typed error', () => {
    const b = ctx.backend;
    const xt = b.zeros([2, 4]);
    expect(() => b.topKAbs(xt, 5)).toThrow(DeepLensError);
    expect(() => b.topKAbs(xt, 0)).toThrow(DeepLensError);
    xt.dispose();
  });

  it('gatherCols and scatterToDense', async () => {
    const b = ctx.backend;
    const [rows, cols, k] = [3, 10, 4];
    const x = rand(rows * cols);
    const idx = Int32Array.from({ length: rows * k }, (_, i) => (i * 7 + 3) % cols);
    const vals = rand(rows * k);
    const [xt, it_, vt] = [b.fromArray(x, [rows, cols]), b.fromArray(idx, [rows, k], 'int32'), b.fromArray(vals, [rows, k])];
    const g = b.gatherCols(xt, it_);
    assertAllClose(await f32(g), Float64Array.from(idx, (c, i) => x[Math.floor(i / k) * cols + c]!), TOLERANCES.float32, 'gatherCols');
    const d = b.scatterToDense({ values: vt, indices: it_, cols });
    assertAllClose(await f32(d), refSparseToDense(vals, idx, rows, k, cols), TOLERANCES.float32, 'scatterToDense');
    for (const t of [xt, it_, vt, g, d]) t.dispose();
  });

}
