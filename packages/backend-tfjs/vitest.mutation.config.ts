import { defineProject } from 'vitest/config';

/**
 * The tests that check the tfjs backend's maths, for mutation testing (stryker.config.mjs).
 * Self-contained: Stryker runs it from a copy of this package, where ../../vitest.shared.ts does not exist.
 */
export default defineProject({
  resolve: { conditions: ['@deeplens/source'] },
  ssr: { resolve: { conditions: ['@deeplens/source'] } },
  test: {
    name: 'backend-tfjs-mutation',
    environment: 'node',
    testTimeout: 60_000,
    include: ['src/conformance-wasm.test.ts', 'src/conformance-cpu.test.ts', 'src/training-memory.test.ts', 'src/engine-lock.test.ts', 'src/tf-sparse.test.ts'],
  },
});
