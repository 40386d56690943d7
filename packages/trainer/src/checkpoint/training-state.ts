import {
  encodeSafetensors, parseSafetensors, readSafetensorsFloat32, readSafetensorsFloat64, type Optimizer, type OptimizerState, type SafetensorsInput, type SparseAutoencoder,
} from '@deeplens/core';
import { ResumeError } from '../errors.js';
import type { PlateauState } from '../schedules/plateau.js';
import { TRAINING_STATE_FILE } from './run-names.js';
import type { RunStorage } from './run-storage.js';

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
  /** Fingerprints of the train and eval data (DataLoader.fingerprint), to refuse resuming on other data. */
  data?: { train: string | null; eval: string | null };
}

export interface TrainingSnapshot {
  progress: TrainingProgress;
  params: Map<string, Float32Array>;
  optimizer: OptimizerState;
  lastFired: Float64Array;
  /** Saved shape of each parameter. */
  paramShapes: Map<string, number[]>;
}

export interface LoadTrainingStateOptions {
  /** Load a state whose checksum does not match its data (default false: a ResumeError). */
  force?: boolean;
  /** Told about a mismatch that `force` lets through. */
  warn?: (message: string) => void;
}

/**
 * Write the latest parameters, optimiser moments, latent activity and progress as one
 * safetensors file, atomically: a kill at any moment leaves the previous state intact.
 */
export async function writeTrainingState(
  storage: RunStorage, run: string, model: SparseAutoencoder, optimizer: Optimizer, lastFired: Float64Array, progress: TrainingProgress,
): Promise<string> {
  const tensors = new Map<string, SafetensorsInput>();
  for (const [name, a] of await model.toArrays()) tensors.set(`param.${name}`, a);
  const opt = await optimizer.saveState();
  for (const [name, bufs] of Object.entries(opt.buffers)) {
    const shape = model.params.get(name as never)?.shape ?? [bufs.m!.length];
    for (const [buf, data] of Object.entries(bufs)) tensors.set(`optim.${name}.${buf}`, { shape, data });
  }
  tensors.set('activity.last_fired', { shape: [lastFired.length], data: lastFired });
  const path = storage.path(run, TRAINING_STATE_FILE);
  const metadata = { format: 'deeplens-training-state', progress: JSON.stringify(progress) };
  const data = encodeSafetensors(tensors, metadata).slice(2);
  // sha256 of the data section: what a flipped bit or a torn copy changes.
  await storage.write(path, encodeSafetensors(tensors, { ...metadata, checksum: await storage.sha256(data) }));
  return path;
}

/**
 * Read a run's training state. Its checksum is verified: a state whose bytes changed since
 * it was written (a flipped bit, a torn copy) is refused unless `force`.
 */
export async function readTrainingState(storage: RunStorage, runDir: string, options: LoadTrainingStateOptions = {}): Promise<TrainingSnapshot> {
  const path = storage.path(runDir, TRAINING_STATE_FILE);
  let bytes: Uint8Array;
  try {
    bytes = await storage.read(path);
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
  const stored = header.metadata['checksum'];
  if (stored !== undefined) {
    const actual = await storage.sha256([bytes.subarray(header.dataStart)]);
    if (actual !== stored) {
      const message = `${path} is corrupt: its data do not match the checksum written with it`;
      if (!options.force) {
        throw new ResumeError(message, { hint: 'restore the run folder from a backup, or pass --force-resume (force: true) to continue from it anyway' });
      }
      options.warn?.(`${message}; continuing because of --force-resume`);
    }
  }
  let progress: TrainingProgress;
  try {
    progress = JSON.parse(header.metadata['progress']) as TrainingProgress;
  } catch (error) {
    throw new ResumeError(`${path}: its progress record is not valid JSON (corrupt file?)`, { cause: error });
  }
  if (progress.version !== TRAINING_STATE_VERSION) throw new ResumeError(`${path} has state version ${progress.version}; this trainer reads ${TRAINING_STATE_VERSION}`);
  const params = new Map<string, Float32Array>();
  const paramShapes = new Map<string, number[]>();
  const buffers: OptimizerState['buffers'] = {};
  for (const key of header.tensors.keys()) {
    if (key.startsWith('param.')) {
      params.set(key.slice(6), readSafetensorsFloat32(bytes, header, key, path));
      paramShapes.set(key.slice(6), header.tensors.get(key)!.shape);
    }
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
    paramShapes,
  };
}
