import { defineConfig } from 'vitest/config';

/** Shared by every package's vitest project: resolve sibling packages from source, no build needed. */
export const sharedTestConfig = defineConfig({
  resolve: { conditions: ['@deeplens/source'] },
  ssr: { resolve: { conditions: ['@deeplens/source'] } },
  test: {
    environment: 'node',
    include: ['src/**/*.test.ts', 'examples/**/*.test.ts'],
    testTimeout: 60_000,
    reporters: ['default'],
  },
});
