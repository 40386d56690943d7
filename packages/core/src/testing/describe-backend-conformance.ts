import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../backend/backend.js';
import type { BackendPlugin } from '../backend/backend-plugin.js';
import { activationGradInPlace } from '../backend/activation-grad-in-place.js';
import { addInPlace } from '../backend/add-in-place.js';
import { matmulAccumulate } from '../backend/matmul-accumulate.js';
import { DeepLensError, ShapeMismatchError, UnsupportedOpError } from '../errors.js';
import { Rng } from '../random/rng.js';
import { assertAllClose } from './all-close.js';
import { declaredUnsupported, type ConformanceOptions } from './conformance-options.js';
import { describeGoldenSae } from './golden-sae-tests.js';
import { OP_INVOKERS } from './op-invokers.js';
import {
  refAdam, refLayerNorm, refLayerNormGrad, refMatmul, refSparseToDense, refTopKIndices, refTranspose,
} from './reference-ops.js';
import { describeSparseOps } from './sparse-op-tests.js';
import { TOLERANCES } from './tolerances.js';

/**
 * The one conformance suite every backend runs, ours and users' alike:
 *
 *   describeBackendConformance(myBackendPlugin, { unsupported: [{ op: 'layerNorm', reason: '…' }] });
 *
 * Same inputs and tolerances for everybody. A declared-unsupported op is not skipped silently: the
 * suite checks that it throws UnsupportedOpError naming the op.
 */
