import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from './temp-dir.js';

/** What sits next to (outside) every fake renderer: no dashboard answer may ever contain it. */
export const SECRET = 'TOP-SECRET-CONTENTS';

/**
 * A built-renderer stand-in for the dashboard's static files: `renderer/index.html` (`indexHtml`),
 * `assets/app.js` and `assets/app.css`, with `secret.txt` next to the folder. Returns both folders.
 */
export function fakeRenderer(indexHtml: string): { root: string; dir: string } {
  const root = tempDir();
  const dir = path.join(root, 'renderer');
  mkdirSync(path.join(dir, 'assets'), { recursive: true });
  writeFileSync(path.join(dir, 'index.html'), indexHtml);
  writeFileSync(path.join(dir, 'assets', 'app.js'), 'console.log("app")\n');
  writeFileSync(path.join(dir, 'assets', 'app.css'), 'body{}\n');
  writeFileSync(path.join(root, 'secret.txt'), SECRET);
  return { root, dir };
}
