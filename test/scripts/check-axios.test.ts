import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AXIOS_MINIMUM, compareVersions, findPackage, isBelowFloor } from '../../scripts/axios-floor.mjs';

const dir = mkdtempSync(join(tmpdir(), 'check-axios-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A saved `npm ls --json` tree with the given axios versions brought by two packages. */
function treeFile(direct: string, nested: string): string {
  const file = join(dir, `tree-${direct}-${nested}.json`);
  const tree = {
    name: 'app',
    dependencies: {
      '@n8n/localtunnel': { version: '3.0.0', dependencies: { axios: { version: direct } } },
      other: { version: '1.0.0', dependencies: { deeper: { version: '2.0.0', dependencies: { axios: { version: nested } } } } },
    },
  };
  writeFileSync(file, JSON.stringify(tree));
  return file;
}

describe('scripts/check-axios.mjs', () => {
  it('passes on the installed production tree and says what it found', () => {
    const out = execFileSync(process.execPath, ['scripts/check-axios.mjs'], { encoding: 'utf8' });
    expect(out).toMatch(/axios 1\.\d+\.\d+ via @n8n\/localtunnel > axios/);
    expect(out).toContain(`ok, every axios is >= ${AXIOS_MINIMUM}`);
  });

  it('fails with a clear message when any axios in the tree is below the floor', () => {
    const run = spawnSync(process.execPath, ['scripts/check-axios.mjs', '--tree', treeFile('1.21.1', '0.21.4')], { encoding: 'utf8' });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('FAIL: axios 0.21.4 via other > deeper > axios is below the required 1.21.0');
    expect(run.stderr).not.toContain('1.21.1 via');
    const ok = spawnSync(process.execPath, ['scripts/check-axios.mjs', '--tree', treeFile('1.21.1', '1.30.0')], { encoding: 'utf8' });
    expect(ok.status).toBe(0);
  });

  it('compares versions numerically, pre-releases below their release', () => {
    expect(AXIOS_MINIMUM).toBe('1.21.0');
    for (const low of ['0.21.4', '1.7.3', '1.20.9', '1.21.0-beta.1', '1.2.100']) expect(isBelowFloor(low)).toBe(true);
    for (const ok of ['1.21.0', '1.21.1', '1.100.0', '2.0.0']) expect(isBelowFloor(ok)).toBe(false);
    expect(compareVersions('1.9.0', '1.10.0')).toBeLessThan(0);
    expect(compareVersions('1.21.0-alpha', '1.21.0-beta')).toBeLessThan(0);
    expect(() => compareVersions('latest', '1.0.0')).toThrow(/not a semver/);
  });

  it('finds every copy in the tree, including missing ones', () => {
    expect(findPackage({ dependencies: { a: { version: '1.0.0', dependencies: { axios: { missing: true } } } } }, 'axios')).toEqual([
      { version: null, path: 'a > axios', missing: true },
    ]);
  });
});
