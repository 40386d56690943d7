/**
 * @deeplens/backend-gpujs: the DeepLens backend contract as gpu.js kernels — WebGL2/WebGL in
 * browsers, headless-gl in Node when the optional `gl` package is installed, and gpu.js's
 * WebAssembly or JavaScript kernels elsewhere.
 *
 * @module @deeplens/backend-gpujs
 */
export { gpujsBackendPlugin, describeModeChoice } from './gpujs-plugin.js';
export type { GpujsBackendOptions } from './gpujs-plugin.js';
export { GpujsBackend } from './gpujs-backend.js';
export type { GpujsBackendInit } from './gpujs-backend.js';
export { GPUJS_VERSION, HEADLESS_GL_ADVICE, modeUnavailable, openGpu } from './gpu-loader.js';
export type { ModeChoice } from './gpu-loader.js';
export { FLOAT_EXACT_ELEMENTS, isGpujsMode, MODE_ORDER, modeCapabilities } from './gpujs-mode.js';
export type { GpujsMode, ModeTraits } from './gpujs-mode.js';
export { GpujsModeUnavailableError, GpujsTensorTooLargeError } from './gpujs-errors.js';
