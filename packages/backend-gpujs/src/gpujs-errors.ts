import { DeepLensError, formatBytes, type DeepLensErrorOptions } from '@deeplens/core';

/** A tensor larger than this gpu.js mode can address exactly (a GL texture's size, or float32 index arithmetic). */
export class GpujsTensorTooLargeError extends DeepLensError {
  readonly elements: number;
  readonly limit: number;

  constructor(op: string, elements: number, limit: number, why: string, options: DeepLensErrorOptions = {}) {
    super('DEEPLENS_GPUJS_TENSOR_TOO_LARGE', `${op}: a tensor of ${elements} elements (${formatBytes(elements * 4)}) is more than the gpujs backend addresses exactly here (${limit} elements: ${why})`, {
      hint: 'use a smaller batch_size (or micro_batch_size) or n_features, or another backend (--backend wasm, tfjs)',
      ...options,
    });
    this.elements = elements;
    this.limit = limit;
  }
}

/** The gpu.js mode asked for cannot run here; the message says what is missing and how to get it. */
export class GpujsModeUnavailableError extends DeepLensError {
  constructor(message: string, options: DeepLensErrorOptions = {}) {
    super('DEEPLENS_BACKEND_UNAVAILABLE', message, options);
  }
}
