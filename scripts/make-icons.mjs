// `npm run icons`: renders build/icon.svg (the one icon source) into every icon the installers need:
//   build/icons/NxN.png  Linux (AppImage, deb), 16..1024
//   build/icon.ico       Windows (exe, NSIS installer and uninstaller), 16..256
//   build/icon.icns      macOS (app bundle, dmg), 16..1024
// Plain Node, no native modules and no browser. `--check` renders in memory and fails when the files
// on disk show other pixels (the test run uses it to catch an edited SVG with stale icons).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ICNS_TYPES, decodePng, encodeIco, encodeIcns, encodePng, readIcns, readIco } from '../build/icon-tools/formats.mjs';
import { parseIconSvg, renderIcon } from '../build/icon-tools/svg-raster.mjs';

const BUILD = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'build');
const LINUX_SIZES = [16, 24, 32, 48, 64, 128, 256, 512, 1024];
const ICO_SIZES = [16, 24, 32, 48, 64, 128, 256];

/** Every output file as { file, bytes }, rendered from the SVG. */
export function makeIcons(svgText) {
  const doc = parseIconSvg(svgText);
  const sizes = [...new Set([...LINUX_SIZES, ...ICO_SIZES, ...ICNS_TYPES.map(([, s]) => s)])].sort((a, b) => a - b);
  const renders = new Map(sizes.map((size) => {
    const rgba = renderIcon(doc, size);
    return [size, { size, rgba, png: encodePng(rgba, size) }];
  }));
  return [
    ...LINUX_SIZES.map((s) => ({ file: `icons/${s}x${s}.png`, bytes: renders.get(s).png })),
    { file: 'icon.ico', bytes: encodeIco(ICO_SIZES.map((s) => renders.get(s))) },
    { file: 'icon.icns', bytes: encodeIcns(new Map([...renders].map(([s, r]) => [s, r.png]))) },
  ];
}

/** What a file shows, independent of how zlib compressed it: decoded pixels per entry. */
function pixels(file, bytes) {
  const png = (data) => {
    const { width, height, rgba } = decodePng(data);
    return `${width}x${height}:${rgba.toString('base64')}`;
  };
  if (file.endsWith('.png')) return [png(bytes)];
  if (file.endsWith('.ico')) return readIco(bytes).map((e) => `${e.size}:${e.format === 'png' ? png(e.data) : e.data.toString('base64')}`);
  return readIcns(bytes).map((e) => `${e.type}:${png(e.data)}`);
}

function main() {
  const check = process.argv.includes('--check');
  const outputs = makeIcons(readFileSync(path.join(BUILD, 'icon.svg'), 'utf8'));
  const stale = [];
  for (const { file, bytes } of outputs) {
    const target = path.join(BUILD, file);
    if (check) {
      let same = false;
      try {
        const want = pixels(file, bytes);
        const have = pixels(file, readFileSync(target));
        same = want.length === have.length && want.every((p, i) => p === have[i]);
      } catch {
        same = false;
      }
      if (!same) stale.push(file);
    } else {
      mkdirSync(path.dirname(target), { recursive: true });
      writeFileSync(target, bytes);
    }
  }
  if (stale.length > 0) {
    console.error(`icons out of date with build/icon.svg (run npm run icons): ${stale.join(', ')}`);
    process.exitCode = 1;
    return;
  }
  const total = outputs.reduce((n, o) => n + o.bytes.length, 0);
  console.log(`${check ? 'icons up to date' : 'icons written'}: ${outputs.map((o) => o.file).join(', ')} (${(total / 1024).toFixed(0)} KiB) from build/icon.svg`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
