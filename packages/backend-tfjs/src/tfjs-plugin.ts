import { InvalidArgumentError, type Availability, type BackendPlugin } from '@deeplens/core';
import { loadEngine, type EngineChoice, type LoadEngineOptions } from './engine-loader.js';
import { ENGINE_ORDER, engineCapabilities, isTfjsEngine, type TfjsEngine } from './tfjs-engine.js';
import { TfjsBackend } from './tfjs-backend.js';

export interface TfjsBackendOptions extends LoadEngineOptions {
  /** Which tfjs engine (default 'auto': the best that runs here — see ENGINE_ORDER). */
  engine?: TfjsEngine | 'auto';
}

/** One line for listings and logs: the engine, how it runs, and what `auto` passed over. */
export function describeEngineChoice(choice: EngineChoice): string {
  const skipped = choice.skipped.map((s) => `${s.engine}: ${s.reason}`).join('; ');
  return `${choice.engine} engine — ${choice.detail}${skipped ? ` (skipped ${skipped})` : ''}`;
}

function engineOption(value: unknown): TfjsEngine | 'auto' {
  if (value === undefined || value === 'auto') return 'auto';
  if (isTfjsEngine(value)) return value;
  throw new InvalidArgumentError(`unknown tfjs engine '${String(value)}'`, { hint: `use one of auto, ${ENGINE_ORDER.join(', ')}` });
}

/**
 * TensorFlow.js: CUDA through the optional @tensorflow/tfjs-node-gpu, WebGPU (browsers, or Node with
 * the optional `webgpu` package), WebGL (browsers), and tfjs's wasm and cpu engines everywhere.
 * With device 'auto' it is taken only when it has a GPU engine here; by name it runs on any engine.
 */
export const tfjsBackendPlugin: BackendPlugin<TfjsBackendOptions> = {
  name: 'tfjs',
  priority: 30,
  description: 'TensorFlow.js (CUDA via tfjs-node-gpu, WebGPU, WebGL, wasm, cpu)',
  async isAvailable(): Promise<Availability> {
    let choice: EngineChoice;
    try {
      choice = await loadEngine('auto');
    } catch (error) {
      return { available: false, reason: (error as Error).message };
    }
    // Only a GPU engine makes tfjs worth taking over DeepLens's own wasm backend when the device is 'auto'.
    const { gpu } = choice;
    return {
      available: true,
      detail: describeEngineChoice(choice) + (gpu ? '' : "; device 'auto' prefers DeepLens's wasm backend over tfjs without a GPU engine"),
      capabilities: engineCapabilities(choice.traits),
      // Without a GPU engine: below DeepLens's wasm backend (priority 10), above the reference cpu (0).
      ...(gpu ? {} : { autoPriority: 5 }),
    };
  },
  optionsFrom: (common) => (common.engine === undefined ? {} : { engine: engineOption(common.engine) }),
  async create(options = {}) {
    const choice = await loadEngine(engineOption(options.engine), options);
    return new TfjsBackend({ engine: choice.engine, traits: choice.traits, detail: describeEngineChoice(choice) });
  },
};
