import * as tf from '@tensorflow/tfjs-core';
import { checkEngineFree, lockedEngine } from './engine-lock.js';
import { defaultModuleHost, type ModuleHost } from './module-host.js';
import { loadTensorflow, tensorflowAdvice, tensorflowState, TENSORFLOW_PACKAGES, TFJS_VERSION } from './tensorflow-probe.js';
import { ENGINE_ORDER, engineTraits, type EngineTraits, type TfjsEngine } from './tfjs-engine.js';
import { TfjsEngineUnavailableError } from './tfjs-errors.js';

export interface LoadEngineOptions {
  /** Where optional packages are resolved and imported from (tests inject fakes). */
  host?: ModuleHost;
  /**
   * Where tfjs-backend-wasm's .wasm files are served (browsers; Node finds them itself): a folder or
   * URL prefix, or each file's URL by name (`tfjs-backend-wasm.wasm`, `-simd.wasm`,
   * `-threaded-simd.wasm`) — what a bundler's asset URLs give.
   */
  wasmPaths?: string | Partial<Record<'tfjs-backend-wasm.wasm' | 'tfjs-backend-wasm-simd.wasm' | 'tfjs-backend-wasm-threaded-simd.wasm', string>>;
  /**
   * Let `auto` take a software WebGPU adapter (lavapipe, SwiftShader) — slower than the wasm engine,
   * so `auto` skips it by default. An explicit `engine: 'webgpu'` always takes it.
   */
  allowSoftwareWebgpu?: boolean;
}

/** The engine that was made active, how it runs, and why the better ones were not taken. */
export interface EngineChoice {
  engine: TfjsEngine;
  traits: EngineTraits;
  /** How it runs here, e.g. "CUDA GPU via @tensorflow/tfjs-node-gpu". */
  detail: string;
  /** It runs on a GPU (CUDA, or WebGPU/WebGL on hardware rather than a software renderer). */
  gpu: boolean;
  /** Engines `auto` tried before this one, each with why it was skipped. */
  skipped: Array<{ engine: TfjsEngine; reason: string }>;
}

/** A failed attempt: a short reason for listings, and the full advice for when this engine was asked for by name. */
type Attempt = { ok: true; detail: string; traits: EngineTraits; gpu: boolean } | { ok: false; reason: string; advice?: string };

/** A cheap check of whether an engine's packages are present (nothing loaded), for listings. */
export async function engineInstalled(engine: TfjsEngine, host: ModuleHost = defaultModuleHost): Promise<boolean> {
  switch (engine) {
    case 'tensorflow':
      for (const pkg of TENSORFLOW_PACKAGES) if ((await host.packageDir(pkg)) !== null) return true;
      return false;
    case 'webgpu':
      return hasNavigatorGpu() || (await host.packageDir('webgpu')) !== null;
    case 'webgl':
      return hasDom();
    default:
      return true;
  }
}

/**
 * Make `requested` tfjs's active engine (auto: the best that works here, in ENGINE_ORDER), or
 * throw TfjsEngineUnavailableError saying what is missing and how to get it. While a DeepLens tfjs
 * backend is alive, its engine is the only one allowed (TfjsEngineConflictError otherwise).
 */
export async function loadEngine(requested: TfjsEngine | 'auto', options: LoadEngineOptions = {}): Promise<EngineChoice> {
  const host = options.host ?? defaultModuleHost;
  const held = lockedEngine();
  if (requested !== 'auto') checkEngineFree(requested);
  const order = requested !== 'auto' ? [requested] : held ? [held] : ENGINE_ORDER;
  const skipped: EngineChoice['skipped'] = [];
  let advice = '';
  for (const engine of order) {
    const attempt = await tryEngine(engine, host, { ...options, auto: requested === 'auto' });
    if (attempt.ok) return { engine, traits: attempt.traits, detail: attempt.detail, gpu: attempt.gpu, skipped };
    skipped.push({ engine, reason: attempt.reason });
    if (requested !== 'auto') advice = attempt.advice ?? attempt.reason;
  }
  const why = skipped.map((s) => `${s.engine}: ${s.reason}`).join('; ');
  throw new TfjsEngineUnavailableError(requested, requested === 'auto' ? `no tfjs engine can run here (${why})` : `the tfjs '${requested}' engine cannot run here: ${advice}`, {
    hint: requested === 'auto' ? 'the wasm and cpu engines need only this package; reinstall it' : "use engine 'auto' (or --tfjs-engine auto) to take the best engine that works here",
  });
}

