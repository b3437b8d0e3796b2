/**
 * The Node.js versions the project says it needs are the ones its packages need: `engines`, the README,
 * the scripts that check the version and CI agree, and every installed package that would warn
 * EBADENGINE on the `engines` version is one the README names as needing the newer Node (and why).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import path from 'node:path';
import semver from 'semver';
import { describe, expect, it } from 'vitest';

interface Pkg {
  name: string;
  version: string;
  engines?: { node?: string };
  scripts?: Record<string, string>;
}
const root = JSON.parse(readFileSync('package.json', 'utf8')) as Pkg;
const readme = readFileSync('README.md', 'utf8');
/** The oldest Node.js `engines` allows, e.g. 20.19.0. */
const floor = semver.minVersion(root.engines!.node!)!.version;
/** What `npm start` and `npm run dist*` check for. */
const ELECTRON_TOOLING = '22.12';

function installedPackages(dir = 'node_modules'): Pkg[] {
  const found: Pkg[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
    const full = path.join(dir, entry.name);
    if (entry.name.startsWith('@')) {
      found.push(...installedPackages(full));
      continue;
    }
    const manifest = path.join(full, 'package.json');
    if (existsSync(manifest)) found.push(JSON.parse(readFileSync(manifest, 'utf8')) as Pkg);
    if (existsSync(path.join(full, 'node_modules'))) found.push(...installedPackages(path.join(full, 'node_modules')));
  }
  return found;
}

describe('Node.js requirements', () => {
  it('engines, the README and CI name the same minimum', () => {
    expect(root.engines?.node).toBe('>=20.19');
    expect(readme).toContain(`Needs Node.js ${floor.replace(/\.0$/, '')} or later`);
    expect(readme).toContain(`Node.js ${ELECTRON_TOOLING} or later for \`npm start\` and \`npm run dist\``);
    // CI checks the Node it was given against engines before it installs anything.
    expect(readFileSync('.ci/run', 'utf8')).toContain('scripts/require-node.mjs');
  });

  it('only Electron\'s own tooling asks for more than engines, and the README names each such package', () => {
    const needMore = installedPackages()
      .filter((pkg) => pkg.engines?.node && semver.validRange(pkg.engines.node) && !semver.satisfies(floor, pkg.engines.node))
      .map((pkg) => pkg.name);
    const unique = [...new Set(needMore)].sort();
    expect(unique).toEqual(['@electron-internal/extract-zip', '@electron/get', '@electron/rebuild', 'electron', 'node-abi']);
    for (const name of unique) expect(readme, name).toContain(`\`${name}\``);
  });

  it('npm start and npm run dist* stop at once, saying why, on a Node older than Electron\'s tooling needs', () => {
    for (const name of ['start', 'dist', 'dist:linux', 'dist:win', 'dist:mac']) {
      expect(root.scripts![name], name).toMatch(new RegExp(`^node scripts/require-node\\.mjs ${ELECTRON_TOOLING.replace('.', '\\.')} `));
    }
    const older = spawnSync(process.execPath, ['scripts/require-node.mjs', '99.0', 'npm start'], { encoding: 'utf8' });
    expect(older.status).toBe(1);
    expect(older.stderr).toContain(`npm start needs Node.js 99.0 or later (Electron's tooling requires it); this is Node.js ${process.version}.`);
    expect(execFileSync(process.execPath, ['scripts/require-node.mjs', '20.19', 'npm test'], { encoding: 'utf8' })).toBe('');
    expect(spawnSync(process.execPath, ['scripts/require-node.mjs', 'x'], { encoding: 'utf8' }).status).toBe(2);
  });
});
