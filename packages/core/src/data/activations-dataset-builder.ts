import { DatasetSplitError, DataShapeError, InvalidArgumentError, NonFiniteDataError } from '../errors.js';
import { Rng } from '../random/rng.js';
import type { ActivationSource, OpenActivationsOptions } from './activation-source.js';
import { ActivationLoader, type DataLoader } from './data-loader.js';
import { expectedNormStats } from './expected-norm.js';
import { checkNormStats, NormStatsAccumulator, type NormStats } from './norm-stats.js';
import { planSplits, removeRows, resolveSplitSizes, segmentRows, type Segment } from './split-plan.js';

export interface ActivationsDatasetOptions extends OpenActivationsOptions {
  /** A file, folder, glob or list of them, or an already opened source. */
  activations: string | readonly string[] | ActivationSource;
  /** [train, eval] fractions summing to 1, or row counts (default [0.8, 0.2]); [1] = train only. */
  splits?: readonly number[];
  /** Default 32. */
  batchSize?: number;
  /** z-score each dimension with train-split statistics (default true). */
  norm?: boolean;
  /** Use these statistics instead of computing them (e.g. a checkpoint's, for evaluation). */
  normStats?: NormStats;
  /**
   * 'expected_norm': also scale rows so that E‖x‖ = √d (measured on the train split; kept in the
   * normalisation statistics, see expected-norm.ts). Default 'none'. Ignored with `normStats`.
   */
  normalizeActivations?: 'none' | 'expected_norm';
  /** Reshuffle the train split every epoch (default true). The eval split is never shuffled. */
  shuffle?: boolean;
  /** Seeds the split and the shuffles (default 42). */
  seed?: number;
  /** Drop the last partial batch of each split (default false: keep it). */
  dropLast?: boolean;
  /** Width the model expects (input_dims); a different width is an error naming both. */
  inputDims?: number;
  /** Rows with NaN/Inf: 'error' (default) names the first; 'skip' leaves them out and counts them. */
  nonFinite?: 'error' | 'skip';
  /** Rows per shuffle chunk (default: about 1 MiB of data). */
  chunkRows?: number;
  /** Memory for the shuffle window in bytes (default 64 MiB; the loader reads one window ahead). */
  shuffleBufferBytes?: number;
}

export interface DatasetInfo {
  source: string;
  rows: number;
  cols: number;
  trainRows: number;
  evalRows: number;
  /** Rows left out for NaN/Inf (nonFinite: 'skip'). */
  skippedRows: number;
  normStats: NormStats | undefined;
  /** normalize_activations: expected_norm — the factor applied after z-scoring. */
  expectedNormScale?: number;
}

export interface DataLoaders {
  train: DataLoader;
  /** Undefined when splits has a single entry. */
  eval: DataLoader | undefined;
  info: DatasetInfo;
}

/**
 * DeepLens's ActivationsDatasetBuilder: opens activations (without loading them), splits them
 * reproducibly, computes normalisation statistics on the train split only, and returns streaming
 * loaders. One pass over the data checks for NaN/Inf and accumulates the statistics.
 */
export class ActivationsDatasetBuilder {
  readonly options: ActivationsDatasetOptions;
  #source: ActivationSource | undefined;
  #info: DatasetInfo | undefined;

  constructor(options: ActivationsDatasetOptions) {
    this.options = options;
  }

  /** Statistics applied to every batch (after getDataloaders()). */
  get normStats(): NormStats | undefined {
    return this.#info?.normStats;
  }

  async getDataloaders(): Promise<DataLoaders> {
    const o = this.options;
    const source = typeof o.activations === 'object' && 'readRows' in o.activations ? o.activations : await this.openFiles(o.activations, o);
    this.#source = source;
    try {
      return await this.#build(source);
    } catch (error) {
      await source.close();
      throw error;
    }
  }

  /**
   * Opens activation files by path. This build has no file system (it runs in browsers too): pass
   * an opened source such as `MemorySource`, or use `ActivationsDatasetBuilder` from
   * `@deeplens/core/node`, which reads .npy/.safetensors/.pt files, folders and globs.
   */
  protected openFiles(paths: string | readonly string[], _options: OpenActivationsOptions): Promise<ActivationSource> {
    throw new InvalidArgumentError(`cannot open ${JSON.stringify(paths)}: this ActivationsDatasetBuilder has no file system`, {
      hint: "import ActivationsDatasetBuilder from '@deeplens/core/node' to read files, or pass an ActivationSource (e.g. a MemorySource)",
    });
  }

  async close(): Promise<void> {
    await this.#source?.close();
  }

