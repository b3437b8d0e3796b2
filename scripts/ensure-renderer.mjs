// Builds the renderer (for the `serve` dashboard) when dist/renderer is missing or older than its sources,
// so `npm run serve` shows the UI on a fresh clone without a separate build step.
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { build } from 'vite';

const built = 'dist/renderer/index.html';
function newest(dir) {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(full) : statSync(full).mtimeMs);
  }
  return latest;
}
const stale = !existsSync(built) || statSync(built).mtimeMs < Math.max(newest('renderer'), statSync('electron/core/contract.ts').mtimeMs);
if (stale) {
  console.error('building the renderer for the dashboard…');
  process.env.NODE_ENV = 'production'; // React's production build, whatever the caller's environment
  await build({ logLevel: 'warn' });
}
