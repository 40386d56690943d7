import { UsageError } from '../errors.js';

/** The Redis URL of --queue (or DEEPLENS_QUEUE), which every queue command needs. */
export function queueUrl(v: Record<string, unknown>): string {
  const url = typeof v['queue'] === 'string' ? v['queue'] : process.env['DEEPLENS_QUEUE'];
  if (!url) throw new UsageError('this command needs --queue redis://host:6379 (or DEEPLENS_QUEUE)', 'the Redis server that holds the sweep jobs; any managed Redis works');
  return url;
}

/** A positive number flag (seconds, counts), or its default. */
export function positiveNumberFlag(v: Record<string, unknown>, name: string, fallback: number): number {
  const raw = v[name];
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`--${name} must be a positive number, got '${String(raw)}'`);
  return n;
}
