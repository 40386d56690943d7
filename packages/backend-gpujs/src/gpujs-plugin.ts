import { InvalidArgumentError, type Availability, type BackendPlugin } from '@deeplens/core';
import type { GpujsBackend } from './gpujs-backend.js';
import { isGpujsMode, MODE_ORDER, type GpujsMode } from './gpujs-mode.js';

export interface GpujsBackendOptions {
  /** Which gpu.js mode (default 'auto': the first of MODE_ORDER that runs here). */
  mode?: GpujsMode | 'auto';
}

function modeOption(value: unknown): GpujsMode | 'auto' {
  if (value === undefined || value === 'auto') return 'auto';
  if (isGpujsMode(value)) return value;
  throw new InvalidArgumentError(`unknown gpu.js mode '${String(value)}'`, { hint: `use one of auto, ${MODE_ORDER.join(', ')}` });
}

/** One line for listings and logs: the mode, how it runs, and what `auto` passed over. */
export function describeModeChoice(choice: { traits: { mode: GpujsMode }; detail: string; skipped: ReadonlyArray<{ mode: GpujsMode; reason: string }> }): string {
  const skipped = choice.skipped.map((s) => `${s.mode}: ${s.reason}`).join('; ');
  return `${choice.traits.mode} mode — ${choice.detail}${skipped ? ` (skipped ${skipped})` : ''}`;
}

/**
 * gpu.js: WebGL kernels on whatever GPU a browser sees (headless-gl in Node when the optional `gl`
 * package is installed), else its WebAssembly or JavaScript kernels on the CPU. Device 'auto'
 * takes it only with a GPU mode; by name it runs in any mode. gpu.js loads only when probed.
 */
export const gpujsBackendPlugin: BackendPlugin<GpujsBackendOptions> = {
  name: 'gpujs',
  priority: 20,
  description: 'gpu.js (WebGL in browsers, headless-gl in Node; WebAssembly or JavaScript kernels otherwise)',
  async isAvailable(): Promise<Availability> {
    const { openGpu } = await import('./gpu-loader.js');
    let choice;
    try {
      choice = openGpu('auto');
    } catch (error) {
      return { available: false, reason: (error as Error).message };
    }
    await choice.gpu.destroy();
    const { gpu, ieeeNonFinite } = choice.traits;
    return {
      available: true,
      detail: describeModeChoice(choice) + (gpu ? '' : "; device 'auto' prefers DeepLens's wasm backend over gpu.js on the CPU"),
      capabilities: { ieeeNonFinite },
      // On the CPU gpu.js is far slower than DeepLens's wasm backend and than tfjs's: rank it just above the reference cpu.
      ...(gpu ? {} : { autoPriority: 1 }),
    };
  },
  optionsFrom: (common) => (common.engine === undefined ? {} : { mode: modeOption(common.engine) }),
  async create(options = {}): Promise<GpujsBackend> {
    const [{ openGpu }, { GpujsBackend: Backend }] = await Promise.all([import('./gpu-loader.js'), import('./gpujs-backend.js')]);
    const choice = openGpu(modeOption(options.mode));
    return new Backend({ gpu: choice.gpu, traits: choice.traits, detail: describeModeChoice(choice) });
  },
};