async function tryEngine(engine: TfjsEngine, host: ModuleHost, options: LoadEngineOptions & { auto: boolean }): Promise<Attempt> {
  quietTfjs();
  switch (engine) {
    case 'tensorflow':
      return tryTensorflow(host);
    case 'webgpu':
      return tryWebgpu(host, options);
    case 'webgl':
      return tryWebgl();
    case 'wasm': {
      // Emscripten's runtime (started by setBackend) installs process handlers that rethrow every
      // uncaught exception and unhandled rejection, printing a line of minified source instead of
      // the error; the process's own handling is restored once it has started.
      const restore = keepProcessHandlers();
      const wasm = await import('@tensorflow/tfjs-backend-wasm');
      if (options.wasmPaths) wasm.setWasmPaths(options.wasmPaths);
      const ok = await activate('wasm');
      restore();
      return ok ? { ok: true, detail: `tfjs-backend-wasm (XNNPACK, SIMD${isNodeRuntime() ? ', one thread in Node' : ''})`, traits: engineTraits('wasm'), gpu: false } : { ok: false, reason: 'tfjs-backend-wasm failed to initialise (WebAssembly unavailable?)' };
    }
    case 'cpu':
      await import('@tensorflow/tfjs-backend-cpu');
      return (await activate('cpu')) ? { ok: true, detail: 'tfjs-backend-cpu (plain JavaScript, slow: for checking)', traits: engineTraits('cpu'), gpu: false } : { ok: false, reason: 'tfjs-backend-cpu failed to initialise' };
  }
}

async function tryTensorflow(host: ModuleHost): Promise<Attempt> {
  const short: string[] = [];
  const advice: string[] = [];
  for (const pkg of TENSORFLOW_PACKAGES) {
    const state = await tensorflowState(pkg, host);
    if (state.state !== 'installed') {
      short.push(state.state === 'not-installed' ? `${pkg} not installed` : tensorflowAdvice(pkg, state.state, state.state === 'wrong-version' ? state.version : ''));
      advice.push(tensorflowAdvice(pkg, state.state, state.state === 'wrong-version' ? state.version : ''));
      continue;
    }
    const load = await loadTensorflow(pkg, host);
    if (!load.ok) {
      const why = tensorflowAdvice(pkg, load.why, load.message);
      short.push(why);
      advice.push(why);
      continue;
    }
    const traits = engineTraits('tensorflow');
    if (load.gpu) return { ok: true, detail: `CUDA GPU via ${pkg}`, traits, gpu: true };
    const cpuNote = pkg === '@tensorflow/tfjs-node-gpu' ? ` (${tensorflowAdvice(pkg, 'no-gpu')})` : '';
    return { ok: true, detail: `libtensorflow on the CPU via ${pkg}${cpuNote}`, traits, gpu: false };
  }
  const none = short.length === TENSORFLOW_PACKAGES.length && short.every((r) => r.endsWith(' not installed'));
  const reason = none
    ? `neither @tensorflow/tfjs-node-gpu (CUDA) nor @tensorflow/tfjs-node is installed (npm i @tensorflow/tfjs-node-gpu@${TFJS_VERSION}; behind a firewall set TFJS_NODE_CDN_STORAGE and npm_config_tfjs_binding_binary_host_mirror to a mirror)`
    : short.join('; ');
  return { ok: false, reason, advice: advice.join('; ') };
}

interface GpuAdapterInfo {
  vendor?: string;
  architecture?: string;
  description?: string;
}

async function tryWebgpu(host: ModuleHost, options: LoadEngineOptions & { auto: boolean }): Promise<Attempt> {
  if (!hasNavigatorGpu()) {
    if ((await host.packageDir('webgpu')) === null) return { ok: false, reason: 'no navigator.gpu, and the optional webgpu package is not installed', advice: 'no WebGPU here: in Node install the optional `webgpu` package (Dawn, prebuilt for linux/macOS/windows; needs a Vulkan driver), in a browser use one with WebGPU enabled' };
    try {
      const dawn = (await host.import('webgpu')) as { create(flags: string[]): unknown; globals: Record<string, unknown> };
      Object.assign(globalThis, dawn.globals);
      Object.defineProperty(globalThis, 'navigator', { value: { ...(globalThis.navigator ?? {}), gpu: dawn.create([]) }, configurable: true, writable: true });
    } catch (error) {
      return { ok: false, reason: `the webgpu package (Dawn) failed to load: ${(error as Error).message.split('\n')[0]}` };
    }
  }
  const gpu = (globalThis.navigator as unknown as { gpu: { requestAdapter(o?: object): Promise<{ info?: GpuAdapterInfo; isFallbackAdapter?: boolean } | null> } }).gpu;
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) return { ok: false, reason: 'WebGPU found no adapter (no Vulkan/Metal/D3D12 driver for a GPU here)' };
  const info = adapter.info ?? {};
  const name = [info.vendor, info.architecture, info.description].filter(Boolean).join(' ') || 'unknown adapter';
  const software = adapter.isFallbackAdapter === true || /software|llvmpipe|lavapipe|swiftshader|cpu/i.test(`${info.architecture} ${info.description} ${info.vendor}`);
  if (software && options.auto && !options.allowSoftwareWebgpu) return { ok: false, reason: `the WebGPU adapter is a software renderer (${name}), slower than the wasm engine; ask for engine 'webgpu' to use it anyway` };
  await import('@tensorflow/tfjs-backend-webgpu');
  // Small ops on CPU-resident inputs would run on the CPU (tfjs's default): keep everything on the
  // device, so data is not copied back and forth and a read after an op waits for the GPU queue.
  tf.env().set('WEBGPU_CPU_FORWARD', false);
  if (!(await activate('webgpu'))) return { ok: false, reason: `tfjs-backend-webgpu failed to initialise on ${name}` };
  const limit = webgpuDevice()?.limits.maxStorageBufferBindingSize;
  return { ok: true, detail: `WebGPU on ${name}${software ? ' (software)' : ''}`, traits: engineTraits('webgpu', limit ? { maxBufferBytes: limit } : {}), gpu: !software };
}

