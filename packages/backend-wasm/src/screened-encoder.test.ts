import { Adam, CpuBackend, encodeTopK, Rng, SparseAutoencoder, type Backend, type Tensor } from '@deeplens/core';
import { afterAll, describe, expect, it } from 'vitest';
import { WasmBackend } from './wasm-backend.js';

// The int16-screened ReLU TopK encoder must select exactly what the float32 encoder selects (and
// the reference backend): same columns in the same order, pre-activations equal to float32
// rounding. Each case runs both wasm paths on 2 threads and the reference backend.
const screened = new WasmBackend({ threads: 2, screen: 'always' });
const screened1 = new WasmBackend({ threads: 1, screen: 'always' });
const screenedPlain = new WasmBackend({ threads: 2, screen: 'always', relaxedSimd: false });
const float32 = new WasmBackend({ threads: 2, screen: 'off' });
const cpu = new CpuBackend();
afterAll(() => [screened, screened1, screenedPlain, float32].forEach((b) => b.dispose()));

interface Case { x: Float32Array; w: Float32Array; b: Float32Array; off?: Float32Array; rows: number; d: number; cols: number; k: number; act?: 'relu' | 'silu' }

function encode(backend: Backend, c: Case) {
  const t = (data: Float32Array, shape: number[]) => backend.fromArray(data, shape);
  const r = encodeTopK(backend, t(c.x, [c.rows, c.d]), t(c.w, [c.d, c.cols]), t(c.b, [c.cols]), c.k, c.act ?? 'relu', c.off ? t(c.off, [c.d]) : undefined);
  const read = (x: Tensor) => Array.from(backend.readSync!(x));
  return { values: read(r.z.values), indices: read(r.z.indices), pre: read(r.preAtK) };
}

/**
 * Same indices everywhere; values within float32 rounding of a d-term dot product. Returns how
 * many rows the screened path encoded in float32 (the same for every thread count and build).
 */
function expectSameSelection(c: Case, tol = 2e-5): number {
  const ref = encode(float32, c);
  // The float32 path is conformance-tested against the reference backend; the reference itself
  // is too slow for the largest cases here.
  if (c.rows * c.d * c.cols <= 2e7) expect(encode(cpu, c).indices).toEqual(ref.indices);
  for (const b of [screened, screened1, screenedPlain]) {
    const got = encode(b, c);
    expect(sameArray(got.indices, ref.indices)).toBe(true);
    for (const key of ['values', 'pre'] as const) {
      let worst = 0; // the largest relative difference; non-finite values must match exactly
      got[key].forEach((v, i) => {
        const want = ref[key][i]!;
        const diff = Number.isFinite(want) ? Math.abs(v - want) / (1 + Math.abs(want)) : Object.is(v, want) ? 0 : Infinity;
        worst = Math.max(worst, diff);
      });
      expect(worst, key).toBeLessThanOrEqual(tol);
    }
  }
  // The screened path is deterministic whatever the thread count.
  const [two, one] = [encode(screened, c), encode(screened1, c)];
  expect(sameArray(two.values, one.values) && sameArray(two.indices, one.indices) && sameArray(two.pre, one.pre)).toBe(true);
  const stats = screened.lastScreen!;
  expect(stats.rows).toBe(c.rows);
  expect(screened1.lastScreen).toEqual(stats);
  expect(screenedPlain.lastScreen).toEqual(stats);
  if (stats.float32Rows < c.rows) expect(stats.candidatesPerRow).toBeGreaterThanOrEqual(c.k);
  return stats.float32Rows;
}

const sameArray = (a: number[], b: number[]) => a.length === b.length && a.every((v, i) => Object.is(v, b[i]));

function randomCase(seed: number, rows: number, d: number, cols: number, k: number, opts: { offset?: boolean; xScale?: number } = {}): Case {
  const rng = new Rng(seed);
  const n = (len: number, s: number) => Float32Array.from({ length: len }, () => rng.normal() * s);
  return {
    rows, d, cols, k,
    x: n(rows * d, opts.xScale ?? 1), w: n(d * cols, 1 / Math.sqrt(d)), b: n(cols, 0.1),
    off: opts.offset ? n(d, 0.3) : undefined,
  };
}