  async #build(source: ActivationSource): Promise<DataLoaders> {
    const o = this.options;
    if (o.inputDims !== undefined && source.cols !== o.inputDims) {
      throw new DataShapeError(`${source.description}: activations are ${source.cols} wide, but the model's input_dims is ${o.inputDims}`, {
        hint: 'set input_dims to the activation width, or point at activations of the right layer',
      });
    }
    if (source.rows === 0) throw new DatasetSplitError(`${source.description}: the dataset is empty (0 rows)`);
    const seed = o.seed ?? 42;
    const rowBytes = source.cols * 4;
    const chunkRows = o.chunkRows ?? Math.max(1, Math.floor(2 ** 20 / rowBytes));
    if (!Number.isInteger(chunkRows) || chunkRows < 1) throw new InvalidArgumentError(`chunkRows must be a positive integer, got ${chunkRows}`);
    const bufferRows = Math.max(chunkRows, Math.floor((o.shuffleBufferBytes ?? 64 * 2 ** 20) / rowBytes));
    const sizes = resolveSplitSizes(o.splits ?? [0.8, 0.2], source.rows);
    let parts = planSplits(source.rows, sizes, chunkRows, new Rng(seed));

    const wantStats = (o.norm ?? true) && !o.normStats;
    const { badRows, stats } = await scan(source, parts[0]!, chunkRows, o.nonFinite ?? 'error', wantStats);
    parts = parts.map((p) => removeRows(p, badRows));
    const names = ['train', 'eval'];
    parts.forEach((p, i) => {
      if (segmentRows(p) === 0) throw new DatasetSplitError(`the ${names[i]} split is empty after leaving out ${badRows.length} rows with NaN/Inf`);
    });
    let normStats = (o.norm ?? true) ? (o.normStats ?? stats) : undefined;
    let expectedNormScale: number | undefined;
    if (o.normalizeActivations === 'expected_norm' && !o.normStats) {
      ({ stats: normStats, scale: expectedNormScale } = await expectedNormStats(source, parts[0]!, normStats));
    }
    if (normStats) checkNormStats(normStats, source.cols);

    const loader = (segments: Segment[], shuffle: boolean) =>
      new ActivationLoader({
        source, segments, shuffle, seed, norm: normStats, bufferRows,
        batchSize: o.batchSize ?? 32,
        dropLast: o.dropLast ?? false,
      });
    const info: DatasetInfo = {
      source: source.description,
      rows: source.rows,
      cols: source.cols,
      trainRows: segmentRows(parts[0]!),
      evalRows: parts[1] ? segmentRows(parts[1]) : 0,
      skippedRows: badRows.length,
      normStats,
      ...(expectedNormScale !== undefined ? { expectedNormScale } : {}),
    };
    this.#info = info;
    return { train: loader(parts[0]!, o.shuffle ?? true), eval: parts[1] ? loader(parts[1], false) : undefined, info };
  }
}

/** One sequential pass: find rows with NaN/Inf and accumulate statistics over the train segments. */
async function scan(
  source: ActivationSource, train: readonly Segment[], chunkRows: number, nonFinite: 'error' | 'skip', wantStats: boolean,
): Promise<{ badRows: number[]; stats: NormStats | undefined }> {
  const cols = source.cols;
  const acc = wantStats ? new NormStatsAccumulator(cols) : undefined;
  // Train segments are sorted and the pass is sequential: a moving pointer tells membership.
  let seg = 0;
  const inTrain = (row: number): boolean => {
    while (seg < train.length && train[seg]!.start + train[seg]!.count <= row) seg++;
    return seg < train.length && train[seg]!.start <= row;
  };
  const badRows: number[] = [];
  const step = Math.max(chunkRows, 4096);
  const buf = new Float32Array(step * cols);
  const trainBuf = new Float32Array(step * cols);
  for (let start = 0; start < source.rows; start += step) {
    const n = Math.min(step, source.rows - start);
    await source.readRows(start, n, buf);
    let t = 0;
    for (let r = 0; r < n; r++) {
      const row = buf.subarray(r * cols, (r + 1) * cols);
      let finite = true;
      for (let c = 0; c < cols; c++) {
        if (!Number.isFinite(row[c]!)) {
          finite = false;
          break;
        }
      }
      if (!finite) {
        if (nonFinite === 'error') {
          const where = source.locate(start + r);
          throw new NonFiniteDataError(where.file, where.row, {
            hint: "clean the activations, or leave such rows out with data.skip_non_finite: true in config.yaml (flag --skip-non-finite; in TypeScript nonFinite: 'skip')",
          });
        }
        badRows.push(start + r);
        continue;
      }
      if (acc && inTrain(start + r)) trainBuf.set(row, t++ * cols);
    }
    acc?.add(trainBuf, t);
  }
  if (acc?.allConstant) {
    throw new DataShapeError(`${source.description}: every training row is the same (zero variance in all ${cols} dimensions), so there is nothing for an SAE to learn and FVU is undefined`, {
      hint: 'check the extraction: the hook may point at a constant tensor (e.g. a bias or padding)',
    });
  }
  return { badRows, stats: acc?.result() };
}
