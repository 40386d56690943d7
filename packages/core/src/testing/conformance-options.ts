import type { BackendOpName } from '../backend/backend.js';
import type { GoldenFixtures } from './golden-fixtures.js';

/** Ops a backend may declare unsupported: every op of the contract but data transfer and lifecycle. */
export type DeclarableOp = Exclude<BackendOpName, 'fromArray' | 'zeros' | 'read' | 'readSync' | 'memory' | 'dispose' | 'sync'>;

export interface ConformanceOptions<CreateOptions = Record<string, unknown>> {
  /**
   * Ops this backend does not implement, each with the reason. They are not skipped: the suite
   * checks that calling them throws UnsupportedOpError naming the op.
   */
  unsupported?: ReadonlyArray<{ op: DeclarableOp; reason: string }>;
  /** Passed to plugin.create(). */
  createOptions?: CreateOptions;
  /** Seed of the random test inputs (default 1234). */
  seed?: number;
  /**
   * Where the PyTorch golden fixtures come from (default: @deeplens/core's own folder, read with
   * node:fs). In a browser: `fetchGoldenFixtures(url of the served fixtures/golden/ folder)`.
   */
  goldenFixtures?: GoldenFixtures;
}

export function declaredUnsupported(options: ConformanceOptions<unknown>): Map<string, string> {
  return new Map((options.unsupported ?? []).map((u) => [u.op, u.reason]));
}
