import * as tf from '@tensorflow/tfjs-core';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { describe, expect, it } from 'vitest';
import { loadEngine } from './engine-loader.js';
import { builtPackage, fakeModuleHost } from './fake-module-host.test-helper.js';
import { classifyLoadError, tensorflowState } from './tensorflow-probe.js';
import { TfjsBackend } from './tfjs-backend.js';
import { tfjsBackendPlugin } from './tfjs-plugin.js';

const GPU = '@tensorflow/tfjs-node-gpu';
const NODE = '@tensorflow/tfjs-node';

/** What importing a working tfjs-node(-gpu) does: register a 'tensorflow' engine (here on tfjs's cpu kernels). */
function registerFakeTensorflow(usingGpu: boolean): void {
  if (tf.findBackendFactory('tensorflow')) tf.removeBackend('tensorflow');
  tf.registerBackend('tensorflow', () => Object.assign(new MathBackendCPU(), { isUsingGpuDevice: usingGpu }));
  for (const kernel of tf.getKernelsForBackend('cpu')) {
    if (!tf.getKernel(kernel.kernelName, 'tensorflow')) tf.registerKernel({ ...kernel, backendName: 'tensorflow' });
  }
}

describe('tfjs engine loader', () => {
  it('auto without any accelerator installed takes wasm and says why tensorflow, webgpu and webgl were skipped', async () => {
    const host = fakeModuleHost({});
    const choice = await loadEngine('auto', { host });
    expect(choice.engine).toBe('wasm');
    expect(choice.skipped.map((s) => s.engine)).toEqual(['tensorflow', 'webgpu', 'webgl']);
    const [tensorflow, webgpu, webgl] = choice.skipped.map((s) => s.reason);
    expect(tensorflow).toBe('neither @tensorflow/tfjs-node-gpu (CUDA) nor @tensorflow/tfjs-node is installed (npm i @tensorflow/tfjs-node-gpu@4.22.0; behind a firewall set TFJS_NODE_CDN_STORAGE and npm_config_tfjs_binding_binary_host_mirror to a mirror)');
    expect(webgpu).toMatch(/the optional webgpu package is not installed/);
    expect(webgl).toBe('needs a browser');
    // Asked for by name, the error spells out each package and the mirror settings.
    const error = (await loadEngine('tensorflow', { host }).catch((e: unknown) => e)) as Error;
    expect(error.message).toMatch(/@tensorflow\/tfjs-node-gpu is not installed \(install it with `npm i @tensorflow\/tfjs-node-gpu@4\.22\.0`/);
    expect(error.message).toMatch(/TFJS_NODE_CDN_STORAGE=.*npm_config_tfjs_binding_binary_host_mirror=.*both are needed/);
    expect(error.message).toMatch(/@tensorflow\/tfjs-node is not installed/);
    expect(((await loadEngine('webgpu', { host }).catch((e: unknown) => e)) as Error).message).toMatch(/in Node install the optional `webgpu` package/);
    expect(host.imported, 'nothing that is not installed is imported').toEqual([]);
  });

  it('installed but its native addon not built (pnpm\'s default): says how to allow and rebuild it, without loading it', async () => {
    const host = fakeModuleHost({ [GPU]: { dir: '/app/node_modules/@tensorflow/tfjs-node-gpu', version: '4.22.0', files: { '/app/node_modules/@tensorflow/tfjs-node-gpu/lib': [] } } });
    expect(await tensorflowState(GPU, host)).toEqual({ state: 'addon-not-built' });
    const error = await loadEngine('tensorflow', { host }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'DEEPLENS_BACKEND_UNAVAILABLE', kind: 'user' });
    expect((error as Error).message).toMatch(/tfjs-node-gpu is installed but its native addon \(tfjs_binding\.node\) was not built — pnpm skips install scripts unless allowed: add it to onlyBuiltDependencies .* `pnpm rebuild @tensorflow\/tfjs-node-gpu`/);
    expect(host.imported).toEqual([]);
  });

  it('classifies what importing the binding throws: not installed, unbuilt addon, missing CUDA libraries, anything else', () => {
    expect(classifyLoadError(Object.assign(new Error('Cannot find package'), { code: 'ERR_MODULE_NOT_FOUND' })).why).toBe('not-installed');
    expect(classifyLoadError(new Error('The Node.js native addon module (tfjs_binding.node) can not be found at path: /x/lib/napi-v8/tfjs_binding.node. \nPlease run command …')).why).toBe('addon-not-built');
    expect(classifyLoadError(new Error('libcudnn.so.8: cannot open shared object file: No such file or directory')).why).toBe('cuda-libraries');
    expect(classifyLoadError(new Error('something else broke')).why).toBe('load-failed');
  });

  it('a binding that fails to load (CUDA libraries missing) is reported with the CUDA/cuDNN it needs, and auto falls back', async () => {
    const host = fakeModuleHost({
      [GPU]: builtPackage(GPU, () => {
        throw new Error('libcudart.so.11.0: cannot open shared object file: No such file or directory');
      }),
    });
    const choice = await loadEngine('auto', { host });
    expect(choice.engine).toBe('wasm');
    expect(choice.skipped[0]!.reason).toMatch(/could not load the CUDA libraries \(libcudart\.so\.11\.0: cannot open.*\): it needs CUDA 11\.2 and cuDNN 8\.1/);
    expect(host.imported).toEqual([GPU]);
  });

  it('a tfjs-node of another version is refused (it would bring a second tfjs-core)', async () => {
    const host = fakeModuleHost({ [NODE]: builtPackage(NODE, undefined, '4.21.0') });
    const error = await loadEngine('tensorflow', { host }).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/tfjs-node 4\.21\.0 is installed, but this backend needs 4\.22\.0/);
  });

  it('an injected working tfjs-node-gpu with a CUDA device is taken first by auto, and runs ops', async () => {
    const host = fakeModuleHost({ [GPU]: builtPackage(GPU, () => registerFakeTensorflow(true)) });
    const choice = await loadEngine('auto', { host });
    expect([choice.engine, choice.detail, choice.skipped]).toEqual(['tensorflow', `CUDA GPU via ${GPU}`, []]);
    expect(tf.getBackend()).toBe('tensorflow');
    const b = new TfjsBackend({ engine: choice.engine, traits: choice.traits });
    const x = b.fromArray([1, 2, 3, 4], [2, 2]);
    const y = b.matmul(x, x);
    expect(Array.from(await b.read(y))).toEqual([7, 10, 15, 22]);
    for (const t of [x, y]) t.dispose();
    b.dispose();
  });

  it('tfjs-node-gpu without a CUDA device runs libtensorflow on the CPU and says what is missing', async () => {
    const host = fakeModuleHost({ [GPU]: builtPackage(GPU, () => registerFakeTensorflow(false)) });
    const choice = await loadEngine('tensorflow', { host });
    expect(choice.detail).toMatch(/^libtensorflow on the CPU via @tensorflow\/tfjs-node-gpu \(.*found no CUDA GPU: it needs an NVIDIA driver and CUDA 11\.2 and cuDNN 8\.1/);
  });

  it('the plugin: unknown engines are a user error naming the valid ones; auto ranks tfjs below wasm without a GPU engine', async () => {
    expect(() => tfjsBackendPlugin.optionsFrom!({ engine: 'cuda' })).toThrow(expect.objectContaining({ code: 'DEEPLENS_INVALID_ARGUMENT', kind: 'user', message: expect.stringMatching(/unknown tfjs engine 'cuda'[\s\S]*auto, tensorflow, webgpu, webgl, wasm, cpu/) }));
    expect(tfjsBackendPlugin.optionsFrom!({ engine: 'wasm', threads: 2 })).toEqual({ engine: 'wasm' });
    const a = await tfjsBackendPlugin.isAvailable();
    expect(a).toMatchObject({ available: true, autoPriority: 5, capabilities: { floatBits: 32, inPlace: 'rebind', syncRead: true, maxMemoryBytes: 2 ** 31 } });
    expect(a.detail).toMatch(/^wasm engine — tfjs-backend-wasm .*device 'auto' prefers DeepLens's wasm backend/);
  });
});
