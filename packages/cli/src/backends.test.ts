import { availableParallelism } from 'node:os';
import { WasmBackend } from '@deeplens/backend-wasm';
import { describe, expect, it } from 'vitest';
import { createBackend, createRegistry, threadsFlag } from './backends.js';
import { UsageError } from './errors.js';

describe('createBackend', () => {
  it('gives the wasm backend the thread count asked for, and one per core by default', async () => {
    const one = await createBackend('wasm', { threads: 1 });
    const all = await createBackend('wasm', { threads: null });
    try {
      expect(one).toBeInstanceOf(WasmBackend);
      expect((one as WasmBackend).threads).toBe(1);
      expect((all as WasmBackend).threads).toBe(availableParallelism());
    } finally {
      one.dispose();
      all.dispose();
    }
  });

  it('caps the thread count at the cores here, with a warning', async () => {
    const warnings: string[] = [];
    const many = await createBackend('wasm', { threads: 999 }, (m) => warnings.push(m));
    try {
      expect((many as WasmBackend).threads).toBe(availableParallelism());
      expect(warnings).toEqual([`--threads 999 is more than the ${availableParallelism()} cores here; using ${availableParallelism()} (more threads than cores only compete for them)`]);
    } finally {
      many.dispose();
    }
  });

  it('gpujs and tfjs, installed here, run on the CPU (gpu.js webasm kernels, tfjs wasm engine), so auto keeps wasm', async () => {
    const status = await (await createRegistry()).status();
    const gpujs = status.find((x) => x.name === 'gpujs')!;
    expect(gpujs.availability).toMatchObject({ available: true, autoPriority: 1 });
    expect(gpujs.availability.detail).toMatch(/^webasm mode — WebAssembly SIMD kernels on the CPU .*\(skipped headlessgl: the optional 'gl' package is not installed or not built: install the optional 'gl' package .*npm i gl@8\.1\.6.*; webgl2: WebGL2 needs a browser .*\); device 'auto' prefers DeepLens's wasm backend over gpu.js on the CPU$/);
    const tfjs = status.find((x) => x.name === 'tfjs')!;
    expect(tfjs.availability).toMatchObject({ available: true, autoPriority: 5 });
    const auto = await createBackend('auto', { threads: 1 });
    expect(auto.name).toBe('wasm');
    await auto.dispose();
  });

  it('--tfjs-engine takes the tfjs backend on that engine and notes how it runs; a bad engine is a user error; on another backend it is ignored with a warning', async () => {
    const notes: string[] = [];
    const tfjs = await createBackend('auto', { threads: null, tfjsEngine: 'cpu' }, () => {}, (m) => notes.push(m));
    try {
      expect([tfjs.name, (tfjs as unknown as { engine: string }).engine]).toEqual(['tfjs', 'cpu']);
      expect(notes).toEqual([expect.stringMatching(/^backend 'tfjs': cpu engine — tfjs-backend-cpu/)]);
    } finally {
      await tfjs.dispose();
    }
    await expect(createBackend('tfjs', { threads: null, tfjsEngine: 'cuda' })).rejects.toMatchObject({ kind: 'user', message: expect.stringMatching(/unknown tfjs engine 'cuda'/) });
    const warnings: string[] = [];
    const cpu = await createBackend('cpu', { threads: null, tfjsEngine: 'wasm' }, (m) => warnings.push(m));
    expect(cpu.name).toBe('cpu');
    expect(warnings).toEqual(["tfjs_engine 'wasm' applies only to the tfjs backend, not 'cpu'; ignoring it"]);
  });

  it('lets a backend without threads ignore the count', async () => {
    const cpu = await createBackend('cpu', { threads: 3 });
    try {
      expect(cpu.name).toBe('cpu');
      const t = cpu.fromArray(new Float32Array([1, 2, 3, 4]), [2, 2]);
      expect(Array.from(await cpu.read(cpu.matmul(t, t)))).toEqual([7, 10, 15, 22]);
    } finally {
      cpu.dispose();
    }
  });

  it('reads --threads: absent is null, a positive integer is taken, anything else is a usage error', () => {
    expect(threadsFlag(undefined)).toBeNull();
    expect(threadsFlag('3')).toBe(3);
    for (const bad of ['0', '-1', '1.5', 'x', '']) expect(() => threadsFlag(bad)).toThrow(UsageError);
    expect(() => threadsFlag('x')).toThrow(/--threads must be a positive integer, got x/);
  });
});
