import { describe, expect, it } from 'vitest';
import { describeBackendConformance } from '../testing/index.js';
import { CpuBackend } from './cpu-backend.js';
import { cpuBackendPlugin } from './cpu-plugin.js';

describe('cpu backend plugin', () => {
  it('is always available, lowest priority, and creates a cpu backend', async () => {
    expect(await cpuBackendPlugin.isAvailable()).toEqual({ available: true });
    expect(cpuBackendPlugin.priority).toBe(0);
    const b = await cpuBackendPlugin.create();
    expect(b.name).toBe('cpu');
    expect(b.capabilities).toEqual({
      bf16: true, syncRead: true, hostMemory: true, floatBits: 32, ieeeNonFinite: true, inPlace: 'native', activations: ['relu', 'silu'], sparseYOffset: true,
    });
  });

  it('refuses tensors of another backend instance', () => {
    const a = new CpuBackend();
    const b = new CpuBackend();
    const t = a.zeros([2, 2]);
    expect(() => b.scale(t, 2)).toThrow(expect.objectContaining({ code: 'DEEPLENS_FOREIGN_TENSOR' }));
  });
});

describe('the typed-array surface (what composing backends build on)', () => {
  it('places arrays in the given memory, wraps them as tensors, and hands out their data without a copy', async () => {
    const allocated: number[] = [];
    const freed: number[] = [];
    const memory = {
      allocFloat32: (n: number) => (allocated.push(n), new Float32Array(n)),
      allocInt32: (n: number) => (allocated.push(n), new Int32Array(n)),
      free: (a: Float32Array | Int32Array) => void freed.push(a.length),
    };
    const b = new CpuBackend({ name: 'composed', memory });
    expect(b.arrayMemory).toBe(memory);
    const data = b.arrayMemory.allocFloat32(4);
    data.set([1, 2, 3, 4]);
    const t = b.tensorFrom(data, [2, 2]);
    expect(t.backendName).toBe('composed');
    expect(b.arrayOf(t, 'test')).toBe(data);
    const doubled = b.scale(t, 2);
    expect(Array.from(await b.read(doubled))).toEqual([2, 4, 6, 8]);
    expect(() => b.tensorFrom(new Float32Array(3), [2, 2])).toThrow(expect.objectContaining({ code: 'DEEPLENS_SHAPE_MISMATCH' }));
    expect(() => new CpuBackend().arrayOf(t, 'test')).toThrow(expect.objectContaining({ code: 'DEEPLENS_FOREIGN_TENSOR' }));
    t.dispose();
    doubled.dispose();
    expect(freed).toEqual([4, 4]);
    expect(() => b.arrayOf(t, 'test')).toThrow(expect.objectContaining({ code: 'DEEPLENS_TENSOR_DISPOSED' }));
  });
});

describeBackendConformance(cpuBackendPlugin);
