import { existsSync } from 'node:fs';
import { totalmem } from 'node:os';
import { join } from 'node:path';
import {
  checkTrainingMemory, combineTrainingMemory, describeMemoryEstimate, estimateTrainingMemory, resolveSaeConfig, saeArchitecture, SparseAutoencoder, type Backend, type DataLoader,
} from '@deeplens/core';
import { writeFileAtomic } from '@deeplens/core/node';
import { FanOutLogger, MetricsFileLogger } from '@deeplens/loggers';
import {
  createRunDir, optimizerFromRunConfig, SAETrainer, SweepTrainer, trainerOptionsFromRunConfig, TRAINING_STATE_FILE,
  type SweepConfig, type SweepMember, type SweepResult, type TrainerLogger,
} from '@deeplens/trainer';
import { createBackend } from '../backends.js';
import { openRunData, type RunData } from '../run-data.js';
import type { TrainingRun } from '../run-training.js';
import { paretoSvg } from './pareto-plot.js';
import { summaryMarkdown, summaryText } from './summary-table.js';
import { memberResult, readSweepState, writeSweepState, type SweepMemberState, type SweepState } from './sweep-state.js';
import { checkOutputDir, configNotes } from '../preflight.js';

/** A single run's options (run-training.ts), for a sweep: no `initFrom`, and `resume` is the sweep folder. */
export interface SweepRunOptions extends Omit<TrainingRun, 'config' | 'initFrom' | 'activations'> {
  sweep: SweepConfig;
  activations: string[];
}

export interface SweepOutcome {
  dir: string;
  result: SweepResult;
  members: SweepMemberState[];
}

/** The memory a sweep needs: every model with its optimiser and gradients, one batch and one step's intermediates. */
export function sweepMemory(sweep: SweepConfig, backend: Pick<Backend, 'name' | 'capabilities'> | undefined): string {
  const base = sweep.members[0]!.config;
  const estimates = sweep.members.map((m) => estimateTrainingMemory({
    config: resolveSaeConfig(m.config.model), batchSize: base.data.batch_size, microBatchSize: base.trainer.micro_batch_size, optimizerInBackward: base.trainer.optimizer_in_backward,
  }));
  const total = combineTrainingMemory(estimates);
  const ceiling = backend?.capabilities.maxMemoryBytes;
  checkTrainingMemory(total, { backend: ceiling ? { name: backend.name, bytes: ceiling } : undefined, machineBytes: totalmem() }, {
    config: resolveSaeConfig(base.model), batchSize: base.data.batch_size, optimizerInBackward: base.trainer.optimizer_in_backward,
  });
  return `${describeMemoryEstimate(total)} for ${sweep.members.length} SAEs`;
}

/**
 * `deeplens train` with a sweep: section. One backend, one data pass, one trainer per SAE (its own
 * run folder with config.json, best model and metrics.jsonl under the sweep folder); sweep.json
 * records every SAE's status; at the end summary.md / summary.json and pareto.svg.
 */
