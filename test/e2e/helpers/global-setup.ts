/**
 * Builds what the e2e tests run, once: the Node bundles (`dist/cli/serve.js`) and the renderer
 * (`dist/renderer`, which the dashboard serves). Fails early with a clear message when the browser is missing.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { assertChromium } from './browser.js';

export default function setup(): void {
  assertChromium();
  const started = Date.now();
  execFileSync(process.execPath, ['scripts/build-node.mjs'], { stdio: 'inherit' });
  // Vitest sets NODE_ENV=test, which would give a development build of React: build what users get.
  execFileSync(process.execPath, [path.resolve('node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'warn'], {
    stdio: 'inherit',
    env: { ...process.env, NODE_ENV: 'production' },
  });
  process.stdout.write(`e2e: built serve and the renderer in ${Date.now() - started} ms\n`);
}