export function describeBackendConformance(plugin: BackendPlugin, options: ConformanceOptions = {}): void {
  const ctx: { backend: Backend } = { backend: undefined as unknown as Backend };
  const unsupported = declaredUnsupported(options);
  const supportedIt = (op: string, name: string, fn: () => Promise<void> | void) =>
    unsupported.has(op)
      ? it(`${name}: declared unsupported (${unsupported.get(op)}), throws UnsupportedOpError`, () => {
          expect(() => OP_INVOKERS[op]!(ctx.backend)).toThrow(UnsupportedOpError);
        })
      : it(name, fn);

  describe(`backend conformance: ${plugin.name}`, () => {
    beforeAll(async () => {
      ctx.backend = await plugin.create(options.createOptions);
    });
    afterAll(() => ctx.backend?.dispose());

    const rng = new Rng(options.seed ?? 1234);
    const rand = (n: number, scale = 1) => Float32Array.from({ length: n }, () => rng.normal() * scale);
    const f32 = async (t: import('../backend/tensor.js').Tensor) => (await ctx.backend.read(t)) as Float32Array;

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

    it('elementwise add, sub, mul, scale, sign and addRowVector', async () => {
      const b = ctx.backend;
      const x = rand(3 * 5);
      const y = rand(3 * 5);
      y[0] = 0;
      const row = rand(5);
      const [xt, yt, rt] = [b.fromArray(x, [3, 5]), b.fromArray(y, [3, 5]), b.fromArray(row, [5])];
      const checks: Array<[import('../backend/tensor.js').Tensor, (i: number) => number, string]> = [
        [b.add(xt, yt), (i) => x[i]! + y[i]!, 'add'],
        [b.sub(xt, yt), (i) => x[i]! - y[i]!, 'sub'],
        [b.mul(xt, yt), (i) => x[i]! * y[i]!, 'mul'],
        [b.scale(xt, -2.5), (i) => x[i]! * -2.5, 'scale'],
        [b.sign(yt), (i) => Math.sign(y[i]!), 'sign'],
        [b.addRowVector(xt, rt, -0.5), (i) => x[i]! - 0.5 * row[i % 5]!, 'addRowVector'],
      ];
      for (const [t, f, label] of checks) {
        assertAllClose(await f32(t), Float64Array.from({ length: 15 }, (_, i) => f(i)), TOLERANCES.float32, label);
        t.dispose();
      }
      expect(() => b.add(xt, rt)).toThrow(expect.objectContaining({ code: 'DEEPLENS_SHAPE_MISMATCH' }));
      for (const t of [xt, yt, rt]) t.dispose();
    });

    for (const kind of ['relu', 'silu'] as const) {
      it(`activation ${kind} and its gradient (relu′(0) = 0)`, async () => {
        const b = ctx.backend;
        const x = rand(40);
        x[3] = 0;
        const dy = rand(40);
        const [xt, dyt] = [b.fromArray(x, [4, 10]), b.fromArray(dy, [4, 10])];
        const y = b.activation(xt, kind);
        const g = b.activationGrad(dyt, xt, kind);
        const sig = (v: number) => 1 / (1 + Math.exp(-v));
        const fwd = (v: number) => (kind === 'relu' ? Math.max(v, 0) : v * sig(v));
        const der = (v: number) => (kind === 'relu' ? (v > 0 ? 1 : 0) : sig(v) * (1 + v * (1 - sig(v))));
        assertAllClose(await f32(y), Float64Array.from(x, fwd), TOLERANCES.float32, `${kind}`);
        assertAllClose(await f32(g), Float64Array.from(x, (v, i) => dy[i]! * der(v)), TOLERANCES.float32, `${kind} grad`);
        // In place, with and without an L1 term: dy ← (dy + l1·sign(x)) ⊙ act′(x) — the backend's
        // activationGradInPlace, or core's fallback for a backend without it. ReLU also from relu(x).
        for (const l1 of [0, 0.25]) {
          for (const from of kind === 'relu' ? [xt, y] : [xt]) {
            const inPlace = b.fromArray(dy, [4, 10]);
            activationGradInPlace(b, inPlace, from, kind, l1);
            const expected = Float64Array.from(x, (v, i) => (dy[i]! + l1 * Math.sign(v)) * der(v));
            assertAllClose(await f32(inPlace), expected, TOLERANCES.float32, `${kind} grad in place, l1 ${l1}${from === y ? ', from act(x)' : ''}`);
            inPlace.dispose();
          }
        }
        expect(() => activationGradInPlace(b, b.zeros([4, 10]), b.zeros([10, 4]), kind)).toThrow(ShapeMismatchError);
        for (const t of [xt, dyt, y, g]) t.dispose();
      });
    }

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

    describeSparseOps(ctx, rand);

    for (const decoupled of [false, true]) {
      supportedIt('adamUpdate', `adamUpdate (${decoupled ? 'AdamW' : 'Adam'}) matches torch.optim over 3 steps`, async () => {
        const b = ctx.backend;
        const n = 50;
        const p0 = rand(n);
        const [pt, mt, vt] = [b.fromArray(p0, [5, 10]), b.zeros([5, 10]), b.zeros([5, 10])];
        const [p, m, v] = [Float64Array.from(p0), new Float64Array(n), new Float64Array(n)];
        for (let step = 1; step <= 3; step++) {
          const g = rand(n);
          const gt = b.fromArray(g, [5, 10]);
          const hp = { lr: 1e-2, beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0.1, decoupled, step };
          b.adamUpdate(pt, gt, mt, vt, hp);
          refAdam(p, g, m, v, hp);
          gt.dispose();
        }
        assertAllClose(await f32(pt), p, TOLERANCES.float32, 'param');
        assertAllClose(await f32(mt), m, TOLERANCES.float32, 'm');
        assertAllClose(await f32(vt), v, TOLERANCES.float32, 'v');
        for (const t of [pt, mt, vt]) t.dispose();
      });
    }

    it('normalizeRowsInPlace, scaleInPlace, assignInPlace, clone and reshape', async () => {
      const b = ctx.backend;
      const x = rand(4 * 6);
      x.fill(0, 6, 12); // a zero row stays zero
      const xt = b.fromArray(x, [4, 6]);
      const copy = b.clone(xt);
      b.normalizeRowsInPlace(xt);
      const out = await f32(xt);
      const expected = new Float64Array(24);
      for (let r = 0; r < 4; r++) {
        const norm = Math.hypot(...x.subarray(r * 6, r * 6 + 6));
        for (let c = 0; c < 6; c++) expected[r * 6 + c] = norm > 0 ? x[r * 6 + c]! / norm : 0;
      }
      assertAllClose(out, expected, TOLERANCES.float32, 'normalizeRows');
      b.scaleInPlace(copy, 3);
      assertAllClose(await f32(copy), Float64Array.from(x, (v) => 3 * v), TOLERANCES.float32, 'scaleInPlace');
      b.assignInPlace(xt, copy);
      assertAllClose(await f32(xt), Float64Array.from(x, (v) => 3 * v), TOLERANCES.float32, 'assignInPlace');
      // a += b: the backend's addInPlace, or core's fallback for a backend without it.
      const y = rand(4 * 6);
      const yt = b.fromArray(y, [4, 6]);
      addInPlace(b, copy, yt);
      assertAllClose(await f32(copy), Float64Array.from(x, (v, i) => 3 * v + y[i]!), TOLERANCES.float32, 'addInPlace');
      expect(await f32(yt)).toEqual(y);
      expect(() => addInPlace(b, copy, b.zeros([6, 4]))).toThrow(ShapeMismatchError);
      yt.dispose();
      const r = b.reshape(xt, [6, 4]);
      expect(r.shape).toEqual([6, 4]);
      assertAllClose(await f32(r), refTranspose(refTranspose(Float64Array.from(x, (v) => 3 * v), 4, 6), 6, 4), TOLERANCES.float32, 'reshape');
      for (const t of [xt, copy, r]) t.dispose();
    });

    describeGoldenSae(ctx, unsupported);
  });
}
