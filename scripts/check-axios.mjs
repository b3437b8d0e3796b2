#!/usr/bin/env node
// Fails (exit 1) when the production dependency tree resolves any axios below AXIOS_MINIMUM
// (see axios-floor.mjs for why and how to bump it). Usage:
//   node scripts/check-axios.mjs                 checks `npm ls --omit=dev axios --json --all`
//   node scripts/check-axios.mjs --tree FILE     checks a saved `npm ls --json` output instead
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { AXIOS_MINIMUM, findPackage, isBelowFloor } from './axios-floor.mjs';

function npmLs() {
  const args = ['ls', '--omit=dev', 'axios', '--json', '--all'];
  // Under `npm run`, use the same npm; otherwise whatever `npm` is on the PATH.
  const npmCli = process.env.npm_execpath;
  const [cmd, argv] = npmCli && /\.[cm]?js$/.test(npmCli) ? [process.execPath, [npmCli, ...args]] : ['npm', args];
  try {
    return execFileSync(cmd, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], shell: cmd === 'npm' && process.platform === 'win32' });
  } catch (err) {
    // npm ls exits non-zero for unrelated tree problems (extraneous packages...) but still prints the tree.
    if (err.stdout) return err.stdout;
    throw err;
  }
}

const treeFlag = process.argv.indexOf('--tree');
let tree;
try {
  tree = JSON.parse(treeFlag >= 0 ? readFileSync(process.argv[treeFlag + 1], 'utf8') : npmLs());
} catch (err) {
  console.error(`check-axios: could not read the dependency tree: ${err.message}`);
  process.exit(2);
}

const found = findPackage(tree, 'axios');
if (found.length === 0) {
  console.log('check-axios: no axios in the production dependency tree');
  process.exit(0);
}
const bad = found.filter((f) => f.missing || isBelowFloor(f.version));
for (const f of found) console.log(`check-axios: axios ${f.version ?? '(missing)'} via ${f.path}`);
if (bad.length > 0) {
  for (const f of bad) {
    console.error(
      f.missing
        ? `check-axios: FAIL: axios via ${f.path} is not installed (run npm install), so its version cannot be checked`
        : `check-axios: FAIL: axios ${f.version} via ${f.path} is below the required ${AXIOS_MINIMUM}`,
    );
  }
  console.error('check-axios: update the dependency that brings it (or add an npm "overrides" entry), then run this again.');
  process.exit(1);
}
console.log(`check-axios: ok, every axios is >= ${AXIOS_MINIMUM}`);
