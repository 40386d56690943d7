import * as tf from '@tensorflow/tfjs-core';
import type { ModuleHost } from './module-host.js';

/** The two packages that bring libtensorflow: the CUDA build first. */
export const TENSORFLOW_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const;
export type TensorflowPackage = (typeof TENSORFLOW_PACKAGES)[number];

/** The tfjs-core these backends are built for; a tfjs-node of another version brings its own engine copy. */
export const TFJS_VERSION = '4.22.0';

/** CUDA/cuDNN that libtensorflow 2.9.1 (tfjs-node-gpu 4.22) was built against. */
export const CUDA_REQUIREMENT = 'CUDA 11.2 and cuDNN 8.1 (the versions libtensorflow 2.9.1, used by tfjs-node-gpu 4.22, was built for)';

export type TensorflowState =
  | { state: 'not-installed' }
  | { state: 'wrong-version'; version: string }
  | { state: 'addon-not-built' }
  | { state: 'installed' };

export type TensorflowLoad =
  | { ok: true; gpu: boolean }
  | { ok: false; why: 'not-installed' | 'addon-not-built' | 'cuda-libraries' | 'load-failed'; message: string };

/** The cheap check (no native code loaded): is the package there, of our tfjs version, with its addon built? */
export async function tensorflowState(pkg: TensorflowPackage, host: ModuleHost): Promise<TensorflowState> {
  const dir = await host.packageDir(pkg);
  if (!dir) return { state: 'not-installed' };
  const version = await host.version(pkg);
  if (version && version !== TFJS_VERSION) return { state: 'wrong-version', version };
  const napi = (await host.list(`${dir}/lib`)).filter((d) => d.startsWith('napi-v'));
  const built = (await Promise.all(napi.map(async (d) => (await host.list(`${dir}/lib/${d}`)).includes('tfjs_binding.node')))).some(Boolean);
  return built ? { state: 'installed' } : { state: 'addon-not-built' };
}

/** Sort a load failure into what the user has to do about it. */
export function classifyLoadError(error: unknown): Exclude<TensorflowLoad, { ok: true }> {
  const e = error as { code?: string; message?: string };
  const message = String(e?.message ?? error);
  if (e?.code === 'ERR_MODULE_NOT_FOUND' || e?.code === 'MODULE_NOT_FOUND') return { ok: false, why: 'not-installed', message };
  if (/tfjs_binding\.node\) can not be found/.test(message)) return { ok: false, why: 'addon-not-built', message };
  if (/lib(cudart|cudnn|cublas|cublasLt|cufft|curand|cusolver|cusparse|nvinfer)[\w.-]*\.so/.test(message)) return { ok: false, why: 'cuda-libraries', message };
  return { ok: false, why: 'load-failed', message };
}

/**
 * The expensive probe: load the binding, make 'tensorflow' tfjs's engine, and ask it whether it
 * found a CUDA device. tfjs-node-gpu without usable CUDA libraries still loads and runs on the CPU.
 */
export async function loadTensorflow(pkg: TensorflowPackage, host: ModuleHost): Promise<TensorflowLoad> {
  try {
    await host.import(pkg);
  } catch (error) {
    return classifyLoadError(error);
  }
  try {
    if (!(await tf.setBackend('tensorflow'))) return { ok: false, why: 'load-failed', message: `${pkg} loaded but tfjs could not start its 'tensorflow' engine` };
  } catch (error) {
    return classifyLoadError(error);
  }
  const backend = tf.backend() as { isUsingGpuDevice?: boolean };
  return { ok: true, gpu: pkg === '@tensorflow/tfjs-node-gpu' && backend.isUsingGpuDevice === true };
}

const MIRROR = 'TFJS_NODE_CDN_STORAGE=<mirror>/ npm_config_tfjs_binding_binary_host_mirror=<mirror>/ (both are needed: the first moves the libtensorflow download, the second the prebuilt addon)';

/** What to tell a user about a tensorflow package in a given state (null: nothing is wrong). */
export function tensorflowAdvice(pkg: TensorflowPackage, problem: TensorflowState['state'] | Exclude<TensorflowLoad, { ok: true }>['why'] | 'no-gpu', detail = ''): string {
  switch (problem) {
    case 'not-installed':
      return `${pkg} is not installed (install it with \`npm i ${pkg}@${TFJS_VERSION}\`; its install script downloads libtensorflow — behind a firewall set ${MIRROR})`;
    case 'wrong-version':
      return `${pkg} ${detail} is installed, but this backend needs ${TFJS_VERSION} so that both share one tfjs-core (npm i ${pkg}@${TFJS_VERSION})`;
    case 'addon-not-built':
      return `${pkg} is installed but its native addon (tfjs_binding.node) was not built — pnpm skips install scripts unless allowed: add it to onlyBuiltDependencies (pnpm-workspace.yaml) and run \`pnpm rebuild ${pkg}\`, or with npm run \`npm rebuild ${pkg}\`; offline, set ${MIRROR}`;
    case 'cuda-libraries':
      return `${pkg} is installed but libtensorflow could not load the CUDA libraries (${detail.split('\n')[0]}): it needs ${CUDA_REQUIREMENT} on the library path (LD_LIBRARY_PATH)`;
    case 'no-gpu':
      return `${pkg} loaded, but TensorFlow found no CUDA GPU: it needs an NVIDIA driver and ${CUDA_REQUIREMENT} on LD_LIBRARY_PATH`;
    case 'load-failed':
      return `${pkg} is installed but failed to load: ${detail.split('\n')[0]}`;
    case 'installed':
      return `${pkg} is installed`;
  }
}
