import { configDefaults, defineProject, mergeConfig } from 'vitest/config';
import { sharedTestConfig } from '../../vitest.shared.js';

// Node only: the *.browser.test.ts files run in Chromium (vitest.browser.config.ts).
export default mergeConfig(sharedTestConfig, defineProject({ test: { name: 'backend-gpujs', exclude: [...configDefaults.exclude, 'src/**/*.browser.test.ts'] } }));
