import type { Backend, BackendCapabilities, OptionalOps } from '../backend/backend.js';
import type { FusedSparseOps } from '../backend/backend.js';

/** Every optional op of the contract: the ones core composes when a backend lacks them. */
export const OPTIONAL_OPS = [
  'addRowVector', 'activation', 'activationGrad', 'activationGradInPlace', 'adamUpdate', 'normalizeRowsInPlace', 'scaleInPlace',
  'addInPlace', 'matmulAccumulate', 'sparseMatmul', 'sampledMatmul', 'sparseTransposeMatmul', 'sparseColumnSum', 'encodeTopK',
] as const satisfies ReadonlyArray<keyof OptionalOps | keyof FusedSparseOps>;

/**
 * The backend as a minimal implementation would look: no optional op, no `readSync`, no native
 * activation. Everything still works through core's compositions of the required ops, which is
 * what the suite checks by running the model's golden cases through this view as well: a new
 * backend may start with the required ops only, and each fused op it adds must agree with them.
 */
export function coreFallbackView(backend: Backend): Backend {
  const hidden = new Set<string>([...OPTIONAL_OPS, 'readSync']);
  const capabilities: BackendCapabilities = { ...backend.capabilities, syncRead: false, activations: [], sparseYOffset: false, encodeXOffset: false };
  return new Proxy(backend, {
    get(target, prop, receiver) {
      if (prop === 'capabilities') return capabilities;
      if (typeof prop === 'string' && hidden.has(prop)) return undefined;
      const value = Reflect.get(target, prop, receiver) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
    has(target, prop) {
      return typeof prop === 'string' && hidden.has(prop) ? false : Reflect.has(target, prop);
    },
  });
}
