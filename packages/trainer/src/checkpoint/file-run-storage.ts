import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readModelFile, removeStaleTempFiles, writeFileAtomic } from '@deeplens/core/node';
import { createRunDir } from './run-dir.js';
import type { RunStorage } from './run-storage.js';

/** Run folders on disk: `outputDir/modelName/run_<timestamp>`, every write atomic. The Node default. */
export const fileRunStorage: RunStorage = {
  kind: 'files',
  createRun: (outputDir, modelName) => createRunDir(outputDir, modelName),
  path: (run, file) => join(run, file),
  write: (path, data) => writeFileAtomic(path, data),
  read: (path) => readFile(path),
  readModelFile: (path) => readModelFile(path),
  async prepareResume(run) {
    await removeStaleTempFiles(run);
  },
  sha256(parts) {
    const hash = createHash('sha256');
    for (const p of parts) hash.update(p);
    return Promise.resolve(`sha256:${hash.digest('hex')}`);
  },
};
