// Mutation testing of the trainer's maths (pnpm mutation): schedules and evaluation metrics.
import { createRequire } from 'node:module';

// The runner is a root devDependency; pnpm does not hoist it where Stryker looks for plugins.
const fromRoot = createRequire(new URL('../../package.json', import.meta.url));

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  plugins: [fromRoot.resolve('@stryker-mutator/vitest-runner')],
  vitest: { configFile: 'vitest.mutation.config.ts' },
  mutate: ['src/schedules/*.ts', '!src/schedules/*.test.ts', 'src/metrics/*.ts', '!src/metrics/*.test.ts'],
  coverageAnalysis: 'perTest',
  concurrency: 2,
  timeoutMS: 5_000,
  reporters: ['clear-text', 'progress', 'json'],
  jsonReporter: { fileName: 'reports/mutation/trainer.json' },
  thresholds: { high: 90, low: 85, break: null },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};
