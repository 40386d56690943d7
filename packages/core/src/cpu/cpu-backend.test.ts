import { describeBackendConformance } from '../testing/index.js';
import { CpuBackend } from './cpu-backend.js';
import { cpuBackendPlugin } from './cpu-plugin.js';

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
