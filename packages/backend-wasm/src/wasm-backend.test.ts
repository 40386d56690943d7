import { availableParallelism } from 'node:os';
import { OutOfMemoryError } from '@deeplens/core';
import { describeBackendConformance } from '@deeplens/core/testing';
import { describe, expect, it } from 'vitest';
import { WasmBackend } from './wasm-backend.js';
import { wasmBackendPlugin } from './wasm-plugin.js';

describe('wasm backend plugin', () => {
  it('is available here, outranks cpu, and runs on the requested threads', async () => {
    // Node 20 here: relaxed SIMD after the plugin switches V8's flag on; the default threads, one per core.
    expect(await wasmBackendPlugin.isAvailable()).toEqual({ available: true, detail: `relaxed-SIMD (FMA) kernels, ${availableParallelism()} thread${availableParallelism() > 1 ? 's' : ''} by default` });
    expect(wasmBackendPlugin.priority).toBeGreaterThan(0);
    const b = (await wasmBackendPlugin.create({ threads: 1 })) as WasmBackend;
    expect([b.name, b.threads, b.capabilities.bf16]).toEqual(['wasm', 1, false]);
    const t = b.fromArray([1, 2, 3, 4], [2, 2]);
    expect(b.wasmBytesInUse).toBeGreaterThanOrEqual(16);
    t.dispose();
    b.dispose();
  });

  it('a tensor beyond wasm32\'s 4 GiB is a typed out-of-memory error that says what to do, and declares that ceiling', async () => {
    const b = (await wasmBackendPlugin.create({ threads: 1 })) as WasmBackend;
    try {
      expect(b.capabilities.maxMemoryBytes).toBe(2 ** 32);
      let error: unknown;
      try {
        b.zeros([2 ** 15, 2 ** 15 + 1]); // 4 GiB + 128 KiB of float32
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(OutOfMemoryError);
      expect((error as OutOfMemoryError).code).toBe('DEEPLENS_OUT_OF_MEMORY');
      expect((error as Error).message).toMatch(/limited to 4 GiB[\s\S]*hint: use micro_batch_size or optimizer_in_backward[\s\S]*--backend cpu/);
      const t = b.fromArray([1, 2], [2]); // still usable afterwards
      expect([...(await b.read(t))]).toEqual([1, 2]);
      t.dispose();
    } finally {
      b.dispose();
    }
  });

  it('create() returns once its worker threads are running', async () => {
    const b = new WasmBackend({ threads: 3 });
    let started = false;
    const ready = b.ready().then(() => (started = true));
    expect(started).toBe(false); // the workers start asynchronously …
    await ready;
    expect(started).toBe(true); // … and report in once their kernels are instantiated
    b.dispose();
    const viaPlugin = (await wasmBackendPlugin.create({ threads: 3 })) as WasmBackend;
    let settled = false;
    void viaPlugin.ready().then(() => (settled = true));
    await null; // one microtask: enough for an already-resolved promise's callback, not for a pending one
    expect(settled).toBe(true);
    viaPlugin.dispose();
  });
});

// Same suite as the reference backend: every op against float64 references and the 16 PyTorch
// golden model variants. bf16 is a capability it declares it lacks (it computes float32 then).
describeBackendConformance(wasmBackendPlugin);
describeBackendConformance({ ...wasmBackendPlugin, name: 'wasm (1 thread)', create: () => wasmBackendPlugin.create({ threads: 1 }) });
describeBackendConformance({ ...wasmBackendPlugin, name: 'wasm (plain SIMD, no FMA)', create: () => wasmBackendPlugin.create({ relaxedSimd: false }) });
// The ReLU TopK encoder screens in int16 only on large batches with a sparse top-k by default; here at every call.
describeBackendConformance({ ...wasmBackendPlugin, name: 'wasm (int16-screened TopK encoder)', create: () => wasmBackendPlugin.create({ screen: 'always' }) });
