import { totalmem } from 'node:os';
import { checkTrainingMemory, describeMemoryEstimate, estimateTrainingMemory, resolveSaeConfig, type Backend } from '@deeplens/core';
import { ensureDir, toOutputPathError } from '@deeplens/core/node';
import { rm, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TrainConfig } from './config/resolve-train-config.js';
import { saeLensBlockers } from './saelens-export.js';

/** Memory this training will need, checked against the backend's ceiling and the machine. */
export function checkMemory(config: TrainConfig, backend: Pick<Backend, 'name' | 'capabilities'> | undefined): string {
  const options = {
    config: resolveSaeConfig(config.model), batchSize: config.data.batch_size,
    microBatchSize: config.trainer.micro_batch_size, optimizerInBackward: config.trainer.optimizer_in_backward,
  };
  const estimate = estimateTrainingMemory(options);
  const ceiling = backend?.capabilities.maxMemoryBytes;
  checkTrainingMemory(estimate, { backend: ceiling ? { name: backend.name, bytes: ceiling } : undefined, machineBytes: totalmem() }, options);
  return describeMemoryEstimate(estimate);
}

/** Warnings about the run that are cheaper to hear before it than after (export limits). */
export function configNotes(config: TrainConfig): string[] {
  return saeLensBlockers(resolveSaeConfig(config.model)).map(
    (b) => `this model cannot be exported to SAELens later (deeplens export --format saelens): ${b.message.split('\n')[0]}; ${b.hint ?? ''}`.trim(),
  );
}

/**
 * Make sure the output folder can be written before any data is read: a read-only disk, a file in
 * the way or a system folder is an OutputPathError now, not after the first epoch. Folders made
 * for the check are removed again, so a run that fails later leaves nothing behind.
 */
export async function checkOutputDir(dir: string): Promise<void> {
  // Another run starting into the same new folder may remove it (its own check's cleanup) between
  // our creating and writing: the folder vanishing (ENOENT) is retried, not reported.
  for (let attempt = 1; ; attempt++) {
    const created = await ensureDir(dir);
    const probe = join(dir, `.deeplens-write-check-${process.pid}`);
    try {
      await writeFile(probe, '');
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' && attempt < 5) continue;
      throw toOutputPathError(error, dir, 'cannot be written to');
    } finally {
      await rm(probe, { force: true });
      for (const d of created.reverse()) await rmdir(d).catch(() => {});
    }
  }
}
