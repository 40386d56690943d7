import { expect, it, type TestContext } from 'vitest';
import type { Backend } from '../backend/backend.js';
import type { ElementwiseOpName } from '../backend/elementwise-ops.js';
import type { Tensor } from '../backend/tensor.js';
import { assertAllClose } from './all-close.js';
import { tolerancesFor } from './tolerances.js';

type SupportedIt = (op: string, name: string, fn: (context: TestContext) => Promise<void> | void) => void;

const BINARY: ReadonlyArray<[ElementwiseOpName & ('add' | 'sub' | 'mul' | 'div' | 'maximum' | 'minimum' | 'greater' | 'equal'), (a: number, b: number) => number]> = [
  ['add', (a, b) => a + b],
  ['sub', (a, b) => a - b],
  ['mul', (a, b) => a * b],
  ['div', (a, b) => a / b],
  ['maximum', (a, b) => Math.max(a, b)],
  ['minimum', (a, b) => Math.min(a, b)],
  ['greater', (a, b) => (a > b ? 1 : 0)],
  ['equal', (a, b) => (a === b ? 1 : 0)],
];

const UNARY: ReadonlyArray<['abs' | 'neg' | 'sqrt' | 'exp' | 'log' | 'sigmoid' | 'sign', (x: number) => number, (x: number) => number]> = [
  ['abs', Math.abs, (x) => x],
  ['neg', (x) => -x, (x) => x],
  ['sqrt', Math.sqrt, Math.abs],
  ['exp', Math.exp, (x) => x],
  ['log', Math.log, (x) => Math.abs(x) + 0.1],
  ['sigmoid', (x) => 1 / (1 + Math.exp(-x)), (x) => x * 4],
  ['sign', Math.sign, (x) => x],
];

