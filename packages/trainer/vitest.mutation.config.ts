import { defineProject } from 'vitest/config';

/**
 * The tests that check the trainer's schedules and metrics, for mutation testing
 * (stryker.config.mjs). Self-contained: Stryker runs it from a copy of this package.
 */
export default defineProject({
  resolve: { conditions: ['@deeplens/source'] },
  ssr: { resolve: { conditions: ['@deeplens/source'] } },
  test: {
    name: 'trainer-mutation',
    environment: 'node',
    testTimeout: 60_000,
    include: ['src/schedules/*.test.ts', 'src/metrics/*.test.ts', 'src/host-reads.test.ts', 'src/health/*.test.ts'],
  },
});
