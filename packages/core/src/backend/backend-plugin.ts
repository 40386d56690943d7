import type { Backend, BackendCapabilities } from './backend.js';

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
  /**
   * What the backend would declare here, when the probe knows before `create` (a WebGL device may
   * only offer float16). `auto` prefers exact backends: one with `floatBits: 16` or
   * `ieeeNonFinite: false` is taken only when no exact one is available, with a warning.
   */
  capabilities?: Partial<BackendCapabilities>;
  /**
   * Where device 'auto' ranks it here, when lower than the plugin's `priority` (tfjs with only its
   * CPU engines ranks below DeepLens's own wasm backend, which outruns it, but above the reference
   * cpu backend). By name it runs all the same.
   */
  autoPriority?: number;
}

/**
 * Backend options the CLI and config files know by name (`--threads`, `trainer.threads`). Each
 * plugin maps the ones that mean something to it onto its own typed options (`optionsFrom`).
 */
export interface CommonBackendOptions {
  /** Worker threads, for a backend that runs on CPU threads. */
  threads?: number;
  /** Which engine a backend with several runs on (tfjs: auto, tensorflow, webgpu, webgl, wasm, cpu). */
  engine?: string;
}

/**
 * A backend as a plain value (the tfjs-core registry idea without the global object): heavy
 * dependencies load lazily, so listing backends costs nothing. Three steps, cheapest first:
 *
 *   isInstalled()  resolve the packages only — no native code is loaded (default: installed)
 *   isAvailable()  the probe: load the binding, look for a GPU; may take seconds (a listing says
 *                  when it runs), done only for installed plugins, and by `auto` only until one fits
 *   create(opts)   the backend, with this plugin's own typed options
 */
export interface BackendPlugin<Options = Record<string, never>> {
  readonly name: string;
  /** Higher wins for device "auto". */
  readonly priority: number;
  readonly description?: string;
  isInstalled?(): Promise<boolean> | boolean;
  isAvailable(): Promise<Availability> | Availability;
  /** This plugin's options from the common ones (absent: it takes none of them). */
  optionsFrom?(common: CommonBackendOptions): Options;
  create(options?: Options): Promise<Backend> | Backend;
}
