export { kernelModule, WasmBackend } from './wasm-backend.js';
export type { WasmBackendOptions } from './wasm-backend.js';
export { wasmBackendPlugin } from './wasm-plugin.js';
export { WasmArrayMemory } from './wasm-array-memory.js';
