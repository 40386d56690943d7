import type { Backend } from './backend.js';

export interface Availability {
  available: boolean;
  /** Why not, and how to fix it, when unavailable. */
  reason?: string;
  /** When available: how it would run here (e.g. which kernels, how many threads), for listings. */
  detail?: string;
  /**
   * false when the backend's package is simply not installed. 'auto' passes over such a backend
   * silently; one that is installed but cannot run here is passed over with a warning.
   */
  installed?: boolean;
}

/**
 * A backend as a plain value (the tfjs-core registry idea without the global object): heavy
 * dependencies load lazily in `create`, so listing backends costs nothing.
 */
export interface BackendPlugin<Options = Record<string, unknown>> {
  readonly name: string;
  /** Higher wins for device "auto". */
  readonly priority: number;
  readonly description?: string;
  isAvailable(): Promise<Availability> | Availability;
  create(options?: Options): Promise<Backend> | Backend;
}
