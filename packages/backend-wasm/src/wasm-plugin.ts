import type { BackendPlugin } from '@deeplens/core';
import { kernelModule } from './kernel-module.js';
import { WasmBackend, wasmSettings, type WasmBackendOptions } from './wasm-backend.js';

/** WebAssembly SIMD on worker threads: the `auto` choice when no GPU backend is available. */
export const wasmBackendPlugin: BackendPlugin<WasmBackendOptions> = {
  name: 'wasm',
  priority: 10,
  description: 'WebAssembly SIMD kernels on worker threads sharing one memory',
  isAvailable() {
    if (typeof SharedArrayBuffer === 'undefined') return { available: false, reason: 'SharedArrayBuffer is not available in this runtime' };
    try {
      kernelModule();
      const { threads, kernelFlavor } = wasmSettings({});
      return {
        available: true,
        detail: `${kernelFlavor === 'relaxed-simd' ? 'relaxed-SIMD (FMA)' : 'plain SIMD (no FMA in this runtime)'} kernels, ${threads} thread${threads > 1 ? 's' : ''} by default`,
      };
    } catch (error) {
      return { available: false, reason: `the SIMD kernels cannot be loaded (${(error as Error).message}); WebAssembly SIMD needs Node ≥ 16.4` };
    }
  },
  optionsFrom: (common) => (common.threads === undefined ? {} : { threads: common.threads }),
  async create(options) {
    const backend = new WasmBackend(options);
    await backend.ready();
    return backend;
  },
};
