import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { tfjsBackendPlugin } from './tfjs-plugin.js';

describe('one tfjs engine per process', () => {
  it('a second backend on another engine is a clear error, not a silent switch; the same engine is shared; after dispose any engine works', async () => {
    const handlers = () => [process.listeners('uncaughtException').length, process.listeners('unhandledRejection').length];
    const before = handlers();
    const wasm = await tfjsBackendPlugin.create({ engine: 'wasm' });
    // tfjs-backend-wasm's Emscripten runtime installs handlers that rethrow every uncaught error as a
    // line of minified source; the loader removes them again.
    expect(handlers()).toEqual(before);
    const x = wasm.fromArray([1, 2], [2]);
    const error = await Promise.resolve(tfjsBackendPlugin.create({ engine: 'cpu' })).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'DEEPLENS_TFJS_ENGINE_CONFLICT', kind: 'user', active: 'wasm', requested: 'cpu' });
    expect((error as Error).message).toMatch(/already in use in this process[\s\S]*hint: dispose the 'wasm' backend first/);
    expect(tf.getBackend(), 'the live backend\'s engine is untouched').toBe('wasm');
    expect(Array.from(await wasm.read(x))).toEqual([1, 2]);

    const auto = await tfjsBackendPlugin.create({ engine: 'auto' });
    expect((auto as { engine?: string }).engine, 'auto joins the engine in use').toBe('wasm');
    await auto.dispose();
    x.dispose();
    await wasm.dispose();

    const cpu = await tfjsBackendPlugin.create({ engine: 'cpu' });
    expect(tf.getBackend()).toBe('cpu');
    await cpu.dispose();
  });

  it('a tensor of one backend instance is refused by another (ForeignTensorError), though they share the engine', async () => {
    const a = await tfjsBackendPlugin.create({ engine: 'wasm' });
    const b = await tfjsBackendPlugin.create({ engine: 'wasm' });
    const t = a.fromArray([1], [1]);
    expect(() => b.add(t, t)).toThrow(expect.objectContaining({ code: 'DEEPLENS_FOREIGN_TENSOR' }));
    t.dispose();
    await a.dispose();
    await b.dispose();
  });
});
