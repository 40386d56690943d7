import { expect, it, type TestContext } from 'vitest';
import type { Backend } from '../backend/backend.js';
import type { Tensor } from '../backend/tensor.js';
import { activationGradInPlace } from '../backend/activation-grad-in-place.js';
import { activation, activationGrad } from '../backend/activations.js';
import { addInPlace } from '../backend/add-in-place.js';
import { addRowVector } from '../backend/add-row-vector.js';
import { normalizeRowsInPlace } from '../backend/normalize-rows-in-place.js';
import { scaleInPlace } from '../backend/scale-in-place.js';
import { ShapeMismatchError } from '../errors.js';
import { adamUpdate } from '../optim/adam-update.js';
import { assertAllClose } from './all-close.js';
import { refAdam, refTranspose } from './reference-ops.js';
import { tolerancesFor } from './tolerances.js';

type SupportedIt = (op: string, name: string, fn: (context: TestContext) => Promise<void> | void) => void;

/**
 * The ops core can compose when a backend lacks them (activations, in-place updates, Adam, row
 * vectors), called through core's helpers: the suite runs these on the backend as it is and on its
 * core-fallback view, so both the backend's own ops and core's compositions are checked.
 */
export function describeComposableOps(ctx: { backend: Backend }, rand: (n: number, scale?: number) => Float32Array, supportedIt: SupportedIt): void {
  const f32 = async (t: Tensor) => (await ctx.backend.read(t)) as Float32Array;
  const TOLERANCES = new Proxy({} as ReturnType<typeof tolerancesFor>, { get: (_t, key: string) => tolerancesFor(ctx.backend.capabilities)[key as 'float32'] });

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
      [addRowVector(b, xt, rt, -0.5), (i) => x[i]! - 0.5 * row[i % 5]!, 'addRowVector'],
    ];
    for (const [t, f, label] of checks) {
      assertAllClose(await f32(t), Float64Array.from({ length: 15 }, (_, i) => f(i)), TOLERANCES.float32, label);
      t.dispose();
    }
    const bad = b.zeros([4]);
    expect(() => addRowVector(b, xt, bad)).toThrow(expect.objectContaining({ code: 'DEEPLENS_SHAPE_MISMATCH' }));
    for (const t of [xt, yt, rt, bad]) t.dispose();
  });

  for (const kind of ['relu', 'silu'] as const) {
    it(`activation ${kind} and its gradient (relu′(0) = 0)`, async () => {
      const b = ctx.backend;
      const x = rand(40);
      x[3] = 0;
      const dy = rand(40);
      const [xt, dyt] = [b.fromArray(x, [4, 10]), b.fromArray(dy, [4, 10])];
      const y = activation(b, xt, kind);
      const g = activationGrad(b, dyt, xt, kind);
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
        adamUpdate(b, pt, gt, mt, vt, hp);
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
    normalizeRowsInPlace(b, xt);
    const out = await f32(xt);
    const expected = new Float64Array(24);
    for (let r = 0; r < 4; r++) {
      const norm = Math.hypot(...x.subarray(r * 6, r * 6 + 6));
      for (let c = 0; c < 6; c++) expected[r * 6 + c] = norm > 0 ? x[r * 6 + c]! / norm : 0;
    }
    assertAllClose(out, expected, TOLERANCES.float32, 'normalizeRows');
    scaleInPlace(b, copy, 3);
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

  it('aliasing: reshape and clone results keep their values when the source changes in place, and the other way round', async () => {
    const b = ctx.backend;
    const x = rand(12);
    const other = rand(12);
    const src = b.fromArray(x, [3, 4]);
    const reshaped = b.reshape(src, [4, 3]);
    const cloned = b.clone(src);
    const o = b.fromArray(other, [3, 4]);
    scaleInPlace(b, src, 2);
    addInPlace(b, src, o);
    expect(await f32(reshaped), 'reshape after the source changed in place').toEqual(x);
    expect(await f32(cloned), 'clone after the source changed in place').toEqual(x);
    b.assignInPlace(src, o);
    expect(await f32(reshaped)).toEqual(x);
    const back = b.reshape(o, [4, 3]);
    b.assignInPlace(back, reshaped);
    scaleInPlace(b, cloned, 0);
    expect(await f32(o), 'the source after its reshape changed in place').toEqual(other);
    expect(await f32(src), 'the source after its clone changed in place').toEqual(other);
    for (const t of [src, reshaped, cloned, o, back]) t.dispose();
  });
}
