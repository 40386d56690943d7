import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { DataFileNotFoundError, ModelFileError, normStatsFromJson, type LoadedModelFile, type NormStats } from '@deeplens/core';
import { readModelFile } from '@deeplens/core/node';
import { BEST_MODEL_FILE } from '@deeplens/trainer';

export interface Checkpoint {
  modelPath: string;
  file: LoadedModelFile;
  /** The dataset statistics the model was trained with, if it was trained on normalised data. */
  normStats: NormStats | undefined;
  /** The run's description: the file's own metadata, else config.json beside it. */
  runConfig: Record<string, unknown> | undefined;
}

type NormJson = { mean: number[]; std: number[]; rows: number } | null | undefined;

/** A run folder is its best_model.safetensors; anything else is taken as a model file. */
export function modelPathOf(path: string): string {
  if (!existsSync(path)) throw new DataFileNotFoundError(`checkpoint ${path} does not exist`, { hint: 'pass a run folder (saved_models/<name>/run_<timestamp>) or a .safetensors model file' });
  const modelPath = statSync(path).isDirectory() ? join(path, BEST_MODEL_FILE) : path;
  if (!existsSync(modelPath)) throw new DataFileNotFoundError(`${path} has no ${BEST_MODEL_FILE}`, { hint: 'the run may have stopped before its first evaluation; pass a sae_step_N.safetensors file instead' });
  return modelPath;
}

/**
 * A run folder (its best_model.safetensors) or a model file, with the normalisation statistics it
 * was trained with. The model file's own metadata is the truth; config.json beside it is read for
 * files that predate that, and a sidecar that disagrees with the file is reported through `warn`.
 */
export async function loadCheckpoint(path: string, warn: (message: string) => void = () => {}): Promise<Checkpoint> {
  const modelPath = modelPathOf(path);
  const file = await readModelFile(modelPath);
  const sidecarPath = join(dirname(modelPath), 'config.json');
  const sidecar = existsSync(sidecarPath) ? await readSidecar(sidecarPath) : undefined;
  const sidecarNorm = (sidecar?.['dataset'] as { norm?: NormJson } | undefined)?.norm;
  if (!file.recordsNorm) {
    // A file written before models carried their statistics: only the sidecar knows.
    return { modelPath, file, normStats: sidecarNorm ? normStatsFromJson(sidecarNorm) : undefined, runConfig: sidecar };
  }
  if (sidecar && sidecarNorm !== undefined && !sameNorm(sidecarNorm, file.normStats)) {
    warn(`${sidecarPath} does not match ${modelPath} (normalisation statistics differ: the config.json belongs to another model?); using the model file's own`);
  }
  return { modelPath, file, normStats: file.normStats, runConfig: file.run ?? sidecar };
}

async function readSidecar(path: string): Promise<Record<string, unknown>> {
  try {
    const value = JSON.parse(await readFile(path, 'utf8')) as unknown;
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
    throw new SyntaxError('not a JSON object');
  } catch (error) {
    throw new ModelFileError(path, `is not a valid run config (${(error as Error).message})`, {
      cause: error,
      hint: 'restore it, or delete it: model files written by this version carry their config and normalisation themselves',
    });
  }
}

function sameNorm(json: NormJson, stats: NormStats | undefined): boolean {
  if (!json || !stats) return !json && !stats;
  const close = (a: readonly number[], b: Float32Array) => a.length === b.length && a.every((v, i) => Math.fround(v) === b[i]);
  return close(json.mean, stats.mean) && close(json.std, stats.std);
}
