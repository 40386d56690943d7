import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  encodeSafetensors, parseSafetensors, readSafetensorsFloat32, readSafetensorsFloat64, writeFileAtomic,
  type Optimizer, type OptimizerState, type SafetensorsInput, type SparseAutoencoder,
} from '@deeplens/core';
import { ResumeError } from '../errors.js';
import type { PlateauState } from '../schedules/plateau.js';
import { TRAINING_STATE_FILE } from './run-dir.js';

export const TRAINING_STATE_VERSION = 1;

/** Everything besides tensors that a resumed run needs to continue exactly. */
export interface TrainingProgress {
  version: number;
  modelName: string;
  globalStep: number;
  /** Epoch to continue in and the batches of it already done. */
  epoch: number;
  batchInEpoch: number;
  tokensSeen: number;
  bestEvalLoss: number;
  plateau: PlateauState | null;
  optimizer: { type: string; step: number; learningRate: number };
  /** The configured learning rate that schedules scale. */
  baseLr: number;
  elapsedSeconds: number;
}

export interface TrainingSnapshot {
  progress: TrainingProgress;
  params: Map<string, Float32Array>;
  optimizer: OptimizerState;
  lastFired: Float64Array;
}

/**
 * Write the latest parameters, optimiser moments, latent activity and progress as one
 * safetensors file, atomically: a kill at any moment leaves the previous state intact.
 */
export async function saveTrainingState(
  runDir: string, model: SparseAutoencoder, optimizer: Optimizer, lastFired: Float64Array, progress: TrainingProgress,
): Promise<string> {
  const tensors = new Map<string, SafetensorsInput>();
  for (const [name, a] of await model.toArrays()) tensors.set(`param.${name}`, a);
  const opt = await optimizer.saveState();
  for (const [name, bufs] of Object.entries(opt.buffers)) {
    const shape = model.params.get(name as never)?.shape ?? [bufs.m!.length];
    for (const [buf, data] of Object.entries(bufs)) tensors.set(`optim.${name}.${buf}`, { shape, data });
  }
  tensors.set('activity.last_fired', { shape: [lastFired.length], data: lastFired });
  const path = join(runDir, TRAINING_STATE_FILE);
  await writeFileAtomic(path, encodeSafetensors(tensors, { format: 'deeplens-training-state', progress: JSON.stringify(progress) }));
  return path;
}

export async function loadTrainingState(runDir: string): Promise<TrainingSnapshot> {
  const path = join(runDir, TRAINING_STATE_FILE);
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new ResumeError(`cannot resume from ${runDir}: ${TRAINING_STATE_FILE} is missing`, {
      cause: error,
      hint: 'resume needs a run folder written with saveCheckpoints: true',
    });
  }
  const header = parseSafetensors(bytes, path);
  if (header.metadata['format'] !== 'deeplens-training-state' || !header.metadata['progress']) {
    throw new ResumeError(`${path} is not a DeepLens training state`);
  }
  const progress = JSON.parse(header.metadata['progress']) as TrainingProgress;
  if (progress.version !== TRAINING_STATE_VERSION) throw new ResumeError(`${path} has state version ${progress.version}; this trainer reads ${TRAINING_STATE_VERSION}`);
  const params = new Map<string, Float32Array>();
  const buffers: OptimizerState['buffers'] = {};
  for (const key of header.tensors.keys()) {
    if (key.startsWith('param.')) params.set(key.slice(6), readSafetensorsFloat32(bytes, header, key, path));
    else if (key.startsWith('optim.')) {
      const dot = key.lastIndexOf('.');
      const name = key.slice(6, dot);
      (buffers[name] ??= {})[key.slice(dot + 1)] = readSafetensorsFloat32(bytes, header, key, path);
    }
  }
  return {
    progress,
    params,
    optimizer: { type: progress.optimizer.type, step: progress.optimizer.step, learningRate: progress.optimizer.learningRate, buffers },
    lastFired: readSafetensorsFloat64(bytes, header, 'activity.last_fired', path),
  };
}
