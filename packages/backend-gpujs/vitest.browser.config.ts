import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { playwright } from '@vitest/browser-playwright';
import { defineProject } from 'vitest/config';

/**
 * The conformance suite in a real browser: Debian's Chromium (no browser download; install it with
 * `apt-get install -y --no-install-recommends chromium`, or point CHROMIUM_PATH at another
 * Chromium/Chrome), driven by Playwright, headless, WebGL2 and WebGL on SwiftShader.
 */
const executablePath = process.env['CHROMIUM_PATH'] ?? '/usr/lib/chromium/chromium';
if (!existsSync(executablePath)) {
  throw new Error(`the browser tests need Chromium at ${executablePath}: apt-get install -y --no-install-recommends chromium (Debian), or set CHROMIUM_PATH`);
}
const golden = fileURLToPath(new URL('../core/fixtures/golden/', import.meta.url));

export default defineProject({
  resolve: { conditions: ['@deeplens/source'] },
  // The golden fixtures are fetched from the dev server's file route (/@fs/…), as a page would fetch them.
  define: { __DEEPLENS_GOLDEN_URL__: JSON.stringify(`/@fs${golden}`) },
  server: { fs: { allow: [fileURLToPath(new URL('../..', import.meta.url))] } },
  optimizeDeps: { include: ['gpu.js'] },
  test: {
    name: 'backend-gpujs-browser',
    include: ['src/**/*.browser.test.ts'],
    testTimeout: 120_000,
    browser: {
      enabled: true,
      headless: true,
      screenshotFailures: false,
      instances: [{ browser: 'chromium' }],
      provider: playwright({ launchOptions: { executablePath, args: ['--enable-unsafe-webgpu'] } }),
    },
  },
});
