// Mutation testing of core's maths (pnpm mutation): every mutant of these files must make a test fail.
import { createRequire } from 'node:module';

// The runner is a root devDependency; pnpm does not hoist it where Stryker looks for plugins.
const fromRoot = createRequire(new URL('../../package.json', import.meta.url));

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  plugins: [fromRoot.resolve('@stryker-mutator/vitest-runner')],
  vitest: { configFile: 'vitest.mutation.config.ts' },
  // CORE_MUTATE=a.ts,b.ts mutates only those files (e.g. the ones a change touched).
  mutate: process.env.CORE_MUTATE ? process.env.CORE_MUTATE.split(',') : [
    'src/sae/sae-graph.ts',
    'src/sae/variant-graph.ts',
    'src/sae/variant-backward.ts',
    'src/sae/latent-selection.ts',
    'src/sae/aux-k.ts',
    'src/sae/batch-threshold.ts',
    'src/sae/b-dec-init.ts',
    'src/sae/architecture-rules.ts',
    'src/sae/device-losses.ts',
    'src/sae/step-plan.ts',
    'src/optim/adam.ts',
    'src/optim/adam-update.ts',
    'src/io/safetensors.ts',
    'src/cpu/top-k-kernel.ts',
  ],
  coverageAnalysis: 'perTest',
  concurrency: 2,
  timeoutMS: 5_000,
  reporters: ['clear-text', 'progress', 'json'],
  jsonReporter: { fileName: 'reports/mutation/core.json' },
  thresholds: { high: 90, low: 85, break: null },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};
