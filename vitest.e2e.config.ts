/**
 * End-to-end tests: Playwright drives the system Chromium against a real `serve` (built bundles and the
 * built renderer). Run with `npm run test:e2e`; the unit suites (vite.config.ts) never include these.
 */
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: '.',
    environment: 'node',
    include: ['test/e2e/**/*.e2e.test.ts'],
    globalSetup: ['test/e2e/helpers/global-setup.ts'],
    // One browser and one serve at a time: timings (post → row) stay meaningful on a 2-core machine.
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 90_000,
    teardownTimeout: 30_000,
    reporters: ['verbose'],
  },
});
