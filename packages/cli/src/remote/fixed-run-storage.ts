import { mkdir } from 'node:fs/promises';
import { fileRunStorage, type RunStorage } from '@deeplens/trainer';

/** Run folders on disk, but at one given place (a job's, a staging folder) instead of a new run_<timestamp>. */
export function fixedRunStorage(dir: string): RunStorage {
  return { ...fileRunStorage, createRun: async () => (await mkdir(dir, { recursive: true }), dir) };
}
