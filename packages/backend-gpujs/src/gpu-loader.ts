import { GPU } from 'gpu.js';
import { GpujsModeUnavailableError } from './gpujs-errors.js';
import { FLOAT_EXACT_ELEMENTS, isTextureMode, MODE_ORDER, type GpujsMode, type ModeTraits } from './gpujs-mode.js';
import type { GpuInstance } from './kernel-runner.js';

/** The gpu.js version this package is built and tested against. */
export const GPUJS_VERSION = '2.24.1';

/** How to get headless-gl, gpu.js's GPU path in Node. */
export const HEADLESS_GL_ADVICE =
  "install the optional 'gl' package beside @deeplens/backend-gpujs (npm i gl@8.1.6: it builds a native addon, so it needs python3, make and a C++ compiler; a machine without a display also needs Xvfb)";

export interface ModeChoice {
  gpu: GpuInstance;
  traits: ModeTraits;
  /** How it runs, e.g. the GL renderer. */
  detail: string;
  /** Better modes `auto` passed over, and why. */
  skipped: Array<{ mode: GpujsMode; reason: string }>;
}

interface GpuStatics {
  isHeadlessGLSupported: boolean;
  isWebGL2Supported: boolean;
  isWebGLSupported: boolean;
  isWebAssemblySupported: boolean;
  isSinglePrecisionSupported: boolean;
}

interface GlContext {
  MAX_TEXTURE_SIZE: number;
  RENDERER: number;
  getParameter(p: number): unknown;
  getExtension(name: string): { UNMASKED_RENDERER_WEBGL: number } | null;
}

const inBrowser = (): boolean => typeof window !== 'undefined' && typeof document !== 'undefined';

/** Why `mode` cannot run here (undefined: it can). */
export function modeUnavailable(mode: GpujsMode): string | undefined {
  const g = GPU as unknown as GpuStatics;
  switch (mode) {
    case 'headlessgl':
      return g.isHeadlessGLSupported ? undefined : inBrowser() ? 'headless-gl runs in Node only' : `the optional 'gl' package is not installed or not built: ${HEADLESS_GL_ADVICE}`;
    case 'webgl2':
      return g.isWebGL2Supported ? undefined : inBrowser() ? 'this browser offers no WebGL2 context' : 'WebGL2 needs a browser (in Node, the GPU path is headless-gl)';
    case 'webgl':
      return g.isWebGLSupported ? undefined : inBrowser() ? 'this browser offers no WebGL context' : 'WebGL needs a browser (in Node, the GPU path is headless-gl)';
    case 'webasm':
      return g.isWebAssemblySupported ? undefined : 'this runtime has no WebAssembly SIMD';
    case 'cpu':
      return undefined;
  }
}

/**
 * A gpu.js instance in the requested mode ('auto': the first of MODE_ORDER that runs here), with
 * what a backend on it declares. GL modes must render float32 ('single' precision): a context
 * that cannot is skipped, since gpu.js would otherwise pack values into 8-bit channels.
 */
export function openGpu(requested: GpujsMode | 'auto'): ModeChoice {
  const skipped: ModeChoice['skipped'] = [];
  for (const mode of requested === 'auto' ? MODE_ORDER : [requested]) {
    let reason = modeUnavailable(mode);
    if (!reason && isTextureMode(mode) && !(GPU as unknown as GpuStatics).isSinglePrecisionSupported) reason = 'the GL context cannot render float32 textures';
    if (!reason) {
      try {
        return { ...open(mode), skipped };
      } catch (error) {
        reason = `gpu.js failed to start it: ${(error as Error).message}`;
      }
    }
    if (requested !== 'auto') throw new GpujsModeUnavailableError(`gpu.js mode '${mode}' cannot run here: ${reason}`, { hint: "use mode 'auto' (the CLI's --backend gpujs does), or another backend" });
    skipped.push({ mode, reason });
  }
  throw new GpujsModeUnavailableError('no gpu.js mode runs here');
}

function open(mode: GpujsMode): Omit<ModeChoice, 'skipped'> {
  const gpu = new GPU({ mode }) as unknown as GpuInstance & { context: GlContext | null };
  // One tiny kernel: starts the context (so its limits can be read) and proves the mode computes.
  const probe = gpu.createKernel('function (a) { return a[this.thread.x] * 2.0; }', { output: [4], precision: 'single' });
  const out = probe(Float32Array.of(1, 2, 3, 4)) as ArrayLike<number>;
  if (out[3] !== 8) throw new Error(`a probe kernel computed ${Array.from(out).join(', ')} instead of 2, 4, 6, 8`);
  probe.destroy?.(true);
  if (!isTextureMode(mode)) {
    const detail = mode === 'webasm' ? 'WebAssembly SIMD kernels on the CPU (one thread)' : 'JavaScript kernels on the CPU';
    return { gpu, detail, traits: { mode, textures: false, gpu: false, ieeeNonFinite: true, maxElements: mode === 'webasm' ? FLOAT_EXACT_ELEMENTS : 2 ** 31 - 1 } };
  }
  const gl = gpu.context;
  const maxTexture = gl ? Number(gl.getParameter(gl.MAX_TEXTURE_SIZE)) : 4096;
  const info = gl?.getExtension('WEBGL_debug_renderer_info');
  const renderer = String((info ? gl!.getParameter(info.UNMASKED_RENDERER_WEBGL) : gl?.getParameter(gl.RENDERER)) ?? 'unknown renderer');
  const software = /swiftshader|llvmpipe|softpipe|software/i.test(renderer);
  return {
    gpu,
    detail: `${mode} on ${renderer}${software ? ' (a software renderer: the CPU, not a GPU)' : ''}; MAX_TEXTURE_SIZE ${maxTexture}`,
    traits: { mode, textures: true, gpu: !software, ieeeNonFinite: false, maxElements: Math.min(maxTexture * maxTexture, 2 ** 31 - 1) },
  };
}
