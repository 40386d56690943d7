import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DataFileNotFoundError, normStatsFromJson, readModelFile, type LoadedModelFile, type NormStats } from '@deeplens/core';
import { BEST_MODEL_FILE } from '@deeplens/trainer';

export interface Checkpoint {
  modelPath: string;
  file: LoadedModelFile;
  /** The dataset statistics the model was trained with, if it was trained on normalised data. */
  normStats: NormStats | undefined;
  /** config.json beside the model, if any. */
  runConfig: Record<string, unknown> | undefined;
}

/** A run folder (its best_model.safetensors) or a model file, with the run's normalisation statistics. */
export async function loadCheckpoint(path: string): Promise<Checkpoint> {
  if (!existsSync(path)) throw new DataFileNotFoundError(`checkpoint ${path} does not exist`, { hint: 'pass a run folder (saved_models/<name>/run_<timestamp>) or a .safetensors model file' });
  const modelPath = statSync(path).isDirectory() ? join(path, BEST_MODEL_FILE) : path;
  if (!existsSync(modelPath)) throw new DataFileNotFoundError(`${path} has no ${BEST_MODEL_FILE}`, { hint: 'the run may have stopped before its first evaluation; pass a sae_step_N.safetensors file instead' });
  const file = await readModelFile(modelPath);
  const configPath = join(dirname(modelPath), 'config.json');
  const runConfig = existsSync(configPath) ? (JSON.parse(readFileSync(configPath, 'utf8')) as Record<string, unknown>) : undefined;
  const norm = (runConfig?.['dataset'] as { norm?: { mean: number[]; std: number[]; rows: number } | null } | undefined)?.norm;
  return { modelPath, file, normStats: norm ? normStatsFromJson(norm) : undefined, runConfig };
}

