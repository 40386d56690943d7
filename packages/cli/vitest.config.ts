import { defineProject, mergeConfig } from 'vitest/config';
import { sharedTestConfig } from '../../vitest.shared.js';

// End-to-end tests spawn the built CLI (dist/), which Nx builds before `test`.
export default mergeConfig(sharedTestConfig, defineProject({ test: { name: 'cli', testTimeout: 180_000 } }));
