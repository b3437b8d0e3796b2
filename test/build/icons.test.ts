/**
 * The app icons: rendered from build/icon.svg by scripts/make-icons.mjs, present in every size the
 * installers need, and up to date with the SVG (an edited SVG without `npm run icons` fails here).
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const require = createRequire(import.meta.url);

/** [width, height] from a PNG's IHDR. */
function pngSize(png: Buffer): [number, number] {
  expect(png.subarray(1, 4).toString('ascii')).toBe('PNG');
  return [png.readUInt32BE(16), png.readUInt32BE(20)];
}

describe('app icons', () => {
  it('are up to date with build/icon.svg', async () => {
    const { stdout } = await run(process.execPath, ['scripts/make-icons.mjs', '--check']);
    expect(stdout).toMatch(/^icons up to date/);
  });

  it('cover 16..1024 px for Linux, 16..256 in the .ico and 16..1024 in the .icns', () => {
    const linux = readdirSync('build/icons').sort((a, b) => parseInt(a) - parseInt(b));
    expect(linux).toEqual([16, 24, 32, 48, 64, 128, 256, 512, 1024].map((s) => `${s}x${s}.png`));
    for (const name of linux) expect(pngSize(readFileSync(path.join('build/icons', name))).join('x') + '.png').toBe(name);

    const ico = readFileSync('build/icon.ico');
    expect([ico.readUInt16LE(0), ico.readUInt16LE(2)]).toEqual([0, 1]);
    const icoSizes = Array.from({ length: ico.readUInt16LE(4) }, (_, i) => ico[6 + 16 * i] || 256);
    expect(icoSizes).toEqual([16, 24, 32, 48, 64, 128, 256]);

    const icns = readFileSync('build/icon.icns');
    expect(icns.toString('ascii', 0, 4)).toBe('icns');
    expect(icns.readUInt32BE(4)).toBe(icns.length);
    const types: Record<string, number> = {};
    for (let at = 8; at < icns.length; at += icns.readUInt32BE(at + 4)) {
      types[icns.toString('ascii', at, at + 4)] = pngSize(icns.subarray(at + 8, at + icns.readUInt32BE(at + 4)))[0];
    }
    expect(types).toEqual({ icp4: 16, icp5: 32, icp6: 64, ic07: 128, ic08: 256, ic09: 512, ic10: 1024, ic11: 32, ic12: 64, ic13: 256, ic14: 512 });
  });

  it('are the ones the builder configuration names', () => {
    const config = require(path.resolve('electron-builder.cjs')) as Record<string, Record<string, string>>;
    for (const file of [config['linux']!['icon'], config['win']!['icon'], config['mac']!['icon'], config['nsis']!['installerIcon'], config['nsis']!['uninstallerIcon']]) {
      expect(existsSync(file!), file).toBe(true);
    }
  });
});
