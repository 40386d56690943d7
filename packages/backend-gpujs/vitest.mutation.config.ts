import { defineProject } from 'vitest/config';

/**
 * The tests that check the gpu.js backend's maths, for mutation testing (stryker.config.mjs).
 * Self-contained: Stryker runs it from a copy of this package, where ../../vitest.shared.ts does not exist.
 */
export default defineProject({
  resolve: { conditions: ['@deeplens/source'] },
  ssr: { resolve: { conditions: ['@deeplens/source'] } },
  test: { name: 'backend-gpujs-mutation', environment: 'node', testTimeout: 60_000, include: ['src/conformance-cpu.test.ts', 'src/broadcast-plan.test.ts'] },
});
