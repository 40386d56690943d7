import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '@deeplens/core/node';
import { ResumeError, type EvalMetrics, type SweepConfig, type TrainResult } from '@deeplens/trainer';

export const SWEEP_STATE_FILE = 'sweep.json';
export const SWEEP_STATE_VERSION = 1;

/** One SAE of the sweep as sweep.json records it. */
export interface SweepMemberState {
  name: string;
  overrides: Record<string, unknown>;
  status: 'pending' | 'running' | TrainResult['status'];
  reason?: string;
  runDir?: string;
  globalStep?: number;
  bestModelPath?: string;
  eval?: Pick<EvalMetrics, 'fvu' | 'explainedVariance' | 'l0' | 'deadFraction' | 'loss'>;
  architecture: string;
}

/** sweep.json: what the sweep is and where each SAE stands; rewritten (atomically) at each change. */
export interface SweepState {
  version: number;
  grid: SweepConfig['grid'];
  members: SweepMemberState[];
  activations: string[];
  evalActivations: string | null;
  elapsedSeconds?: number;
  tokensPerSec?: number;
}

export async function writeSweepState(dir: string, state: SweepState): Promise<void> {
  await writeFileAtomic(join(dir, SWEEP_STATE_FILE), `${JSON.stringify(state, null, 2)}\n`);
}

export function isSweepFolder(dir: string): boolean {
  return existsSync(join(dir, SWEEP_STATE_FILE));
}

/** The saved state of a sweep folder, checked against the sweep the config describes now. */
export function readSweepState(dir: string, sweep: SweepConfig): SweepState {
  const path = join(dir, SWEEP_STATE_FILE);
  if (!existsSync(path)) throw new ResumeError(`${dir} is not a sweep folder (it has no ${SWEEP_STATE_FILE})`, { hint: 'pass the folder the sweep printed at its start (saved_models/<model_name>-sweep/run_<timestamp>)' });
  const state = JSON.parse(readFileSync(path, 'utf8')) as SweepState;
  const now = sweep.members.map((m) => m.name).join(', ');
  const then = state.members.map((m) => m.name).join(', ');
  if (now !== then || JSON.stringify(state.grid) !== JSON.stringify(sweep.grid)) {
    throw new ResumeError(`${dir} holds another sweep: its SAEs are ${then}; this config's are ${now}`, { hint: 'resume with the config the sweep was started with' });
  }
  return state;
}

/** What a finished SAE leaves in sweep.json. */
export function memberResult(m: SweepMemberState, r: TrainResult): SweepMemberState {
  const e = r.lastEval;
  return {
    ...m,
    status: r.status,
    ...(r.reason ? { reason: r.reason } : {}),
    ...(r.runDir ? { runDir: r.runDir } : {}),
    globalStep: r.globalStep,
    ...(r.bestModelPath ? { bestModelPath: r.bestModelPath } : {}),
    ...(e ? { eval: { fvu: e.fvu, explainedVariance: e.explainedVariance, l0: e.l0, deadFraction: e.deadFraction, loss: e.loss } } : {}),
  };
}
