// Mutation testing of the gpu.js backend (pnpm mutation backend-gpujs): the conformance suite on
// gpu.js's cpu mode (the kernels run as JavaScript, fastest to recompile) must fail for every mutant
// of the kernels' generators and the storage and layout code.
import { createRequire } from 'node:module';

// The runner is a root devDependency; pnpm does not hoist it where Stryker looks for plugins.
const fromRoot = createRequire(new URL('../../package.json', import.meta.url));

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  plugins: [fromRoot.resolve('@stryker-mutator/vitest-runner')],
  vitest: { configFile: 'vitest.mutation.config.ts' },
  mutate: process.env.GPUJS_MUTATE?.split(',') ?? ['src/broadcast-plan.ts', 'src/csr-cache.ts', 'src/gpujs-tensor.ts', 'src/kernels/select.ts', 'src/kernels/csr-transpose.ts', 'src/kernels/sparse.ts'],
  coverageAnalysis: 'perTest',
  concurrency: 2,
  timeoutMS: 20_000,
  reporters: ['clear-text', 'progress', 'json'],
  jsonReporter: { fileName: 'reports/mutation/backend-gpujs.json' },
  thresholds: { high: 90, low: 85, break: null },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};