/** The primitives of `ElementwiseOps`: values, NumPy broadcasting, NaN semantics, fill and concat. */
export function describeElementwiseOps(ctx: { backend: Backend }, rand: (n: number, scale?: number) => Float32Array, supportedIt: SupportedIt): void {
  const read = async (t: Tensor) => (await ctx.backend.read(t)) as Float32Array;
  const shapes: ReadonlyArray<[string, number[]]> = [['same shape', [3, 5]], ['a [1] scalar', [1]], ['a [5] row', [5]], ['a [1, 5] row', [1, 5]], ['a [3, 1] column', [3, 1]]];

  for (const [op, f] of BINARY) {
    supportedIt(op, `${op} on [3, 5] with the same shape, a scalar, a row and a column (broadcast both ways)`, async () => {
      const b = ctx.backend;
      const tol = tolerancesFor(b.capabilities).float32;
      const x = rand(15);
      if (op !== 'div') x[4] = 0;
      for (const [label, shape] of shapes) {
        const n = shape.reduce((p, q) => p * q, 1);
        const y = rand(n);
        if (op === 'equal' || op === 'greater') y[0] = x[0]!; // one tie
        if (op === 'div') for (let i = 0; i < n; i++) y[i] = y[i]! + (y[i]! >= 0 ? 0.5 : -0.5);
        const [xt, yt] = [b.fromArray(x, [3, 5]), b.fromArray(y, shape)];
        const at = (i: number) => {
          const [r, c] = [Math.floor(i / 5), i % 5];
          return shape.length === 2 ? y[(shape[0] === 1 ? 0 : r) * shape[1]! + (shape[1] === 1 ? 0 : c)]! : y[n === 1 ? 0 : c]!;
        };
        for (const [out, want] of [[b[op](xt, yt), (i: number) => f(x[i]!, at(i))], [b[op](yt, xt), (i: number) => f(at(i), x[i]!)]] as const) {
          expect(out.shape, `${op} with ${label}`).toEqual([3, 5]);
          assertAllClose(await read(out), Float64Array.from({ length: 15 }, (_, i) => want(i)), tol, `${op} with ${label}`);
          out.dispose();
        }
        xt.dispose();
        yt.dispose();
      }
      const [p, q] = [b.zeros([3, 5]), b.zeros([2, 5])];
      expect(() => b[op](p, q)).toThrow(expect.objectContaining({ code: 'DEEPLENS_SHAPE_MISMATCH' }));
      p.dispose();
      q.dispose();
    });
  }

  for (const [op, f, domain] of UNARY) {
    supportedIt(op, `${op} elementwise`, async () => {
      const b = ctx.backend;
      const x = Float32Array.from(rand(24), domain);
      x[5] = op === 'log' ? 1 : 0;
      const t = b.fromArray(x, [4, 6]);
      const out = b[op](t);
      expect(out.shape).toEqual([4, 6]);
      assertAllClose(await read(out), Float64Array.from(x, f), tolerancesFor(b.capabilities).float32, op);
      for (const u of [t, out]) u.dispose();
    });
  }

  it('scale and addScalar by numbers; fill; where picks a or b by the mask, broadcasting all three', async () => {
    const b = ctx.backend;
    const tol = tolerancesFor(b.capabilities).float32;
    const x = rand(12);
    const xt = b.fromArray(x, [3, 4]);
    for (const [t, want, label] of [[b.scale(xt, -2.5), (v: number) => v * -2.5, 'scale'], [b.addScalar(xt, 0.75), (v: number) => v + 0.75, 'addScalar']] as const) {
      assertAllClose(await read(t), Float64Array.from(x, want), tol, label);
      t.dispose();
    }
    const filled = b.fill([2, 3], 1.5);
    expect(filled.shape).toEqual([2, 3]);
    expect(Array.from(await read(filled))).toEqual(new Array(6).fill(1.5));
    const ints = b.fill([3], 7, 'int32');
    expect(ints.dtype).toBe('int32');
    expect(Array.from(await b.read(ints))).toEqual([7, 7, 7]);
    const cond = b.fromArray([1, 0, 0, 1], [4]);
    const other = b.fromArray([-9], [1]);
    const w = b.where(cond, xt, other);
    expect(w.shape).toEqual([3, 4]);
    expect(Array.from(await read(w))).toEqual(Array.from(x, (v, i) => ([0, 3].includes(i % 4) ? v : -9)));
    for (const t of [xt, filled, ints, cond, other, w]) t.dispose();
  });

  it('concat stacks along the first axis (float32 and int32) and rejects tensors that do not stack', async () => {
    const b = ctx.backend;
    const [p, q] = [rand(6), rand(3)];
    const [pt, qt] = [b.fromArray(p, [2, 3]), b.fromArray(q, [1, 3])];
    const c = b.concat([pt, qt]);
    expect(c.shape).toEqual([3, 3]);
    expect(Array.from(await read(c))).toEqual([...p, ...q]);
    const scalars = [b.fromArray([1], [1]), b.fromArray([2, 3], [2])];
    const s = b.concat(scalars);
    expect(Array.from(await read(s))).toEqual([1, 2, 3]);
    const ints = b.concat([b.fromArray([4], [1], 'int32'), b.fromArray([5], [1], 'int32')]);
    expect(ints.dtype).toBe('int32');
    expect(Array.from(await b.read(ints))).toEqual([4, 5]);
    const wrong = b.zeros([2, 4]);
    expect(() => b.concat([pt, wrong])).toThrow(expect.objectContaining({ code: 'DEEPLENS_SHAPE_MISMATCH' }));
    for (const t of [pt, qt, c, ...scalars, s, ints, wrong]) t.dispose();
  });

  it('NaN and ±Inf follow IEEE 754 (comparisons 0, maximum/minimum propagate NaN), unless the backend declares otherwise', async (test) => {
    const b = ctx.backend;
    if (b.capabilities.ieeeNonFinite === false) {
      test.skip(`backend '${b.name}' declares ieeeNonFinite: false (its NaN/Inf handling is not IEEE 754)`);
      return;
    }
    const x = b.fromArray([NaN, 1, Infinity, -Infinity], [4]);
    const y = b.fromArray([0, NaN, 2, -Infinity], [4]);
    const got = async (t: Tensor) => {
      const v = Array.from(await read(t));
      t.dispose();
      return v;
    };
    expect(await got(b.maximum(x, y))).toEqual([NaN, NaN, Infinity, -Infinity]);
    expect(await got(b.minimum(x, y))).toEqual([NaN, NaN, 2, -Infinity]);
    expect(await got(b.greater(x, y))).toEqual([0, 0, 1, 0]);
    expect(await got(b.equal(x, y))).toEqual([0, 0, 0, 1]);
    expect(await got(b.add(x, y))).toEqual([NaN, NaN, Infinity, -Infinity]);
    expect(await got(b.sign(x))).toEqual([NaN, 1, 1, -1]);
    const n = b.reduce(x, 'countNonFinite');
    expect(await got(n)).toEqual([3]);
    x.dispose();
    y.dispose();
  });
}
