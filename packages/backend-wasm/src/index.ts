/**
 * @deeplens/backend-wasm: the default backend — WebAssembly SIMD kernels on worker threads.
 *
 * @module @deeplens/backend-wasm
 */
export { kernelModule, relaxedSimdSupported } from './kernel-module.js';
export type { KernelFlavor } from './kernel-module.js';
export { WasmBackend } from './wasm-backend.js';
export type { ScreenPolicy, ScreenStats, WasmBackendOptions } from './wasm-backend.js';
export { wasmBackendPlugin } from './wasm-plugin.js';
export { WasmArrayMemory } from './wasm-array-memory.js';
