import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ensureDir, toOutputPathError } from '@deeplens/core/node';
import { runTimestamp } from './run-names.js';

/** saved_models/{modelName}/run_{timestamp} */
export function runDirFor(outputRoot: string, modelName: string, date?: Date): string {
  return join(outputRoot, modelName, `run_${runTimestamp(date)}`);
}

/**
 * Create a new run folder that no other run shares: `run_{timestamp}`, or `run_{timestamp}_2`,
 * `_3`, ... when another run (in this process or another) created that name first. Each name is
 * taken with an exclusive mkdir, so runs started in the same second never write into one folder.
 */
export async function createRunDir(outputRoot: string, modelName: string, date?: Date): Promise<string> {
  const base = runDirFor(outputRoot, modelName, date);
  await ensureDir(dirname(base));
  for (let n = 1; ; n++) {
    const dir = n === 1 ? base : `${base}_${n}`;
    try {
      await mkdir(dir);
      return dir;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw toOutputPathError(error, dir, 'cannot be created');
    }
  }
}

export { BEST_MODEL_FILE, epochModelFile, runTimestamp, stepModelFile, TRAINING_STATE_FILE } from './run-names.js';
