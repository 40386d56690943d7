import type { BackendCapabilities } from '@deeplens/core';

/**
 * The tfjs engines this backend can run on. `tensorflow` is libtensorflow through
 * `@tensorflow/tfjs-node-gpu` (CUDA) or `@tensorflow/tfjs-node` (CPU); the others are tfjs's own
 * backends of the same names.
 */
export type TfjsEngine = 'tensorflow' | 'webgpu' | 'webgl' | 'wasm' | 'cpu';

/** What `engine: 'auto'` tries, best first. */
export const ENGINE_ORDER: readonly TfjsEngine[] = ['tensorflow', 'webgpu', 'webgl', 'wasm', 'cpu'];

export function isTfjsEngine(value: unknown): value is TfjsEngine {
  return typeof value === 'string' && (ENGINE_ORDER as readonly string[]).includes(value);
}

/**
 * How rows are gathered on an engine (measured, see docs/backends): on tfjs's wasm engine
 * `gatherND` is ~17× faster than `gather` (and `gather` with batchDims gives wrong numbers there,
 * tensorflow/tfjs#8658); on the cpu engine `gather` is ~2.6× faster than `gatherND`.
 */
export type GatherStrategy = 'gather' | 'gatherND';

/**
 * How NaN/+∞ are ranked first for top-k: 'where' (isNaN/isInf masks, exact on every engine) or, on
 * wasm, 'minimum': minimum(FLOAT32_MAX, key) in one pass — wasm's minimum returns its first
 * argument when the second is NaN (checked by the conformance suite's NaN top-k case); its
 * scalar-broadcast `where` is ~300× slower than one elementwise pass.
 */
export type NanRanking = 'where' | 'minimum';

export interface EngineTraits {
  gather: GatherStrategy;
  nanRanking: NanRanking;
  /** tfjs's `dataSync` works (WebGPU in Node has only async reads). */
  syncRead: boolean;
  /** Float bits the engine computes in; WebGL may only have float16 textures. */
  floatBits: 16 | 32;
  /** NaN/±Inf survive arithmetic as IEEE 754 says (WebGL's float16 path does not promise it). */
  ieeeNonFinite: boolean;
  /** Data lives on the host: reading an int32 tensor to check indices costs no device round trip. */
  hostMemory: boolean;
  /**
   * The largest tensor the device can bind (WebGPU's maxStorageBufferBindingSize: 128 MiB on some
   * drivers). A bigger one would be dropped by validation, silently: the backend refuses it instead.
   */
  maxBufferBytes?: number;
  /**
   * The most all tensors together may hold: tfjs-backend-wasm's heap is addressed with signed 32-bit
   * offsets, and past 2 GiB its kernels fail with "memory access out of bounds" (seen training the
   * tutorial's 3072 → 24576 model, about 2.4 GB). Training checks its memory estimate against it.
   */
  maxMemoryBytes?: number;
}

/** Per-engine choices and declarations; `floatBits`/`ieeeNonFinite` for WebGL are refined from the device. */
export function engineTraits(engine: TfjsEngine, options: { webglFloat32?: boolean; maxBufferBytes?: number } = {}): EngineTraits {
  switch (engine) {
    case 'wasm':
      return { gather: 'gatherND', nanRanking: 'minimum', syncRead: true, floatBits: 32, ieeeNonFinite: true, hostMemory: true, maxMemoryBytes: 2 ** 31 };
    case 'cpu':
      return { gather: 'gather', nanRanking: 'where', syncRead: true, floatBits: 32, ieeeNonFinite: true, hostMemory: true };
    case 'tensorflow':
      return { gather: 'gather', nanRanking: 'where', syncRead: true, floatBits: 32, ieeeNonFinite: true, hostMemory: false };
    case 'webgpu':
      return { gather: 'gather', nanRanking: 'where', syncRead: false, floatBits: 32, ieeeNonFinite: true, hostMemory: false, ...(options.maxBufferBytes ? { maxBufferBytes: options.maxBufferBytes } : {}) };
    case 'webgl': {
      const float32 = options.webglFloat32 ?? true;
      return { gather: 'gatherND', nanRanking: 'where', syncRead: true, floatBits: float32 ? 32 : 16, ieeeNonFinite: float32, hostMemory: false };
    }
  }
}

/** The contract's capability declaration for an engine. */
export function engineCapabilities(traits: EngineTraits): BackendCapabilities {
  return {
    bf16: false,
    syncRead: traits.syncRead,
    hostMemory: traits.hostMemory,
    floatBits: traits.floatBits,
    ieeeNonFinite: traits.ieeeNonFinite,
    inPlace: 'rebind',
    activations: ['relu', 'silu'],
    sparseYOffset: true,
    encodeXOffset: true,
    ...(traits.maxMemoryBytes ? { maxMemoryBytes: traits.maxMemoryBytes } : {}),
  };
}
