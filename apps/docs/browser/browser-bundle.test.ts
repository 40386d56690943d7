import { builtinModules } from 'node:module';
import { fileURLToPath } from 'node:url';
import { runInNewContext } from 'node:vm';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const entry = fileURLToPath(new URL('./browser-entry.ts', import.meta.url));
const NODE_BUILTINS = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);

/**
 * The browser-safe entries (`@deeplens/core`, `@deeplens/trainer/browser`, `@deeplens/loggers/browser`)
 * bundled as a browser bundler would (platform 'browser', the packages' 'browser' conditions), then
 * run where no Node global exists — no process, Buffer, require or module.
 */
describe('DeepLens in a browser bundle', () => {
  it('bundles core, the trainer\'s and the loggers\' browser entries with no Node built-in', async () => {
    const result = await build({
      entryPoints: [entry], bundle: true, platform: 'browser', format: 'iife', globalName: 'deeplens', write: false, metafile: true,
      conditions: ['@deeplens/source', 'browser'], logLevel: 'silent',
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.filter((i) => NODE_BUILTINS.has(i) || i.startsWith('node:'))).toEqual([]);
    for (const pkg of ['core', 'trainer', 'loggers']) expect(inputs.some((i) => i.includes(`packages/${pkg}/src/`)), pkg).toBe(true);
    // Nothing from the Node halves crept in.
    expect(inputs.filter((i) => /core\/src\/(node|io\/(model-file|atomic-write|output-path)|data\/(open-activations|npy-reader|pt-reader))\.ts$|node-sae-trainer\.ts$|file-run-storage\.ts$|run-dir\.ts$|node-training-state\.ts$|config-from-yaml\.ts$|metrics-file-logger\.ts$/.test(i))).toEqual([]);
  });

  it('bundles the gpujs backend (gpu.js\'s browser build), the tfjs backend and the cpu backend with no Node built-in', async () => {
    const result = await build({
      stdin: { contents: "export { gpujsBackendPlugin } from '@deeplens/backend-gpujs'; export { tfjsBackendPlugin } from '@deeplens/backend-tfjs'; export { cpuBackendPlugin } from '@deeplens/core';", resolveDir: fileURLToPath(new URL('.', import.meta.url)), loader: 'ts' },
      bundle: true, platform: 'browser', format: 'esm', write: false, metafile: true, splitting: true, outdir: 'out',
      conditions: ['@deeplens/source', 'browser'], logLevel: 'silent',
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.filter((i) => NODE_BUILTINS.has(i) || i.startsWith('node:'))).toEqual([]);
    expect(inputs.some((i) => /gpu\.js\/dist\/gpu-browser\.js$/.test(i)), 'gpu.js resolved to its browser build').toBe(true);
    expect(inputs.some((i) => i.includes('packages/backend-gpujs/src/gpujs-backend.ts'))).toBe(true);
    expect(inputs.some((i) => i.includes('packages/backend-tfjs/src/tfjs-backend.ts'))).toBe(true);
    expect(inputs.some((i) => /@tensorflow\/tfjs-backend-webgl\//.test(i)), 'the webgl engine is in the bundle').toBe(true);
  });

  it('a Node built-in in a browser entry fails the bundle, naming it', async () => {
    const error = await build({
      stdin: { contents: "import { saveSae } from '@deeplens/core/node'; export { saveSae };", resolveDir: fileURLToPath(new URL('.', import.meta.url)), loader: 'ts' },
      bundle: true, platform: 'browser', write: false, conditions: ['@deeplens/source', 'browser'], logLevel: 'silent',
    }).catch((e: unknown) => e as { errors: Array<{ text: string }> });
    const texts = (error as { errors: Array<{ text: string }> }).errors.map((e) => e.text).join('\n');
    expect(texts).toMatch(/Could not resolve "node:fs(\/promises)?"/);
  });

  it('trains, evaluates and encodes a model file with no Node globals', async () => {
    const { outputFiles } = await build({
      entryPoints: [entry], bundle: true, platform: 'browser', format: 'iife', globalName: 'deeplens', write: false,
      conditions: ['@deeplens/source', 'browser'], logLevel: 'silent',
    });
    const sandbox: Record<string, unknown> = {
      console, TextEncoder, TextDecoder, performance, setTimeout, clearTimeout, queueMicrotask, Promise,
      Float32Array, Float64Array, Int32Array, Uint8Array, DataView, ArrayBuffer, BigInt, Math, JSON, Map, Set, Symbol, Error,
    };
    runInNewContext(`${outputFiles[0]!.text}\nglobalThis.run = deeplens.trainInBrowser;`, sandbox);
    expect(sandbox['process']).toBeUndefined();
    const out = (await (sandbox['run'] as () => Promise<{ fvu: number; lines: string[]; fileBytes: number; losses: number[]; runFiles: string[] }>)());
    expect(out.fvu).toBeLessThan(0.6);
    expect(out.losses.at(-1)!).toBeLessThan(out.losses[0]!);
    expect(out.lines.length).toBeGreaterThan(10);
    expect(out.lines[0]).toMatch(/^Model: 16 → 64 features/);
    expect(out.lines.filter((l) => /loss/.test(l)).length).toBeGreaterThan(10);
    expect(out.fileBytes).toBeGreaterThan(4 * (16 * 64 * 2));
    expect(out.runFiles).toEqual(['best_model.safetensors', 'config.json', 'training_state.safetensors']);
  });
});
