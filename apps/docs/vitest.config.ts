import { defineProject, mergeConfig } from 'vitest/config';
import { sharedTestConfig } from '../../vitest.shared.js';

/**
 * Unit tests (the playground's training session, the browser bundle) and the site's end-to-end tests
 * (tests/*.e2e.test.ts: the built site in headless Chromium; Nx builds the site and the CLI first).
 */
export default mergeConfig(sharedTestConfig, defineProject({
  test: { name: 'docs', include: ['browser/**/*.test.ts', 'playground/**/*.test.ts', 'tests/**/*.test.ts'], testTimeout: 120_000, hookTimeout: 120_000 },
}));
