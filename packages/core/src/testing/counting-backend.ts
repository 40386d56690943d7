import type { Backend } from '../backend/backend.js';

/** Calls per op name, and the host reads (`read` + `readSync`) among them. */
export interface OpCounts {
  readonly calls: Map<string, number>;
  /** `read` and `readSync` calls: host round trips, which drain a GPU's queue. */
  reads: number;
  reset(): void;
}

/**
 * Wraps a backend and counts every op called on it, host reads separately. Tensors pass through
 * unchanged, so the wrapper is a complete backend (it passes the conformance suite) that shows
 * what a training loop asks of a backend — e.g. that a step issues no read:
 *
 *   const { backend, counts } = countingBackend(new CpuBackend());
 *   … train …
 *   expect(counts.reads).toBe(0);
 */
export function countingBackend<B extends Backend>(inner: B): { backend: B; counts: OpCounts } {
  const counts: OpCounts = {
    calls: new Map(),
    reads: 0,
    reset() {
      this.calls.clear();
      this.reads = 0;
    },
  };
  const backend = new Proxy(inner, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== 'function' || typeof prop !== 'string') return value;
      return (...args: unknown[]) => {
        counts.calls.set(prop, (counts.calls.get(prop) ?? 0) + 1);
        if (prop === 'read' || prop === 'readSync') counts.reads++;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { backend, counts };
}
