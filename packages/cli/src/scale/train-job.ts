import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { SweepJobContext, SweepJobData, SweepJobResult } from '@deeplens/queue';
import type { TrainerHooks } from '@deeplens/trainer';
import { fixedRunStorage } from '../remote/fixed-run-storage.js';
import type { TrainConfig } from '../config/resolve-train-config.js';
import { fetchRun, RunMirror } from '../remote/run-mirror.js';
import { freshDir, openRunStore } from '../remote/run-store.js';
import { runTraining } from '../run-training.js';

export interface TrainJobOptions {
  /** Local scratch folder for run folders while they train. */
  scratch: string;
  log?: (line: string) => void;
  warn?: (message: string) => void;
}

/**
 * Train one SAE of a queued sweep with the normal trainer. The run folder lives in local scratch
 * and is mirrored to the shared storage after every checkpoint; a job that another worker started
 * (and died in) continues from the training state it left there, so the model ends as it would have
 * without the interruption.
 */
export async function trainJob(data: SweepJobData<TrainConfig>, context: SweepJobContext, options: TrainJobOptions): Promise<SweepJobResult> {
  const log = options.log ?? (() => {});
  const warn = options.warn ?? ((m: string) => console.error(`warning: ${m}`));
  const store = await openRunStore(data.output);
  const prefix = `${data.sweepId}/${data.name}`;
  const local = join(options.scratch, data.sweepId, data.name);
  await freshDir(local);
  const resumable = await fetchRun(store, prefix, local);
  if (!resumable) log(`${data.name}: starting (job ${context.id}, try ${context.attemptsMade + 1})`);
  let resumedFromStep: number | null = null;
  const mirror = new RunMirror(local, store, prefix, warn);
  const progress: TrainerHooks = {
    // After a resume the trainer starts at the saved step: the log and the result say which (the state is read once, by the trainer).
    onTrainStart: (s) => {
      if (!resumable) return;
      resumedFromStep = s.globalStep;
      log(`${data.name}: resuming from step ${s.globalStep} of the state in ${store.location(prefix)} (job ${context.id}, try ${context.attemptsMade + 1})`);
    },
    onEvalEnd: (s) => void context.progress(s.globalStep, s.totalSteps).catch(() => {}),
    onCheckpointSaved: (s) => void context.progress(s.globalStep, s.totalSteps).catch(() => {}),
  };
  const config = structuredClone(data.config);
  const result = await runTraining({
    config,
    activations: data.activations,
    ...(data.evalActivations ? { evalActivations: data.evalActivations } : {}),
    ...(resumable ? { resume: local } : {}),
    storage: fixedRunStorage(local),
    hooks: [mirror.hooks(), progress],
    quiet: true,
    write: log,
    warn,
    note: () => {},
  });
  await mirror.sync();
  await store.putText(`${prefix}/job.json`, `${JSON.stringify({ job: context.id, status: result.status, globalStep: result.globalStep, resumedFromStep }, null, 2)}\n`);
  if (result.status === 'failed') throw new Error(`${data.name} failed: ${result.reason ?? 'no reason given'}`);
  if (result.status === 'interrupted') throw new Error(`${data.name}: the worker was stopped at step ${result.globalStep}; its state is saved in ${store.location(prefix)} and the job will be resumed`);
  await context.progress(result.globalStep, result.globalStep);
  // Everything is in the shared storage now; the scratch copy would only fill the disk.
  await rm(local, { recursive: true, force: true });
  const e = result.lastEval;
  return {
    status: result.status, globalStep: result.globalStep, runDir: store.location(prefix), resumedFromStep,
    ...(e ? { eval: { fvu: e.fvu, explainedVariance: e.explainedVariance, l0: e.l0, deadFraction: e.deadFraction, loss: e.loss } } : {}),
  };
}
