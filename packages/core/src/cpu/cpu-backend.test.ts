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
      bf16: true, syncRead: true, floatBits: 32, ieeeNonFinite: true, inPlace: 'native', activations: ['relu', 'silu'], sparseYOffset: true,
    });
  });

  it('refuses tensors of another backend instance', () => {
    const a = new CpuBackend();
    const b = new CpuBackend();
    const t = a.zeros([2, 2]);
    expect(() => b.scale(t, 2)).toThrow(expect.objectContaining({ code: 'DEEPLENS_FOREIGN_TENSOR' }));
  });
});

describeBackendConformance(cpuBackendPlugin);
