import { availableParallelism } from 'node:os';
import { WasmBackend } from '@deeplens/backend-wasm';
import { describe, expect, it } from 'vitest';
import { createBackend, threadsFlag } from './backends.js';
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
