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
    expect(b.capabilities).toEqual({ bf16: true, syncRead: true, sparseYOffset: true });
  });

  it('refuses tensors of another backend instance', () => {
    const a = new CpuBackend();
    const b = new CpuBackend();
    const t = a.zeros([2, 2]);
    expect(() => b.scale(t, 2)).toThrow(expect.objectContaining({ code: 'DEEPLENS_FOREIGN_TENSOR' }));
  });
});

describeBackendConformance(cpuBackendPlugin);

// The same suite with the optional fused sparse ops removed, so core's dense fallbacks pass the
// PyTorch golden fixtures too.
describeBackendConformance({
  ...cpuBackendPlugin,
  name: 'cpu (no fused sparse ops)',
  create: () => {
    const b = new CpuBackend();
    for (const op of ['sparseMatmul', 'sampledMatmul', 'sparseTransposeMatmul', 'sparseColumnSum']) {
      Object.defineProperty(b, op, { value: undefined });
    }
    return b;
  },
});