export async function runSweep(o: SweepRunOptions): Promise<SweepOutcome> {
  const write = o.write ?? ((l: string) => console.log(l));
  const warn = o.warn ?? ((m: string) => console.error(`warning: ${m}`));
  const note = o.note ?? ((m: string) => console.error(`note: ${m}`));
  const { sweep } = o;
  const base = sweep.members[0]!.config;
  const notes = new Set(sweep.members.flatMap((m) => configNotes(m.config).map((n) => `${m.name}: ${n}`)));
  for (const n of notes) warn(n);
  if (!o.resume && base.trainer.save_checkpoints) await checkOutputDir(base.trainer.output_dir);
  const backend = await createBackend(base.trainer.device, { threads: base.trainer.threads, tfjsEngine: base.trainer.tfjs_engine }, warn, note);
  const models: SparseAutoencoder[] = [];
  let data: RunData | undefined;
  try {
    const memory = sweepMemory(sweep, backend);
    data = await openRunData(base, o.activations, o.evalActivations);
    const { train, eval: evalLoader, info } = data;
    if (info.skippedRows > 0) write(`Skipped ${info.skippedRows} rows with NaN/Inf.`);
    const dir = o.resume ?? (await createRunDir(base.trainer.output_dir, `${base.trainer.model_name}-sweep`));
    const state: SweepState = o.resume ? readSweepState(dir, sweep) : {
      version: 1, grid: sweep.grid, activations: o.activations, evalActivations: o.evalActivations ?? null,
      members: sweep.members.map((m) => ({ name: m.name, overrides: m.overrides, status: 'pending', architecture: saeArchitecture(resolveSaeConfig(m.config.model)) })),
    };
    await writeSweepState(dir, state);
    const byName = new Map(state.members.map((m, i) => [m.name, i]));
    const update = async (name: string, f: (m: SweepMemberState) => SweepMemberState) => {
      const i = byName.get(name)!;
      state.members[i] = f(state.members[i]!);
      await writeSweepState(dir, state);
    };
    const todo = sweep.members.filter((m) => !['completed', 'failed'].includes(state.members[byName.get(m.name)!]!.status));
    if (!o.quiet) {
      write(`Sweep: ${sweep.members.length} SAEs (${sweep.grid.map((g) => `${g.path} × ${g.values.length}`).join(', ')}), ${todo.length} to train, in one pass over ${info.trainRows} train rows`);
      write(`Memory estimate on backend '${backend.name}': ${memory}`);
      write(`Sweep folder: ${dir}`);
    }
    const runs = [];
    for (const m of todo) {
      const trainer = await memberTrainer(m, { dir, backend, train, evalLoader, models, update, base: state.members[byName.get(m.name)!]!, warn });
      const saved = state.members[byName.get(m.name)!]!.runDir;
      const resumeFrom = saved && existsSync(join(saved, TRAINING_STATE_FILE)) ? saved : undefined;
      runs.push({ name: m.name, trainer, ...(resumeFrom ? { trainOptions: { resumeFrom, forceResume: o.forceResume ?? false } } : {}) });
    }
    const result = runs.length === 0 ? emptyResult() : await new SweepTrainer({
      runs, warn,
      progressEverySteps: base.trainer.log_every_steps,
      onProgress: (p) => {
        if (!o.quiet) write(`Sweep step ${p.step}/${p.totalSteps} (epoch ${Math.min(p.epoch + 1, base.trainer.epochs)}/${base.trainer.epochs}) - ${p.running} SAEs training, ${p.failed} failed - ${Math.round(p.tokensPerSec)} tok/s`);
      },
      onRunEnd: (name, r) => update(name, (m) => memberResult(m, r)),
    }).train();
    state.elapsedSeconds = result.elapsedSeconds;
    state.tokensPerSec = result.tokensPerSec;
    await writeSweepState(dir, state);
    await writeReports(dir, state);
    if (!o.quiet) {
      write(summaryText(state.members));
      write(`Summary: ${join(dir, 'summary.md')}; Pareto plot: ${join(dir, 'pareto.svg')}`);
    }
    return { dir, result, members: state.members };
  } finally {
    for (const m of models) m.dispose();
    await data?.close();
    backend.dispose();
  }
}

interface MemberContext {
  dir: string;
  backend: Backend;
  train: DataLoader;
  evalLoader: DataLoader | undefined;
  models: SparseAutoencoder[];
  update: (name: string, f: (m: SweepMemberState) => SweepMemberState) => Promise<void>;
  base: SweepMemberState;
  warn: (message: string) => void;
}

/** One SAE's trainer: its model, optimiser and loggers (metrics.jsonl; W&B grouped by the sweep folder). */
async function memberTrainer(m: SweepMember, ctx: MemberContext): Promise<SAETrainer> {
  const c = m.config;
  const model = SparseAutoencoder.create({ backend: ctx.backend, config: c.model, seed: c.trainer.random_seed });
  ctx.models.push(model);
  const loggers: TrainerLogger[] = [new MetricsFileLogger()];
  if (c.trainer.log_to_wandb) {
    const { createWandbLogger } = await import('@deeplens/loggers/wandb');
    loggers.push(await createWandbLogger({ modelName: m.name, group: ctx.dir }));
  }
  return new SAETrainer({
    ...trainerOptionsFromRunConfig(c),
    model, trainDataloader: ctx.train, optim: optimizerFromRunConfig(model, c),
    ...(ctx.evalLoader ? { evalDataloader: ctx.evalLoader } : {}),
    outputDir: ctx.dir, modelName: m.name, device: ctx.backend.name,
    loggers: [new FanOutLogger(loggers)], handleSignals: false, warn: (msg) => ctx.warn(`${m.name}: ${msg}`),
    hooks: [{ onTrainStart: (s) => ctx.update(m.name, (x) => ({ ...x, status: 'running', ...(s.runDir ? { runDir: s.runDir } : {}) })) }],
  });
}

async function writeReports(dir: string, state: SweepState): Promise<void> {
  await writeFileAtomic(join(dir, 'summary.md'), summaryMarkdown(state.members));
  await writeFileAtomic(join(dir, 'summary.json'), `${JSON.stringify(state.members, null, 2)}\n`);
  await writeFileAtomic(join(dir, 'pareto.svg'), await paretoSvg(state.members, 'FVU against L0, one point per SAE'));
}

function emptyResult(): SweepResult {
  return { status: 'completed', results: [], batches: 0, elapsedSeconds: 0, tokensPerSec: 0 };
}