describe('int16-screened TopK encoder (wasm)', () => {
  it.each([
    [300, 768, 6144, 32, true],
    [200, 101, 1001, 7, true], // odd depth, width neither a multiple of 4 nor of 12
    [150, 64, 130, 1, false],
    [400, 256, 2000, 300, true], // large k: many candidates per row
    [7, 9, 14, 3, true], // fewer rows than one strip block
    [150, 1601, 600, 5, true], // deeper than one int32 chunk (768): three chunks added in float32
  ])('matches the float32 encoder: rows %i, d %i, cols %i, k %i (x − offset: %s)', (rows, d, cols, k, offset) => {
    // Random data: the screen settles every row.
    expect(expectSameSelection(randomCase(rows * 7 + d, rows, d, cols, k, { offset }))).toBe(0);
  });

  it.each([
    [300, 768, 6144, 32],
    [200, 101, 1001, 7],
  ])('SiLU (ranked by |silu|): matches the float32 encoder: rows %i, d %i, cols %i, k %i', (rows, d, cols, k) => {
    expect(expectSameSelection({ ...randomCase(rows + d, rows, d, cols, k, { offset: true }), act: 'silu' })).toBe(0);
  });

  it('SiLU: rows whose k-th value is small (negative silu values could compete) go to float32', () => {
    const c = { ...randomCase(40, 200, 32, 400, 20), act: 'silu' as const };
    c.b.fill(-3); // most pre-activations negative: |silu| of negatives (≤ 0.28) is in play
    for (let r = 0; r < c.rows; r += 2) c.x.fill(0, r * c.d, (r + 1) * c.d);
    expect(expectSameSelection(c)).toBeGreaterThanOrEqual(c.rows / 2);
  });

  it('k = cols: the lower bounds of the smallest values reach 0 (zero ties), so rows go to float32', () => {
    const c = randomCase(10, 140, 33, 48, 48);
    expect(expectSameSelection(c)).toBe(c.rows);
  });

  it('inputs with outlier dimensions and very different scales per row', () => {
    const c = randomCase(11, 260, 128, 900, 16, { offset: true });
    for (let r = 0; r < c.rows; r++) {
      const s = 10 ** ((r % 9) - 4); // 1e-4 … 1e4
      for (let i = 0; i < c.d; i++) c.x[r * c.d + i]! *= s;
      c.x[r * c.d + (r % c.d)]! *= 300; // one outlier dimension per row
    }
    expect(expectSameSelection(c)).toBe(0);
  });

  it('ties: identical columns are broken by the lower column, as in float32', () => {
    const c = randomCase(12, 150, 48, 240, 10);
    // Columns 3j, 3j+1, 3j+2 equal (and so are their biases): every pre-activation comes in threes.
    for (let i = 0; i < c.d; i++) for (let j = 0; j < c.cols; j += 3) { c.w[i * c.cols + j + 1] = c.w[i * c.cols + j]!; c.w[i * c.cols + j + 2] = c.w[i * c.cols + j]!; }
    for (let j = 0; j < c.cols; j += 3) { c.b[j + 1] = c.b[j]!; c.b[j + 2] = c.b[j]!; }
    expect(expectSameSelection(c)).toBe(0);
    // All columns equal: more candidates than a row can hold, so every row is encoded in float32.
    const same = randomCase(13, 100, 16, 400, 4);
    for (let i = 0; i < same.d; i++) for (let j = 1; j < same.cols; j++) same.w[i * same.cols + j] = same.w[i * same.cols]!;
    same.b.fill(0.5);
    expect(expectSameSelection(same)).toBe(same.rows);
  });

  it('rows with fewer than k positive pre-activations (zero ties by column) fall back to float32', () => {
    const c = randomCase(14, 200, 32, 300, 40);
    c.b.fill(-5); // almost nothing is positive …
    for (let r = 0; r < c.rows; r += 2) c.x.fill(0, r * c.d, (r + 1) * c.d); // … and every other row is all zeros
    expect(expectSameSelection(c)).toBeGreaterThanOrEqual(c.rows / 2);
  });

  it('rows with NaN or ±Inf are encoded in float32 (NaN ranks as +Inf); the others are screened', () => {
    const c = randomCase(15, 180, 40, 500, 8, { offset: true });
    c.x[3 * c.d + 5] = NaN;
    c.x[50 * c.d + 1] = Infinity;
    c.x[51 * c.d + 2] = -Infinity;
    expect(expectSameSelection(c)).toBe(3);
  });

  it('a non-finite weight makes the whole call use the float32 encoder', () => {
    const c = randomCase(16, 160, 40, 500, 8);
    c.w[7 * c.cols + 123] = NaN;
    expect(expectSameSelection(c)).toBe(c.rows);
    c.w[7 * c.cols + 123] = -Infinity;
    expect(expectSameSelection(c)).toBe(c.rows);
  });

  it("training a TopK SAE on 600-row batches: the same losses with the screen ('auto') as without", async () => {
    const screenedDefault = new WasmBackend({ threads: 2 });
    const losses = async (backend: WasmBackend) => {
      const rng = new Rng(21);
      const sae = SparseAutoencoder.create({ backend, config: { inputDims: 48, nFeatures: 768, k: 8 }, seed: 3 });
      const opt = new Adam(sae, { lr: 3e-3 });
      const out: number[] = [];
      for (let step = 0; step < 12; step++) {
        // Activations with a few large dimensions, like a transformer's.
        const data = Float32Array.from({ length: 600 * 48 }, (_, i) => rng.normal() * (i % 48 < 3 ? 20 : 1) + 0.5);
        const x = backend.fromArray(data, [600, 48]);
        const { losses: l, grads } = await sae.lossAndGrads(x);
        opt.step(grads);
        sae.postStep();
        grads.forEach((g) => g.dispose());
        x.dispose();
        out.push(l.total);
      }
      return out;
    };
    try {
      const [withScreen, without] = [await losses(screenedDefault), await losses(float32)];
      expect(screenedDefault.lastScreen).toMatchObject({ rows: 600, float32Rows: 0 });
      expect(screenedDefault.lastScreen!.candidatesPerRow).toBeLessThan(3 * 8);
      // Only the rounding of the selected pre-activations differs (another summation order): ~1e-7.
      withScreen.forEach((l, i) => expect(Math.abs(l - without[i]!) / without[i]!).toBeLessThan(1e-5));
      expect(withScreen.at(-1)!).toBeLessThan(withScreen[0]! * 0.9); // it does train
    } finally {
      screenedDefault.dispose();
    }
  });

  it("'auto' screens large batches with a sparse top-k, and backs off a shape where the screen did not pay", () => {
    const auto = new WasmBackend({ threads: 2 });
    try {
      const call = (c: Case) => encode(auto, c);
      call(randomCase(30, 511, 16, 1024, 8)); // too few rows
      call(randomCase(31, 600, 16, 1024, 17)); // k > width/64
      expect(auto.lastScreen).toBeUndefined();
      call(randomCase(32, 600, 16, 1024, 16));
      expect(auto.lastScreen).toMatchObject({ rows: 600, float32Rows: 0 });
      // Every row below zero: the screen settles none of them, so the shape is encoded in float32 for 50 calls.
      const dead = randomCase(33, 600, 16, 1024, 8);
      dead.b.fill(-100);
      call(dead);
      const first = auto.lastScreen;
      expect(first).toMatchObject({ rows: 600, float32Rows: 600 });
      for (let i = 0; i < 50; i++) call(dead);
      expect(auto.lastScreen).toBe(first); // not screened since
      call(dead);
      expect(auto.lastScreen).not.toBe(first); // tried again
      call(randomCase(34, 600, 16, 1024, 16)); // another shape is unaffected
      expect(auto.lastScreen).toMatchObject({ rows: 600, float32Rows: 0 });
    } finally {
      auto.dispose();
    }
  });

  it('rejects an unknown screen policy', () => {
    expect(() => new WasmBackend({ threads: 1, screen: 'sometimes' as never })).toThrow(/screen must be/);
  });
});
