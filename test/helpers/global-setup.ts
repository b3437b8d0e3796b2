import { execFileSync } from 'node:child_process';

/** Tests that spawn `serve` or `export` run the built bundles, so build them once before the suite. */
export default function setup(): void {
  execFileSync(process.execPath, ['scripts/build-node.mjs'], { stdio: 'inherit' });
}
