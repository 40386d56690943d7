/**
 * @deeplens/backend-tfjs: the DeepLens backend contract on TensorFlow.js. One engine per process
 * (tfjs's engine is global). The accelerators are optional peers installed only by users who want
 * them: @tensorflow/tfjs-node-gpu (CUDA), @tensorflow/tfjs-node (libtensorflow on CPU), webgpu (Dawn).
 *
 * @module @deeplens/backend-tfjs
 */
export { tfjsBackendPlugin, describeEngineChoice } from './tfjs-plugin.js';
export type { TfjsBackendOptions } from './tfjs-plugin.js';
export { TfjsBackend } from './tfjs-backend.js';
export type { TfjsBackendInit } from './tfjs-backend.js';
export { engineInstalled, loadEngine } from './engine-loader.js';
export type { EngineChoice, LoadEngineOptions } from './engine-loader.js';
export { ENGINE_ORDER, engineCapabilities, engineTraits, isTfjsEngine } from './tfjs-engine.js';
export type { EngineTraits, GatherStrategy, NanRanking, TfjsEngine } from './tfjs-engine.js';
export { TfjsEngineConflictError, TfjsEngineUnavailableError } from './tfjs-errors.js';
export { defaultModuleHost } from './module-host.js';
export type { ModuleHost } from './module-host.js';
export { CUDA_REQUIREMENT, TENSORFLOW_PACKAGES, TFJS_VERSION, classifyLoadError, tensorflowState } from './tensorflow-probe.js';
export type { TensorflowLoad, TensorflowPackage, TensorflowState } from './tensorflow-probe.js';
