import { defineProject } from 'vitest/config';

/**
 * The tests that check core's maths, for mutation testing (stryker.config.mjs). Self-contained:
 * Stryker runs it from a copy of this package, where ../../vitest.shared.ts does not exist.
 */
export default defineProject({
  test: {
    name: 'core-mutation',
    environment: 'node',
    testTimeout: 60_000,
    include: ['src/cpu/cpu-backend.test.ts', 'src/sae/*.test.ts', 'src/optim/*.test.ts', 'src/io/safetensors*.test.ts', 'src/backend/*.test.ts'],
  },
});
