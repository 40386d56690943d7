import type { LoadedModelFile } from '@deeplens/core';

/**
 * Where a training run keeps its files: the run folder on disk (the Node entry's default), memory
 * in a browser, or anything else a user plugs in (a bucket, IndexedDB). The trainer writes model
 * files, config.json and the training state through it and reads them back to resume.
 */
export interface RunStorage {
  /** What this storage is, for messages ('files', 'memory', ...). */
  readonly kind: string;
  /** A new run location no other run shares, under `outputDir/modelName`. */
  createRun(outputDir: string, modelName: string): Promise<string>;
  /** The location of `file` inside a run. */
  path(run: string, file: string): string;
  /** Write a whole file; readers never see a partial one (atomic on disk). */
  write(path: string, data: readonly Uint8Array[] | string): Promise<void>;
  /** Read a whole file; a missing file rejects. */
  read(path: string): Promise<Uint8Array>;
  /** Read and check a model file (with the config.json beside it where the file has no config). */
  readModelFile(path: string): Promise<LoadedModelFile>;
  /** Before resuming: clean up what an interrupted write left in the run (temporary files). */
  prepareResume(run: string): Promise<void>;
  /** `sha256:<hex>` of the concatenated parts. */
  sha256(parts: readonly Uint8Array[]): Promise<string>;
}
