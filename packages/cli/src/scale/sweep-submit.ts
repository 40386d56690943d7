import { isAbsolute, resolve } from 'node:path';
import { resolveSaeConfig, saeArchitecture } from '@deeplens/core';
import { SweepQueue, type SweepJobData } from '@deeplens/queue';
import { isSweepConfig, resolveSweepConfig, runTimestamp } from '@deeplens/trainer';
import { readConfigFile, resolveTrainConfig, type TrainConfig } from '../config/resolve-train-config.js';
import { UsageError } from '../errors.js';
import { openRunStore } from '../remote/run-store.js';
import type { SweepState } from '../sweep/sweep-state.js';

export interface SubmitOptions {
  url: string;
  queueName?: string;
  configPath: string;
  activations: string[] | undefined;
  evalActivations?: string;
  output: string;
  checkpointEverySteps?: number;
  sweepId?: string;
  attempts?: number;
}

/** Paths every worker must read: s3:// as is, local paths made absolute (they must be on a shared file system). */
const shared = (p: string) => (p.startsWith('s3://') || isAbsolute(p) ? p : resolve(p));

/** Enqueue one job per SAE of a sweep config and record the sweep (sweep.json) in the shared storage. */
export async function submitSweep(o: SubmitOptions): Promise<{ sweepId: string; jobs: SweepJobData<TrainConfig>[]; folder: string }> {
  const raw = readConfigFile(o.configPath);
  const fromConfig = (raw['data'] as Record<string, unknown> | undefined)?.['activations'];
  const activations = o.activations ?? (typeof fromConfig === 'string' ? [fromConfig] : (fromConfig as string[] | undefined));
  if (!activations?.length) throw new UsageError('sweep submit needs --activations (or data.activations in the config)', 'workers read them: give s3://bucket/prefix/ or a path on a shared file system');
  const sweep = isSweepConfig(raw)
    ? resolveSweepConfig(raw, o.configPath)
    : { grid: [], members: [{ name: '0', overrides: {}, config: resolveTrainConfig(raw, o.configPath) }] };
  const { members } = sweep;
  for (const m of members) {
    if (o.checkpointEverySteps) m.config.trainer.checkpoint_every_steps = o.checkpointEverySteps;
    m.config.trainer.save_checkpoints = true;
  }
  const base = members[0]!.config.trainer.model_name;
  const sweepId = o.sweepId ?? `${base}-${runTimestamp()}`;
  if (!/^[A-Za-z0-9._-]+$/.test(sweepId)) throw new UsageError(`--sweep-id '${sweepId}' may hold only letters, digits, '.', '_' and '-'`);
  const output = shared(o.output);
  const jobs: SweepJobData<TrainConfig>[] = members.map((m) => ({
    sweepId, name: m.name, overrides: m.overrides, config: m.config,
    activations: activations.map(shared), evalActivations: o.evalActivations ? shared(o.evalActivations) : null, output,
  }));
  const store = await openRunStore(output);
  const state: SweepState = {
    version: 1, grid: sweep.grid,
    members: members.map((m) => ({ name: m.name, overrides: m.overrides, status: 'pending', architecture: saeArchitecture(resolveSaeConfig(m.config.model)) })),
    activations: jobs[0]!.activations, evalActivations: jobs[0]!.evalActivations,
  };
  await store.putText(`${sweepId}/sweep.json`, `${JSON.stringify(state, null, 2)}\n`);
  const queue = await SweepQueue.open({ url: o.url, ...(o.queueName ? { queueName: o.queueName } : {}) });
  try {
    await queue.submit(jobs, o.attempts ? { attempts: o.attempts } : {});
  } finally {
    await queue.close();
  }
  return { sweepId, jobs, folder: store.location(sweepId) };
}
