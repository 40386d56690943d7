import { BackendRegistry, cpuBackendPlugin, type Backend } from '@deeplens/core';

/** What the page offers: the name the test contract uses, and how it is created. */
export interface PlaygroundBackend {
  readonly name: string;
  readonly label: string;
  create(): Promise<Backend>;
}

/**
 * The browser backends. Their packages load only when picked, so the page starts fast and a backend
 * that cannot run here (no WebGL) fails with its own typed error when chosen, not on load.
 */
export const PLAYGROUND_BACKENDS: readonly PlaygroundBackend[] = [
  { name: 'gpujs', label: 'gpu.js (WebGL2 kernels)', create: () => viaRegistry('gpujs', {}) },
  { name: 'tfjs', label: 'TensorFlow.js (WebGL engine)', create: () => viaRegistry('tfjs', { engine: 'webgl' }) },
  { name: 'tfjs-webgpu', label: 'TensorFlow.js (WebGPU engine)', create: () => viaRegistry('tfjs', { engine: 'webgpu' }) },
  {
    name: 'tfjs-wasm', label: 'TensorFlow.js (WebAssembly engine, CPU)',
    create: async () => (await import('@deeplens/backend-tfjs')).tfjsBackendPlugin.create({ engine: 'wasm', wasmPaths: (await import('./tfjs-wasm-paths.js')).TFJS_WASM_PATHS }),
  },
  { name: 'cpu', label: 'cpu (reference, JavaScript)', create: () => viaRegistry('cpu', {}) },
];

async function viaRegistry(name: string, common: { engine?: string }): Promise<Backend> {
  const registry = new BackendRegistry([cpuBackendPlugin]);
  if (name === 'gpujs') registry.register((await import('@deeplens/backend-gpujs')).gpujsBackendPlugin);
  if (name === 'tfjs') registry.register((await import('@deeplens/backend-tfjs')).tfjsBackendPlugin);
  return registry.create(name, common);
}

export function findBackend(name: string): PlaygroundBackend | undefined {
  return PLAYGROUND_BACKENDS.find((b) => b.name === name);
}
