import type { SweepJobStatus } from '@deeplens/queue';
import type { TrainConfig } from '../config/resolve-train-config.js';
import type { SweepMemberState } from '../sweep/sweep-state.js';
import { alignColumns } from '../sweep/summary-table.js';

/** A queued job as the sweep tables see an SAE. */
export function jobMember(j: SweepJobStatus<TrainConfig>, architecture: string): SweepMemberState {
  const r = j.result;
  const status: SweepMemberState['status'] = j.state === 'completed' ? (r?.status ?? 'completed') : j.state === 'failed' ? 'failed' : j.state === 'active' ? 'running' : 'pending';
  return {
    name: j.name, overrides: j.data.overrides, status, architecture,
    ...(j.failedReason && j.state === 'failed' ? { reason: j.failedReason } : {}),
    ...(r ? { runDir: r.runDir, globalStep: r.globalStep } : j.progress ? { globalStep: j.progress.step } : {}),
    ...(r?.eval ? { eval: r.eval } : {}),
  };
}

const COLUMNS = ['SAE', 'state', 'tries', 'step', 'FVU', 'L0', 'dead', 'resumed'] as const;

/** `sweep status`: one line per job, where it stands in the queue. */
export function statusTable(jobs: readonly SweepJobStatus<TrainConfig>[]): string {
  const rows: string[][] = [[...COLUMNS]];
  for (const j of jobs) {
    const e = j.result?.eval;
    const step = j.result ? String(j.result.globalStep) : j.progress ? `${j.progress.step}/${j.progress.totalSteps}` : '—';
    rows.push([
      j.name, j.state, String(j.attemptsMade + (j.state === 'active' ? 1 : 0)), step,
      e ? e.fvu.toFixed(4) : '—', e ? e.l0.toFixed(1) : '—', e ? `${(e.deadFraction * 100).toFixed(1)}%` : '—',
      j.result?.resumedFromStep != null ? `from ${j.result.resumedFromStep}` : '',
    ]);
  }
  const lines = [alignColumns(rows, 2)];
  const count = (s: string) => jobs.filter((j) => j.state === s).length;
  lines.push('', `${jobs.length} SAEs: ${count('completed')} done, ${count('active')} running, ${count('waiting') + count('delayed') + count('prioritized')} queued, ${count('failed')} failed`);
  for (const j of jobs.filter((x) => x.state === 'failed')) lines.push(`- ${j.name}: ${(j.failedReason ?? '').split('\n')[0]}`);
  return lines.join('\n');
}
