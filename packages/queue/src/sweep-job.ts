/** One SAE of a sweep as a queued job: what a worker needs to train it, and what it leaves. */
export interface SweepJobData<Config = unknown> {
  /** The sweep this SAE belongs to (`<model_name>-<timestamp>`). */
  sweepId: string;
  /** The SAE's name in the sweep (`03-k64-batchtopk`); its run folder is `<output>/<sweepId>/<name>`. */
  name: string;
  /** The values this SAE varies, for tables. */
  overrides: Record<string, unknown>;
  /** The SAE's whole resolved config. */
  config: Config;
  /** Activation specs (paths on a shared file system, or s3:// prefixes) every worker can read. */
  activations: string[];
  evalActivations: string | null;
  /** Shared storage for run folders: an s3:// prefix or a shared directory. */
  output: string;
}

/** A finished SAE's summary (the job's return value). */
export interface SweepJobResult {
  status: 'completed' | 'stopped' | 'interrupted' | 'failed';
  globalStep: number;
  runDir: string;
  resumedFromStep: number | null;
  eval?: { fvu: number; explainedVariance: number; l0: number; deadFraction: number; loss: number };
}

export type SweepJobState = 'waiting' | 'active' | 'completed' | 'failed' | 'delayed' | 'prioritized' | 'waiting-children' | 'unknown';

/** Where one job stands, for `sweep status`. */
export interface SweepJobStatus<Config = unknown> {
  id: string;
  name: string;
  state: SweepJobState;
  attemptsMade: number;
  /** What the worker reported last: { step, totalSteps }. */
  progress: { step: number; totalSteps: number } | null;
  data: SweepJobData<Config>;
  result: SweepJobResult | null;
  failedReason: string | null;
}

/** Job ids are `<sweepId>--<name>` (BullMQ ids may not contain ':'); submitting the same sweep twice adds nothing. */
export function sweepJobId(sweepId: string, name: string): string {
  return `${sweepId}--${name}`;
}
