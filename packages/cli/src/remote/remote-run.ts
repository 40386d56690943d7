import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTimestamp, type RunStorage, type TrainerHooks } from '@deeplens/trainer';
import { UsageError } from '../errors.js';
import { fixedRunStorage } from './fixed-run-storage.js';
import { fetchRun, RunMirror } from './run-mirror.js';
import { freshDir, openRunStore } from './run-store.js';

/** A run whose folder lives in a bucket: trained in a local staging folder and copied up after every checkpoint. */
export interface RemoteRun {
  /** The run folder in the bucket. */
  location: string;
  /** The local staging folder the trainer writes. */
  local: string;
  storage: RunStorage;
  hooks: TrainerHooks[];
  /** Resume from the staging copy of the bucket's run (when resuming). */
  resumeFrom: string | undefined;
  /** Copy what is left and remove the staging folder. */
  finish(): Promise<void>;
}

const isS3 = (p: string | undefined): p is string => p?.startsWith('s3://') ?? false;

/** Whether a run writes to (or resumes from) a bucket. */
export function isRemoteRun(outputDir: string, resume: string | undefined): boolean {
  return isS3(outputDir) || isS3(resume);
}

/**
 * Prepare a run folder in a bucket: `<output_dir>/<model_name>/run_<timestamp>` for a new run, or the
 * run folder `resume` names (copied down first). The trainer writes the local staging copy atomically
 * as always; objects appear in the bucket only when complete.
 */
export async function prepareRemoteRun(outputDir: string, modelName: string, resume: string | undefined, warn: (m: string) => void): Promise<RemoteRun> {
  let root: string;
  let prefix: string;
  if (resume !== undefined) {
    if (!isS3(resume)) throw new UsageError(`--resume ${resume} is a local folder, but the run writes to ${outputDir}`, 'resume a run from where it is: give its s3:// run folder');
    const trimmed = resume.replace(/\/+$/, '');
    root = trimmed.slice(0, trimmed.lastIndexOf('/'));
    prefix = trimmed.slice(trimmed.lastIndexOf('/') + 1);
  } else {
    root = `${outputDir.replace(/\/+$/, '')}/${modelName}`;
    prefix = `run_${runTimestamp()}`;
  }
  const store = await openRunStore(root);
  const staging = join(tmpdir(), `deeplens-staging-${process.pid}`);
  const local = join(staging, modelName, prefix);
  await freshDir(local);
  if (resume !== undefined && !(await fetchRun(store, prefix, local))) {
    await rm(local, { recursive: true, force: true });
    throw new UsageError(`${resume} holds no training state to resume from`, 'give the run folder the run printed at its start (…/<model_name>/run_<timestamp>)');
  } else if (resume === undefined && (await store.list(prefix)).length > 0) {
    throw new UsageError(`${store.location(prefix)} already holds a run`, 'start again in a second, or choose another --out');
  }
  const mirror = new RunMirror(local, store, prefix, warn);
  return {
    location: store.location(prefix),
    local,
    storage: fixedRunStorage(local),
    hooks: [mirror.hooks()],
    resumeFrom: resume !== undefined ? local : undefined,
    async finish() {
      await mirror.sync();
      await rm(staging, { recursive: true, force: true });
    },
  };
}