async function tryWebgl(): Promise<Attempt> {
  if (!hasDom()) return { ok: false, reason: 'needs a browser', advice: 'WebGL needs a browser (a canvas); in Node use tensorflow, webgpu or wasm' };
  await import('@tensorflow/tfjs-backend-webgl');
  tf.env().set('WEBGL_CPU_FORWARD', false);
  if (!(await activate('webgl'))) return { ok: false, reason: 'this browser could not create a WebGL context' };
  const float32 = tf.env().getBool('WEBGL_RENDER_FLOAT32_ENABLED');
  const version = tf.env().getNumber('WEBGL_VERSION');
  const renderer = webglRenderer();
  const software = /swiftshader|llvmpipe|lavapipe|software/i.test(renderer);
  return {
    ok: true,
    detail: `WebGL ${version} (${float32 ? 'float32' : 'float16 only'} textures) on ${renderer || 'an unnamed renderer'}${software ? ' (software)' : ''}`,
    traits: engineTraits('webgl', { webglFloat32: float32 }),
    gpu: !software,
  };
}

/** Make `name` tfjs's active engine; false when it fails to initialise. */
async function activate(name: string): Promise<boolean> {
  try {
    if (tf.getBackend() === name) return true;
    return await tf.setBackend(name);
  } catch {
    return false;
  }
}

/** The GPUDevice tfjs's WebGPU engine runs on (while it is the active engine). */
export interface WebgpuDeviceLike {
  limits: { maxStorageBufferBindingSize: number };
  addEventListener?(type: 'uncapturederror', listener: (event: { error: { message: string } }) => void): void;
  onuncapturederror?: ((event: { error: { message: string } }) => void) | null;
}

export function webgpuDevice(): WebgpuDeviceLike | undefined {
  return (tf.backend() as unknown as { device?: WebgpuDeviceLike }).device;
}

/** The WebGL renderer's name (e.g. "ANGLE (NVIDIA …)" or "… SwiftShader …"), from tfjs's own context. */
function webglRenderer(): string {
  try {
    const gl = (tf.backend() as unknown as { gpgpu?: { gl?: WebGLRenderingContext } }).gpgpu?.gl;
    if (!gl) return '';
    const info = gl.getExtension('WEBGL_debug_renderer_info');
    return String(gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER) ?? '');
  } catch {
    return '';
  }
}

function hasNavigatorGpu(): boolean {
  return typeof (globalThis.navigator as { gpu?: unknown } | undefined)?.gpu === 'object';
}

function isNodeRuntime(): boolean {
  return typeof (globalThis as { process?: { versions?: { node?: unknown } } }).process?.versions?.node === 'string';
}

function hasDom(): boolean {
  return typeof (globalThis as { document?: unknown }).document === 'object' || typeof (globalThis as { OffscreenCanvas?: unknown }).OffscreenCanvas === 'function';
}

type ProcessEvent = 'uncaughtException' | 'unhandledRejection';

/** Remember the process's uncaughtException/unhandledRejection handlers; the returned function removes any added since. */
function keepProcessHandlers(): () => void {
  const proc = (globalThis as { process?: { listeners(e: ProcessEvent): unknown[]; removeListener(e: ProcessEvent, l: unknown): void } }).process;
  if (typeof proc?.listeners !== 'function') return () => {};
  const events: ProcessEvent[] = ['uncaughtException', 'unhandledRejection'];
  const before = new Map(events.map((e) => [e, new Set(proc.listeners(e))]));
  return () => {
    for (const e of events) for (const l of proc.listeners(e)) if (!before.get(e)!.has(l)) proc.removeListener(e, l);
  };
}

/**
 * tfjs prints console warnings (a banner urging tfjs-node, failed-initialisation notices) unless it
 * runs in PROD mode, which changes nothing else in tfjs 4.22; this backend reports engine choices
 * itself, so it switches them off.
 */
function quietTfjs(): void {
  tf.env().set('PROD', true);
}
