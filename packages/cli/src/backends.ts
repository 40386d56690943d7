import { wasmBackendPlugin } from '@deeplens/backend-wasm';
import { BackendRegistry, cpuBackendPlugin, type Backend, type BackendPlugin } from '@deeplens/core';
import { UsageError } from './errors.js';
import { availableParallelism } from 'node:os';

/**
 * Optional backend plugins, loaded by package name when installed. Neither package is on the npm
 * registry yet, so a missing one says to install its tarball, with no `npm i <name>` that would fail.
 */
export const KNOWN_BACKENDS: ReadonlyArray<{ name: string; priority: number; pkg: string; exportName: string; install: string }> = [
  { name: 'tfjs', priority: 30, pkg: '@deeplens/backend-tfjs', exportName: 'tfjsBackendPlugin', install: 'install @deeplens/backend-tfjs beside @deeplens/cli (npm i <its tarball>; see the backends page of the docs) for TensorFlow.js on CUDA, WebGPU, wasm or cpu' },
  { name: 'gpujs', priority: 20, pkg: '@deeplens/backend-gpujs', exportName: 'gpujsBackendPlugin', install: 'install @deeplens/backend-gpujs beside @deeplens/cli (npm i <its tarball>; see the backends page of the docs) for gpu.js: WebGL through headless-gl (the optional gl package), else its WebAssembly or JavaScript kernels' },
];

/** A plugin whose package could not be loaded: listed, never picked, and says how to install it. */
function missingPlugin(b: (typeof KNOWN_BACKENDS)[number], why: string): BackendPlugin {
  return {
    name: b.name,
    priority: b.priority,
    description: `${b.pkg} (not installed)`,
    isAvailable: () => ({ available: false, installed: false, reason: `${why}: ${b.install}` }),
    create: () => {
      throw new Error(`${b.pkg} is not installed`);
    },
  };
}

/** The CLI is the composition root: it alone decides which concrete backends exist. */
export async function createRegistry(): Promise<BackendRegistry> {
  const registry = new BackendRegistry().register(cpuBackendPlugin).register(wasmBackendPlugin);
  for (const b of KNOWN_BACKENDS) {
    try {
      const mod = (await import(/* @vite-ignore */ b.pkg)) as Record<string, BackendPlugin<unknown>>;
      const plugin = mod[b.exportName];
      registry.register(plugin ?? missingPlugin(b, `${b.pkg} does not export ${b.exportName}`));
    } catch {
      registry.register(missingPlugin(b, `${b.pkg} is not installed`));
    }
  }
  return registry;
}

export interface BackendChoice {
  /** Worker threads for a backend that runs on CPU threads (wasm); null: its default (one per core). */
  threads: number | null;
  /** tfjs's engine (null: auto). Naming one with device 'auto' means the tfjs backend. */
  tfjsEngine?: string | null;
}

/**
 * The backend `device` names ('auto': the best available). Warnings (a backend passed over, too
 * many threads) go to `warn`; how the backend runs here (tfjs's engine, and why better ones were
 * skipped) to `note`.
 */
export async function createBackend(device: string, choice: BackendChoice, warn: (message: string) => void = () => {}, note: (message: string) => void = () => {}): Promise<Backend> {
  let { threads } = choice;
  const cores = availableParallelism();
  if (threads !== null && threads > cores) {
    warn(`--threads ${threads} is more than the ${cores} cores here; using ${cores} (more threads than cores only compete for them)`);
    threads = cores;
  }
  const engine = choice.tfjsEngine ?? undefined;
  if (engine !== undefined && device !== 'auto' && device !== 'tfjs') warn(`tfjs_engine '${engine}' applies only to the tfjs backend, not '${device}'; ignoring it`);
  const backend = await (await createRegistry()).create(engine !== undefined && device === 'auto' ? 'tfjs' : device, {
    ...(threads === null ? {} : { threads }),
    ...(engine === undefined ? {} : { engine }),
  }, { warn });
  if (backend.detail) note(`backend '${backend.name}': ${backend.detail}`);
  return backend;
}

/** The value of a command's --threads flag: null when absent, else a positive integer (UsageError otherwise). */
export function threadsFlag(value: unknown): number | null {
  if (value === undefined) return null;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--threads must be a positive integer, got ${String(value)}`, 'e.g. --threads 1; leave it out for one worker thread per core');
  return n;
}
