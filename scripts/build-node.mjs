// Bundles the Node side (Electron main, preload, and the headless CLIs) with esbuild.
// Dependencies stay external: they are installed (and packaged) as node_modules.
// Outputs are replaced atomically and only when they changed: `npm run serve` rebuilds on every start,
// and a monitor (or a test) starting at that moment must never read a half-written bundle.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import { NODE_BUNDLE } from './node-bundle.mjs';

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

const common = {
  ...NODE_BUNDLE,
  sourcemap: 'linked',
  write: false,
  define: { __APP_VERSION__: JSON.stringify(version) },
};

function sameAsOnDisk(file, contents) {
  try {
    return Buffer.compare(readFileSync(file), contents) === 0;
  } catch {
    return false;
  }
}

function writeOutputs(result) {
  for (const { path: file, contents } of result.outputFiles) {
    if (sameAsOnDisk(file, contents)) continue;
    mkdirSync(path.dirname(file), { recursive: true });
    const temp = `${file}.${process.pid}.tmp`;
    writeFileSync(temp, contents);
    renameSync(temp, file);
  }
}

const results = await Promise.all([
  build({
    ...common,
    format: 'esm',
    entryPoints: {
      'cli/serve': 'electron/core/cli/serve.ts',
      'cli/export': 'electron/core/cli/export.ts',
    },
    outdir: 'dist',
    outExtension: { '.js': '.js' },
    banner: { js: '#!/usr/bin/env node' },
  }),
  // The Electron main process (ESM; electron and every other dependency stay external).
  build({
    ...common,
    format: 'esm',
    entryPoints: { 'main/main': 'electron/main/main.ts' },
    outdir: 'dist',
    external: ['electron'],
  }),
  // The preload: sandboxed preloads must be CommonJS, and may require nothing but electron
  // (test/electron/preload checks the bundle), so everything else is bundled in.
  build({
    ...common,
    packages: undefined,
    format: 'cjs',
    entryPoints: { 'preload/preload': 'electron/preload/preload.ts' },
    outdir: 'dist',
    outExtension: { '.js': '.cjs' },
    external: ['electron'],
  }),
]);
for (const result of results) writeOutputs(result);
