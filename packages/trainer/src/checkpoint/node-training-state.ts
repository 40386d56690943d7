import type { Optimizer, SparseAutoencoder } from '@deeplens/core';
import { fileRunStorage } from './file-run-storage.js';
import { readTrainingState, writeTrainingState, type LoadTrainingStateOptions, type TrainingProgress, type TrainingSnapshot } from './training-state.js';

/**
 * Write the latest parameters, optimiser moments, latent activity and progress as one safetensors
 * file in a run folder, atomically: a kill at any moment leaves the previous state intact.
 */
export function saveTrainingState(
  runDir: string, model: SparseAutoencoder, optimizer: Optimizer, lastFired: Float64Array, progress: TrainingProgress,
): Promise<string> {
  return writeTrainingState(fileRunStorage, runDir, model, optimizer, lastFired, progress);
}

/** Read a run folder's training state, verifying its checksum (refused unless `force`). */
export function loadTrainingState(runDir: string, options: LoadTrainingStateOptions = {}): Promise<TrainingSnapshot> {
  return readTrainingState(fileRunStorage, runDir, options);
}
