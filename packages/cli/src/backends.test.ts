import { availableParallelism } from 'node:os';
import { WasmBackend } from '@deeplens/backend-wasm';
import { describe, expect, it } from 'vitest';
import { createBackend, createRegistry, threadsFlag } from './backends.js';
import { UsageError } from './errors.js';

describe('createBackend', () => {
  it('gives the wasm backend the thread count asked for, and one per core by default', async () => {
    const one = await createBackend('wasm', 1);
    const all = await createBackend('wasm', null);
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
    const many = await createBackend('wasm', 999, (m) => warnings.push(m));
    try {
      expect((many as WasmBackend).threads).toBe(availableParallelism());
      expect(warnings).toEqual([`--threads 999 is more than the ${availableParallelism()} cores here; using ${availableParallelism()} (more threads than cores only compete for them)`]);
    } finally {
      many.dispose();
    }
  });

  it('lists the planned backends as not released, with no install command that would fail', async () => {
    const status = await (await createRegistry()).status();
    for (const name of ['tfjs', 'gpujs']) {
      const s = status.find((x) => x.name === name)!;
      expect(s.availability).toMatchObject({ available: false, installed: false });
      expect(s.availability.reason).toMatch(/is not installed: .* planned and not yet released; train with wasm or cpu/);
      expect(s.availability.reason).not.toMatch(/npm i/);
    }
  });

  it('lets a backend without threads ignore the count', async () => {
    const cpu = await createBackend('cpu', 3);
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
