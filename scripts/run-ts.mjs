// Runs a TypeScript entry (benchmarks, one-off scripts) by bundling it with esbuild into
// node_modules/.cache and importing the result. Usage: node scripts/run-ts.mjs FILE.ts [args...]
import { build } from 'esbuild';
import { NODE_BUNDLE } from './node-bundle.mjs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const [entry, ...rest] = process.argv.slice(2);
if (!entry) {
  console.error('usage: node scripts/run-ts.mjs FILE.ts [args...]');
  process.exit(2);
}
const outfile = path.resolve('node_modules/.cache/run-ts', path.basename(entry).replace(/\.ts$/, '.mjs'));
await build({ ...NODE_BUNDLE, entryPoints: [entry], outfile });
process.argv = [process.argv[0], outfile, ...rest];
await import(pathToFileURL(outfile).href);
