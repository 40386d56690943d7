import { CpuBackend, encodeTopK, Rng, SparseAutoencoder, type Tensor } from '@deeplens/core';
import { assertAllClose, TOLERANCES } from '@deeplens/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { WasmBackend } from './wasm-backend.js';

// The conformance suite uses small tensors, which the wasm backend runs on the calling thread.
// These shapes are large enough for every kernel to split across threads (and for the matmul to
// take both its row-split and column-split paths, packed and unpacked), checked against the
// reference backend.
const cpu = new CpuBackend();
const flavours = [
  ['relaxed SIMD', new WasmBackend({ threads: 2 })],
  ['plain SIMD', new WasmBackend({ threads: 2, relaxedSimd: false })],
] as const;
afterAll(() => flavours.forEach(([, b]) => b.dispose()));

const rng = new Rng(7);
const rand = (n: number, scale = 1) => Float32Array.from({ length: n }, () => rng.normal() * scale);
const read = (b: { readSync?(t: Tensor): Float32Array | Int32Array }, t: Tensor) => b.readSync!(t);

describe.each(flavours)('wasm kernels on threads (%s) match the reference backend', (_, wasm) => {
  it('uses the kernel build it was asked for', () => {
    expect(wasm.kernelFlavor).toBe(_ === 'plain SIMD' ? 'simd' : 'relaxed-simd');
  });

  const both = (data: Float32Array, shape: number[]) => [cpu.fromArray(data, shape), wasm.fromArray(data, shape)] as const;

  it('element-wise ops and activations', () => {
    const n = [300, 1001];
    const xs = rand(300 * 1001);
    xs[5] = NaN;
    xs[17] = 0;
    xs[18] = -0;
    const ys = rand(300 * 1001);
    const [xc, xw] = both(xs, n);
    const [yc, yw] = both(ys, n);
    const pairs: Array<[string, Tensor, Tensor]> = [
      ['add', cpu.add(xc, yc), wasm.add(xw, yw)],
      ['sub', cpu.sub(xc, yc), wasm.sub(xw, yw)],
      ['mul', cpu.mul(xc, yc), wasm.mul(xw, yw)],
      ['scale', cpu.scale(xc, -0.37), wasm.scale(xw, -0.37)],
      ['sign', cpu.sign(xc), wasm.sign(xw)],
      ['relu', cpu.activation(xc, 'relu'), wasm.activation(xw, 'relu')],
      ['silu', cpu.activation(xc, 'silu'), wasm.activation(xw, 'silu')],
      ['relu grad', cpu.activationGrad(yc, xc, 'relu'), wasm.activationGrad(yw, xw, 'relu')],
      ['silu grad', cpu.activationGrad(yc, xc, 'silu'), wasm.activationGrad(yw, xw, 'silu')],
      ['addRowVector', cpu.addRowVector(xc, cpu.fromArray(ys.subarray(0, 1001), [1001]), 0.5), wasm.addRowVector(xw, wasm.fromArray(ys.subarray(0, 1001), [1001]), 0.5)],
    ];
    // In place, with an L1 term: dy ← (dy + l1·sign(x)) ⊙ act′(x), each in a fresh copy of dy.
    for (const kind of ['relu', 'silu'] as const) {
      const [gc, gw] = both(ys, n);
      cpu.activationGradInPlace(gc, xc, kind, 3.7e-4);
      wasm.activationGradInPlace(gw, xw, kind, 3.7e-4);
      pairs.push([`${kind} grad in place with l1`, gc, gw]);
    }
    for (const [label, c, w] of pairs) {
      // NaN must come out exactly where the reference has it; the rest is compared numerically.
      const [got, want] = [read(wasm, w), read(cpu, c)];
      expect(Array.from(got, Number.isNaN), label).toEqual(Array.from(want, Number.isNaN));
      assertAllClose(got.map((v) => (Number.isNaN(v) ? 0 : v)), want.map((v) => (Number.isNaN(v) ? 0 : v)), TOLERANCES.float32, label);
    }
  });

  it('reductions over everything, over rows and over columns', () => {
    const xs = rand(700 * 517);
    for (let i = 0; i < xs.length; i += 9) xs[i] = 0;
    xs[1234] = Infinity;
    const [xc, xw] = both(xs, [700, 517]);
    for (const kind of ['sum', 'sumAbs', 'sumSquares', 'countNonZero', 'countNonFinite'] as const) {
      for (const axis of [undefined, 0, 1] as const) {
        const finite = kind === 'countNonZero' || kind === 'countNonFinite';
        const [c, w] = finite ? [xc, xw] : both(xs.map((v) => (Number.isFinite(v) ? v : 1)), [700, 517]);
        assertAllClose(read(wasm, wasm.reduce(w, kind, axis)), read(cpu, cpu.reduce(c, kind, axis)), TOLERANCES.reduction, `${kind} axis ${axis}`);
      }
    }
  });

  it('matmul: row-split and column-split, packed, unpacked and packed panel by panel (one row block), with transposes and edge tiles', () => {
    for (const [m, k, n] of [[301, 77, 203], [16, 300, 2048], [16, 300, 2040], [40, 129, 70], [5, 3, 9], [100, 770, 203], [128, 390, 1024]] as const) {
      for (const [tA, tB] of [[false, false], [true, false], [false, true], [true, true]] as const) {
        const a = rand(m * k);
        const b = rand(k * n);
        const [ac, aw] = both(a, tA ? [k, m] : [m, k]);
        const [bc, bw] = both(b, tB ? [n, k] : [k, n]);
        const opts = { transposeA: tA, transposeB: tB };
        const expected = read(cpu, cpu.matmul(ac, bc, opts));
        assertAllClose(read(wasm, wasm.matmul(aw, bw, opts)), expected, TOLERANCES.float32, `matmul ${m}×${k}×${n} tA=${tA} tB=${tB}`);
        // out += op(a)·op(b) through the same paths.
        const start = rand(m * n);
        const acc = wasm.fromArray(start, [m, n]);
        wasm.matmulAccumulate(acc, aw, bw, opts);
        assertAllClose(read(wasm, acc), Float32Array.from(expected, (v, i) => v + start[i]!), TOLERANCES.float32, `matmulAccumulate ${m}×${k}×${n} tA=${tA} tB=${tB}`);
      }
    }
  });

  // A packed B over 8 MiB is packed and multiplied a range of depths at a time: [136, 2100, 1030]
  // in two chunks of up to five depth blocks (the kernel's depth groups of two, then one; the last
  // chunk partial), [140, 900, 2402] in chunks of one depth group, the least a chunk holds (wide B,
  // edge panel). Both have more than one row block (one is packed panel by panel); Bᵀ stored [n, k]
  // is packed a range of its columns at a time.
  it.each([[136, 2100, 1030], [140, 900, 2402]])('matmul with a B too large to pack at once (%i×%i×%i): a depth chunk at a time', (m, k, n) => {
    for (const [tA, tB] of [[false, false], [true, false], [false, true], [true, true]] as const) {
      const opts = { transposeA: tA, transposeB: tB };
      const [ac, aw] = both(rand(m * k), tA ? [k, m] : [m, k]);
      const [bc, bw] = both(rand(k * n), tB ? [n, k] : [k, n]);
      const used = wasm.wasmBytesInUse;
      const got = wasm.matmul(aw, bw, opts);
      expect(wasm.wasmBytesInUse - used).toBe(m * n * 4); // only the output is left
      const expected = read(cpu, cpu.matmul(ac, bc, opts));
      assertAllClose(read(wasm, got), expected, TOLERANCES.float32, `chunked matmul tA=${tA} tB=${tB}`);
      // Chunks do not change the sums: the first 24 columns are bit for bit those of a product
      // with just those columns of B (packed whole, no chunks).
      // (Stored Bᵀ: its first 24 rows; B: the first 24 values of each row.)
      const bData = read(wasm, bw);
      const narrow = tB
        ? wasm.fromArray(bData.slice(0, 24 * k), [24, k])
        : wasm.fromArray(Float32Array.from({ length: k * 24 }, (_, i) => bData[Math.floor(i / 24) * n + (i % 24)]!), [k, 24]);
      const partT = wasm.matmul(aw, narrow, opts);
      const part = read(wasm, partT);
      const all = read(wasm, got);
      expect(Float32Array.from({ length: m * 24 }, (_, i) => all[Math.floor(i / 24) * n + (i % 24)]!)).toEqual(part);
      narrow.dispose();
      partT.dispose();
      // Accumulating through the chunks: every chunk, the first included, adds to what is there.
      const before = wasm.wasmBytesInUse;
      wasm.matmulAccumulate(got, aw, bw, opts);
      expect(wasm.wasmBytesInUse).toBe(before);
      assertAllClose(read(wasm, got), Float32Array.from(expected, (v) => 2 * v), TOLERANCES.float32, `chunked matmulAccumulate tA=${tA} tB=${tB}`);
      for (const t of [ac, aw, bc, bw, got]) t.dispose();
    }
  });

  it('fused TopK encoder on many rows, packed and unpacked weights, relu and silu', () => {
    for (const [rows, d, cols, k, act] of [[300, 64, 1000, 20, 'relu'], [40, 48, 512, 30, 'relu'], [24, 40, 600, 9, 'silu'], [130, 32, 200, 7, 'silu']] as const) {
      const [xc, xw] = both(rand(rows * d), [rows, d]);
      const [wc, ww] = both(rand(d * cols, 0.3), [d, cols]);
      const [bc, bw] = both(rand(cols, 0.1), [cols]);
      const ref = encodeTopK(cpu, xc, wc, bc, k, act);
      const got = encodeTopK(wasm, xw, ww, bw, k, act);
      expect(Array.from(read(wasm, got.z.indices))).toEqual(Array.from(read(cpu, ref.z.indices)));
      assertAllClose(read(wasm, got.z.values), read(cpu, ref.z.values), TOLERANCES.float32, 'values');
      assertAllClose(read(wasm, got.preAtK), read(cpu, ref.preAtK), TOLERANCES.float32, 'preAtK');
    }
  });

  it('the encoder sees in-place weight updates and keeps no packed copy of W after the call', () => {
    const [rows, d, cols, k] = [128, 16, 96, 4];
    const w = wasm.fromArray(rand(d * cols), [d, cols]);
    const x = wasm.fromArray(rand(rows * d), [rows, d]);
    const bias = wasm.zeros([cols]);
    const before = wasm.wasmBytesInUse;
    const first = encodeTopK(wasm, x, w, bias, k, 'relu');
    // Only the outputs stay allocated: values, indices and preAtK, [rows, k] each.
    expect(wasm.wasmBytesInUse - before).toBe(3 * rows * k * 4);
    const again = encodeTopK(wasm, x, w, bias, k, 'relu');
    expect(read(wasm, again.z.values)).toEqual(read(wasm, first.z.values));
    wasm.scaleInPlace(w, -1);
    const flipped = encodeTopK(wasm, x, w, bias, k, 'relu');
    const wc = cpu.fromArray(read(wasm, w) as Float32Array, [d, cols]);
    const ref = encodeTopK(cpu, cpu.fromArray(read(wasm, x) as Float32Array, [rows, d]), wc, cpu.zeros([cols]), k, 'relu');
    expect(Array.from(read(wasm, flipped.z.indices))).toEqual(Array.from(read(cpu, ref.z.indices)));
    for (const out of [first, again, flipped]) {
      out.z.values.dispose();
      out.z.indices.dispose();
      out.preAtK.dispose();
    }
    expect(wasm.wasmBytesInUse).toBe(before);
  });

  it('sparse products: zero latents contribute nothing, even against non-finite rows (as the reference)', () => {
    // TopK keeps exact zeros when fewer than k latents fire; the kernels handle four entries at a
    // time and must still skip a zero rather than multiply it into an Inf or NaN.
    const [rows, k, cols, n] = [96, 8, 64, 40];
    const vals = rand(rows * k);
    const idx = Int32Array.from({ length: rows * k }, () => rng.int(cols));
    const w = rand(cols * n);
    const y = rand(rows * n);
    for (let e = 0; e < rows * k; e++) {
      if (idx[e]! % 5 === 0) vals[e] = 0; // every use of these latents is zero …
      if (Math.floor(e / k) % 7 === 0) vals[e] = 0; // … and so is every entry of these rows
    }
    for (let f = 0; f < cols; f += 5) w.fill(f % 10 === 0 ? Infinity : NaN, f * n, (f + 1) * n);
    for (let r = 0; r < rows; r += 7) y.fill(NaN, r * n, (r + 1) * n);
    const spC = { values: cpu.fromArray(vals, [rows, k]), indices: cpu.fromArray(idx, [rows, k], 'int32'), cols };
    const spW = { values: wasm.fromArray(vals, [rows, k]), indices: wasm.fromArray(idx, [rows, k], 'int32'), cols };
    const [wc, ww] = both(w, [cols, n]);
    const [yc, yw] = both(y, [rows, n]);
    const decoded = read(wasm, wasm.sparseMatmul(spW, ww));
    expect(decoded.every(Number.isFinite)).toBe(true);
    assertAllClose(decoded, read(cpu, cpu.sparseMatmul(spC, wc)), TOLERANCES.float32, 'sparseMatmul');
    const grad = read(wasm, wasm.sparseTransposeMatmul(spW, yw));
    expect(grad.every(Number.isFinite)).toBe(true);
    assertAllClose(grad, read(cpu, cpu.sparseTransposeMatmul(spC, yc)), TOLERANCES.float32, 'sparseTransposeMatmul');
  });

  it('sparse transposed product split over columns, Adam and row normalisation', () => {
    const [rows, k, cols, n] = [200, 8, 300, 520];
    const vals = rand(rows * k);
    const idx = Int32Array.from({ length: rows * k }, () => rng.int(cols));
    const y = rand(rows * n);
    const spC = { values: cpu.fromArray(vals, [rows, k]), indices: cpu.fromArray(idx, [rows, k], 'int32'), cols };
    const spW = { values: wasm.fromArray(vals, [rows, k]), indices: wasm.fromArray(idx, [rows, k], 'int32'), cols };
    const [yc, yw] = both(y, [rows, n]);
    const [oc, ow] = both(rand(n), [n]);
    for (const transposeOut of [false, true]) {
      assertAllClose(read(wasm, wasm.sparseTransposeMatmul(spW, yw, { transposeOut })), read(cpu, cpu.sparseTransposeMatmul(spC, yc, { transposeOut })), TOLERANCES.float32, `sparseTransposeMatmul ${transposeOut}`);
      assertAllClose(
        read(wasm, wasm.sparseTransposeMatmul(spW, yw, { transposeOut, yOffset: ow })), read(cpu, cpu.sparseTransposeMatmul(spC, yc, { transposeOut, yOffset: oc })),
        TOLERANCES.float32, `sparseTransposeMatmul ${transposeOut} with yOffset`,
      );
    }

    const size = [512, 700];
    const p = rand(512 * 700);
    const g = rand(512 * 700, 0.1);
    const [pc, pw] = both(p, size);
    const [gc, gw] = both(g, size);
    const [mc, mw] = both(rand(512 * 700, 0.01), size);
    const [vc, vw] = both(rand(512 * 700, 0.01).map(Math.abs), size);
    for (const [decoupled, weightDecay] of [[false, 0], [false, 0.01], [true, 0.1]] as const) {
      const hp = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay, decoupled, step: 3 };
      cpu.adamUpdate(pc, gc, mc, vc, hp);
      wasm.adamUpdate(pw, gw, mw, vw, hp);
      assertAllClose(read(wasm, pw), read(cpu, pc), TOLERANCES.float32, 'adam param');
      assertAllClose(read(wasm, mw), read(cpu, mc), TOLERANCES.float32, 'adam m');
      assertAllClose(read(wasm, vw), read(cpu, vc), TOLERANCES.float32, 'adam v');
    }
    cpu.normalizeRowsInPlace(pc);
    wasm.normalizeRowsInPlace(pw);
    assertAllClose(read(wasm, pw), read(cpu, pc), TOLERANCES.float32, 'normalizeRowsInPlace');
  });

  it('an L1 step in micro-batches (one row block each, accumulated in place) matches the whole batch on the reference', async () => {
    const [d, F, rows] = [64, 512, 300];
    const data = rand(rows * d);
    const config = { inputDims: d, nFeatures: F, k: null, betaL1: 1e-3 };
    const ref = SparseAutoencoder.create({ backend: cpu, config, seed: 2 });
    const sae = SparseAutoencoder.create({ backend: wasm, config, seed: 2 });
    const whole = await ref.lossAndGrads(cpu.fromArray(data, [rows, d]));
    const parts = [[0, 128], [128, 256], [256, 300]].map(([r0, r1]) => wasm.fromArray(data.subarray(r0! * d, r1! * d), [r1! - r0!, d]));
    const split = await sae.lossAndGrads(parts);
    assertAllClose([split.losses.total], [whole.losses.total], TOLERANCES.float32, 'loss');
    for (const [name, g] of whole.grads) assertAllClose(read(wasm, split.grads.get(name)!), read(cpu, g), TOLERANCES.float32, name);
    for (const g of [...whole.grads.values(), ...split.grads.values(), ...parts]) g.dispose();
    sae.dispose();
  });
});
