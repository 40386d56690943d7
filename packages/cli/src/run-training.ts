import { SparseAutoencoder } from '@deeplens/core';
import { ConsoleLogger, FanOutLogger, MetricsFileLogger, progressBarHooks } from '@deeplens/loggers';
import {
  optimizerFromRunConfig, SAETrainer, trainerOptionsFromRunConfig, type RunStorage, type TrainerHooks, type TrainerLogger, type TrainResult,
} from '@deeplens/trainer';
import { createBackend } from './backends.js';
import { openRunData, type RunData } from './run-data.js';
import { modelPathOf } from './checkpoint.js';
import { checkMemory, checkOutputDir, configNotes } from './preflight.js';
import type { TrainConfig } from './config/resolve-train-config.js';
import { isRemoteRun, prepareRemoteRun } from './remote/remote-run.js';

export interface TrainingRun {
  config: TrainConfig;
  activations: string | string[];
  evalActivations?: string;
  initFrom?: string;
  resume?: string;
  /** Resume although the data or the state's checksum differ (--force-resume). */
  forceResume?: boolean;
  quiet?: boolean;
  /** Where console lines go (tests). */
  write?: (line: string) => void;
  /** Where warnings go (default: stderr). */
  warn?: (message: string) => void;
  /** Where notes go, e.g. how the backend runs here (default: stderr). */
  note?: (message: string) => void;
  /** Where the run folder is made (default: files under trainer.output_dir). */
  storage?: RunStorage;
  /** More hooks (a mirror to shared storage, progress for a job queue). */
  hooks?: TrainerHooks[];
}

/** Wire data, model, optimiser, backend, loggers and trainer from a resolved config, and train. */
export async function runTraining(run: TrainingRun): Promise<TrainResult> {
  if (!run.storage && isRemoteRun(run.config.trainer.output_dir, run.resume)) return runRemote(run);
  const { config: c } = run;
  const warn = run.warn ?? ((m: string) => console.error(`warning: ${m}`));
  const note = run.note ?? ((m: string) => console.error(`note: ${m}`));
  // Everything that can be known to fail is checked before any data is read or memory allocated.
  for (const issue of configNotes(c)) warn(issue);
  if (c.trainer.save_checkpoints && !run.resume && !run.storage) await checkOutputDir(c.trainer.output_dir);
  const backend = await createBackend(c.trainer.device, { threads: c.trainer.threads, tfjsEngine: c.trainer.tfjs_engine }, warn, note);
  try {
    checkMemory(c, backend);
  } catch (error) {
    backend.dispose();
    throw error;
  }
  const seed = c.trainer.random_seed;
  let data: RunData | undefined;
  try {
    data = await openRunData(c, run.activations, run.evalActivations);
    const { train, eval: evalLoader, info } = data;
    const model = SparseAutoencoder.create({ backend, config: c.model, seed });
    const optim = optimizerFromRunConfig(model, c);
    const loggers: TrainerLogger[] = [new ConsoleLogger({ quiet: run.quiet ?? false, ...(run.write ? { write: run.write } : {}) }), new MetricsFileLogger()];
    if (c.trainer.log_to_wandb) {
      const { createWandbLogger } = await import('@deeplens/loggers/wandb');
      loggers.push(await createWandbLogger({ modelName: c.trainer.model_name }));
    }
    if (info.skippedRows > 0) (run.write ?? console.log)(`Skipped ${info.skippedRows} rows with NaN/Inf.`);
    const trainer = new SAETrainer({
      ...trainerOptionsFromRunConfig(c),
      model, trainDataloader: train, optim,
      ...(evalLoader ? { evalDataloader: evalLoader } : {}),
      device: backend.name, loggers: [new FanOutLogger(loggers)],
      hooks: [...(run.quiet ? [] : progressBarHooks()), ...(run.hooks ?? [])],
      ...(run.storage ? { storage: run.storage } : {}),
      warn,
    });
    return await trainer.train({
      ...(run.resume ? { resumeFrom: run.resume, forceResume: run.forceResume ?? false } : {}),
      ...(run.initFrom ? { initFrom: modelPathOf(run.initFrom) } : {}),
    });
  } finally {
    await data?.close();
    backend.dispose();
  }
}

/** A run folder in a bucket (--out s3://… or --resume s3://…/run_…): staged locally, copied up after every checkpoint. */
async function runRemote(run: TrainingRun): Promise<TrainResult> {
  const warn = run.warn ?? ((m: string) => console.error(`warning: ${m}`));
  const write = run.write ?? ((line: string) => console.log(line));
  const remote = await prepareRemoteRun(run.config.trainer.output_dir, run.config.trainer.model_name, run.resume, warn);
  write(`Run folder in the bucket: ${remote.location} (staged in ${remote.local})`);
  const { resume: _resume, ...rest } = run;
  let result: TrainResult;
  try {
    result = await runTraining({
      ...rest, storage: remote.storage, hooks: [...(run.hooks ?? []), ...remote.hooks],
      ...(remote.resumeFrom ? { resume: remote.resumeFrom } : {}),
    });
  } finally {
    await remote.finish();
  }
  write(`The run's files are in ${remote.location}/ (the staging folder above is removed).`);
  return { ...result, runDir: remote.location, ...(result.bestModelPath ? { bestModelPath: `${remote.location}/${result.bestModelPath.split('/').at(-1)}` } : {}) };
}
