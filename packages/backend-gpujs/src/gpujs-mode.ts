import type { BackendCapabilities } from '@deeplens/core';

/**
 * The gpu.js kernel families DeepLens can run on. GL modes keep tensors in float textures on the
 * GPU (`webgl2`/`webgl` in browsers, `headlessgl` in Node when the optional `gl` package is
 * installed); host modes keep them in Float32Arrays (`webasm`: kernels compiled to WebAssembly SIMD;
 * `cpu`: kernels as plain JavaScript).
 */
export type GpujsMode = 'headlessgl' | 'webgl2' | 'webgl' | 'webasm' | 'cpu';

/** The order `auto` tries them in: GPU first, then the fastest CPU mode. */
export const MODE_ORDER: readonly GpujsMode[] = ['headlessgl', 'webgl2', 'webgl', 'webasm', 'cpu'];

/** Largest tensor whose every element float32 index arithmetic addresses exactly. */
export const FLOAT_EXACT_ELEMENTS = 2 ** 24;

export interface ModeTraits {
  mode: GpujsMode;
  /** Tensors live in GPU textures (a GL mode), not host arrays. */
  textures: boolean;
  /** Runs on a GPU (a GL context; possibly a software renderer such as SwiftShader). */
  gpu: boolean;
  /** NaN and ±Inf behave as IEEE 754 says in every kernel (GLSL leaves them undefined). */
  ieeeNonFinite: boolean;
  /**
   * The most elements one tensor may have: a GL texture holds MAX_TEXTURE_SIZE² floats; the webasm
   * mode does index arithmetic in float32, exact only below 2^24.
   */
  maxElements: number;
}

export function isGpujsMode(value: unknown): value is GpujsMode {
  return typeof value === 'string' && (MODE_ORDER as readonly string[]).includes(value);
}

export function isTextureMode(mode: GpujsMode): boolean {
  return mode === 'headlessgl' || mode === 'webgl2' || mode === 'webgl';
}

/** What a backend on this mode declares. Every mode computes in float32 ('single' precision). */
export function modeCapabilities(traits: ModeTraits): BackendCapabilities {
  return {
    bf16: false,
    syncRead: true,
    floatBits: 32,
    ieeeNonFinite: traits.ieeeNonFinite,
    inPlace: 'rebind',
    activations: ['relu', 'silu'],
  };
}
