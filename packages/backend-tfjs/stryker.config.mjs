// Mutation testing of the tfjs backend's maths (pnpm mutation backend-tfjs): the conformance suite
// on the wasm and cpu engines must fail for every mutant of these files.
import { createRequire } from 'node:module';

// The runner is a root devDependency; pnpm does not hoist it where Stryker looks for plugins.
const fromRoot = createRequire(new URL('../../package.json', import.meta.url));

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  plugins: [fromRoot.resolve('@stryker-mutator/vitest-runner')],
  vitest: { configFile: 'vitest.mutation.config.ts' },
  mutate: ['src/tf-sparse.ts', 'src/tf-math.ts', 'src/tfjs-backend.ts', 'src/tfjs-tensor.ts'],
  coverageAnalysis: 'perTest',
  concurrency: 2,
  timeoutMS: 10_000,
  reporters: ['clear-text', 'progress', 'json'],
  jsonReporter: { fileName: 'reports/mutation/backend-tfjs.json' },
  thresholds: { high: 90, low: 85, break: null },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};
