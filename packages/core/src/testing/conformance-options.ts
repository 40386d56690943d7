export interface ConformanceOptions {
  /**
   * Ops this backend does not implement, each with the reason. They are not skipped: the suite
   * checks that calling them throws UnsupportedOpError naming the op.
   */
  unsupported?: ReadonlyArray<{ op: string; reason: string }>;
  /** Passed to plugin.create(). */
  createOptions?: Record<string, unknown>;
  /** Seed of the random test inputs (default 1234). */
  seed?: number;
}

export function declaredUnsupported(options: ConformanceOptions): Map<string, string> {
  return new Map((options.unsupported ?? []).map((u) => [u.op, u.reason]));
}
