import { wasmBackendPlugin } from '@deeplens/backend-wasm';
import { BackendRegistry, cpuBackendPlugin, type BackendPlugin } from '@deeplens/core';

/** Optional backend plugins, loaded by package name; those not installed are listed with how to get them. */
export const KNOWN_BACKENDS: ReadonlyArray<{ name: string; priority: number; pkg: string; exportName: string; install: string }> = [
  { name: 'tfjs', priority: 30, pkg: '@deeplens/backend-tfjs', exportName: 'tfjsBackendPlugin', install: 'npm i @deeplens/backend-tfjs (CUDA: also @tensorflow/tfjs-node-gpu with CUDA 11.2 and cuDNN 8.1)' },
  { name: 'gpujs', priority: 20, pkg: '@deeplens/backend-gpujs', exportName: 'gpujsBackendPlugin', install: 'npm i @deeplens/backend-gpujs (WebGL through headless-gl)' },
];

/** A plugin whose package could not be loaded: listed, never picked, and says how to install it. */
function missingPlugin(b: (typeof KNOWN_BACKENDS)[number], why: string): BackendPlugin {
  return {
    name: b.name,
    priority: b.priority,
    description: `${b.pkg} (not installed)`,
    isAvailable: () => ({ available: false, reason: `${why}; to use it: ${b.install}` }),
    create: () => {
      throw new Error(`${b.pkg} is not installed`);
    },
  };
}

/** The CLI is the composition root: it alone decides which concrete backends exist. */
export async function createRegistry(): Promise<BackendRegistry> {
  const registry = new BackendRegistry().register(cpuBackendPlugin).register(wasmBackendPlugin as BackendPlugin);
  for (const b of KNOWN_BACKENDS) {
    try {
      const mod = (await import(/* @vite-ignore */ b.pkg)) as Record<string, BackendPlugin>;
      const plugin = mod[b.exportName];
      registry.register(plugin ?? missingPlugin(b, `${b.pkg} does not export ${b.exportName}`));
    } catch {
      registry.register(missingPlugin(b, `package ${b.pkg} is not installed`));
    }
  }
  return registry;
}
