import { defineConfig } from 'vitest/config';

/** Shared by every package's vitest project: resolve sibling packages from source, no build needed. */
export const sharedTestConfig = defineConfig({
  resolve: { conditions: ['@deeplens/source'] },
  ssr: { resolve: { conditions: ['@deeplens/source'] } },
  test: {
    environment: 'node',
    include: ['src/**/*.test.ts', 'examples/**/*.test.ts'],
    testTimeout: 60_000,
    // The AWS SDK's notice that its 2027 releases will need Node 22 (the pinned one runs on Node 20).
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    reporters: ['default'],
  },
});
