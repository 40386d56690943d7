import { UsageError } from './errors.js';

/** A flag that must be a positive integer: its value, `fallback` when absent, a usage error otherwise. */
export function positiveIntFlag<T extends number | undefined>(value: unknown, flag: string, fallback: T): number | T {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag} must be a positive integer, got ${String(value)}`);
  return n;
}
