import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { ActivationSource } from './activation-source.js';
import { ActivationsDatasetBuilder } from './node-dataset-builder.js';
import type { DataLoader } from './data-loader.js';
import { MemorySource } from './memory-source.js';

/** Row r holds [r, r + 0.5, 2r]: a batch tells exactly which rows it holds. */
function indexed(rows: number): MemorySource {
  const data = new Float32Array(rows * 3);
  for (let r = 0; r < rows; r++) data.set([r, r + 0.5, 2 * r], r * 3);
  return new MemorySource(data, 3, 'indexed');
}

async function rowIds(loader: DataLoader, epoch = 0, startBatch = 0): Promise<number[][]> {
  const out: number[][] = [];
  for await (const b of loader.epoch(epoch, { startBatch })) out.push(Array.from({ length: b.rows }, (_, i) => b.data[i * b.cols]!));
  return out;
}

const build = (opts: Partial<ConstructorParameters<typeof ActivationsDatasetBuilder>[0]> & { activations?: ActivationSource }) =>
  new ActivationsDatasetBuilder({ activations: indexed(100), norm: false, batchSize: 8, chunkRows: 4, ...opts }).getDataloaders();

describe('ActivationsDatasetBuilder', () => {
  it('splits [0.8, 0.2] into disjoint, complete parts of exact size', async () => {
    const { train, eval: ev, info } = await build({});
    expect([info.trainRows, info.evalRows]).toEqual([80, 20]);
    expect([train.length, ev!.length]).toEqual([10, 3]);
    const t = (await rowIds(train)).flat();
    const e = (await rowIds(ev!)).flat();
    expect(new Set([...t, ...e]).size).toBe(100);
    expect(t).toHaveLength(80);
    expect([...e]).toEqual([...e].sort((a, b) => a - b)); // eval in file order
  });

  it('is reproducible from the seed, and another seed splits differently', async () => {
    const a = await rowIds((await build({ seed: 1 })).train);
    const b = await rowIds((await build({ seed: 1 })).train);
    const c = await rowIds((await build({ seed: 2 })).train);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  it('reshuffles train every epoch; eval never shuffles', async () => {
    const { train, eval: ev } = await build({});
    const e0 = await rowIds(train, 0);
    const e1 = await rowIds(train, 1);
    expect(e0).not.toEqual(e1);
    expect(e0.flat().sort((a, b) => a - b)).toEqual(e1.flat().sort((a, b) => a - b));
    expect(await rowIds(ev!, 0)).toEqual(await rowIds(ev!, 5));
    // Plain async iteration moves to the next epoch each time.
    const first: number[] = [];
    for await (const b of train) first.push(b.data[0]!);
    const second: number[] = [];
    for await (const b of train) second.push(b.data[0]!);
    expect(first).toEqual(e0.map((x) => x[0]));
    expect(second).toEqual(e1.map((x) => x[0]));
  });

  it('fingerprints each split from its size and sampled rows: same data same print, other data another', async () => {
    const a = await build({ seed: 1 });
    const again = await build({ seed: 1 });
    const fp = await a.train.fingerprint!();
    expect(fp).toMatch(/^80x3:[0-9a-f]{16}$/);
    expect(await again.train.fingerprint!()).toBe(fp);
    expect(await a.eval!.fingerprint!()).toMatch(/^20x3:/);
    expect(await a.eval!.fingerprint!()).not.toBe(fp.replace(/^80/, '20'));
    // Same size, other values.
    const data = new Float32Array(300).fill(7);
    const other = await build({ seed: 1, activations: new MemorySource(data, 3, 'constant') });
    expect(await other.train.fingerprint!()).not.toBe(fp);
    expect(await (await build({ seed: 2 })).train.fingerprint!()).not.toBe(fp); // another split of the same file
  });

  it('constant activations are a data error before training, not an FVU of NaN after it', async () => {
    const constant = new MemorySource(new Float32Array(300).fill(0.25), 3, 'constant.npy');
    await expect(build({ activations: constant, norm: true })).rejects.toThrow(/constant.npy: every training row is the same \(zero variance in all 3 dimensions\)[\s\S]*hint: check the extraction/);
    const oneColumnVaries = indexed(100);
    await expect(build({ activations: oneColumnVaries, norm: true })).resolves.toBeDefined();
  });

  it('keeps the last partial batch unless dropLast', async () => {
    const kept = await build({ splits: [1], batchSize: 30 });
    expect(kept.train.length).toBe(4);
    expect((await rowIds(kept.train)).map((b) => b.length)).toEqual([30, 30, 30, 10]);
    expect(kept.eval).toBeUndefined();
    const dropped = await build({ splits: [1], batchSize: 30, dropLast: true });
    expect((await rowIds(dropped.train)).map((b) => b.length)).toEqual([30, 30, 30]);
  });

  it('resumes mid-epoch at a batch with the same batches as an uninterrupted epoch', async () => {
    const { train } = await build({ shuffleBufferBytes: 12 * 20 });
    const full = await rowIds(train, 3);
    expect(await rowIds(train, 3, 4)).toEqual(full.slice(4));
    expect(await rowIds(train, 3, 10)).toEqual([]);
  });

  it('shuffles within a bounded buffer: no read asks for more than the window', async () => {
    const src = indexed(1000);
    let maxRead = 0;
    const spy: ActivationSource = { ...src, description: src.description, rows: src.rows, cols: src.cols, dtype: src.dtype,
      locate: (r) => src.locate(r), close: () => src.close(),
      readRows: (s, n, out) => ((maxRead = Math.max(maxRead, n)), src.readRows(s, n, out)) };
    const { train } = await build({ activations: spy, splits: [1], chunkRows: 10, shuffleBufferBytes: 50 * 12 });
    maxRead = 0;
    const ids = (await rowIds(train)).flat();
    expect(maxRead).toBeLessThanOrEqual(10);
    expect(ids.sort((a, b) => a - b)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
  });

  it('z-scores with statistics of the train split only', async () => {
    const { train, info } = await build({ norm: true, splits: [0.5, 0.5] });
    const rows = (await rowIds((await build({ norm: false, splits: [0.5, 0.5] })).train)).flat(); // same seed: same split
    const mean = rows.reduce((a, b) => a + b, 0) / rows.length;
    const std = Math.sqrt(rows.reduce((a, b) => a + (b - mean) ** 2, 0) / (rows.length - 1));
    expect(info.normStats!.mean[0]).toBeCloseTo(mean, 4);
    expect(info.normStats!.std[0]).toBeCloseTo(std, 4);
    expect(info.normStats!.std[2]).toBeCloseTo(2 * std, 3);
    expect(info.normStats!.rows).toBe(50);
    let sum = 0;
    for await (const b of train) for (let i = 0; i < b.rows; i++) sum += b.data[i * 3]!;
    expect(sum).toBeCloseTo(0, 3);
  });

  it('applies given statistics (a checkpoint\'s) instead of computing them', async () => {
    const normStats = { mean: Float32Array.of(1, 1, 1), std: Float32Array.of(2, 2, 2), rows: 7 };
    const { train } = await build({ norm: true, normStats, splits: [1], shuffle: false, batchSize: 2 });
    const first = (await train[Symbol.asyncIterator]().next()).value!;
    expect(Array.from(first.data)).toEqual([-0.5, -0.25, -0.5, 0, 0.25, 0.5]);
    await expect(build({ norm: true, normStats: { ...normStats, mean: new Float32Array(4) } })).rejects.toMatchObject({ code: 'DEEPLENS_DATA_SHAPE' });
  });

  it('accepts row counts as splits', async () => {
    const { info } = await build({ splits: [60, 20] });
    expect([info.trainRows, info.evalRows]).toEqual([60, 20]);
  });
});

describe('ActivationsDatasetBuilder input errors', () => {
  const withNaN = () => {
    const s = indexed(50);
    s.data[37 * 3 + 1] = NaN;
    s.data[41 * 3] = Infinity;
    return s;
  };

  it('NaN/Inf: error naming the first bad row, or skip with a count', async () => {
    await expect(build({ activations: withNaN() })).rejects.toMatchObject({ code: 'DEEPLENS_DATA_NON_FINITE', row: 37, message: expect.stringContaining('row 37') });
    await expect(build({ activations: withNaN() })).rejects.toThrow(/hint: .*data.skip_non_finite: true in config.yaml \(flag --skip-non-finite/);
    const { train, eval: ev, info } = await build({ activations: withNaN(), nonFinite: 'skip' });
    expect(info.skippedRows).toBe(2);
    expect(info.trainRows + info.evalRows).toBe(48);
    const all = [...(await rowIds(train)).flat(), ...(await rowIds(ev!)).flat()];
    expect(all).not.toContain(37);
    expect(all).not.toContain(41);
  });

  it('width different from input_dims', async () => {
    await expect(build({ inputDims: 4 })).rejects.toMatchObject({ code: 'DEEPLENS_DATA_SHAPE', message: expect.stringMatching(/3 wide.*input_dims is 4/) });
  });

  it('empty dataset, empty split, bad split values', async () => {
    await expect(build({ activations: new MemorySource(new Float32Array(0), 3) })).rejects.toMatchObject({ code: 'DEEPLENS_DATA_SPLIT', message: expect.stringContaining('empty') });
    await expect(build({ activations: indexed(3), splits: [0.9, 0.1] })).rejects.toMatchObject({ message: expect.stringContaining('leave the eval split empty') });
    await expect(build({ splits: [0.7, 0.2] })).rejects.toMatchObject({ message: expect.stringContaining('must sum to 1') });
    await expect(build({ splits: [90, 20] })).rejects.toMatchObject({ message: expect.stringContaining('ask for 110 rows') });
    await expect(build({ splits: [0.5, 0.3, 0.2] })).rejects.toMatchObject({ code: 'DEEPLENS_DATA_SPLIT' });
  });
});

describe('bundled demo activations', () => {
  it('read through the builder with train-split statistics', async () => {
    const file = fileURLToPath(new URL('../../../../data/demo/use-lite-layer1-ffn-relu-2048.npy', import.meta.url));
    const builder = new ActivationsDatasetBuilder({ activations: file, batchSize: 256, inputDims: 1536 });
    const { train, eval: ev, info } = await builder.getDataloaders();
    expect(info.normStats!.mean).toHaveLength(1536);
    expect([info.rows, info.cols, info.trainRows, info.evalRows]).toEqual([2048, 1536, 1638, 410]);
    expect([train.length, ev!.length]).toEqual([7, 2]);
    let n = 0;
    for await (const b of train) {
      expect(b.data.every(Number.isFinite)).toBe(true);
      n += b.rows;
    }
    expect(n).toBe(1638);
    await builder.close();
  });
});

describe('the browser-safe builder (@deeplens/core)', () => {
  it('builds from an opened source, and refuses file paths with a hint to @deeplens/core/node', async () => {
    const { ActivationsDatasetBuilder: Base } = await import('./activations-dataset-builder.js');
    const { MemorySource } = await import('./memory-source.js');
    const { train } = await new Base({ activations: new MemorySource(new Float32Array(40).map((_, i) => i % 7), 4), batchSize: 2, splits: [1] }).getDataloaders();
    expect(train.rows).toBe(10);
    const error = await new Base({ activations: 'acts.npy' }).getDataloaders().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'DEEPLENS_INVALID_ARGUMENT', hint: expect.stringContaining('@deeplens/core/node') });
  });
});
