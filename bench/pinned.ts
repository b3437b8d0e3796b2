/**
 * `npm run bench:pinned`: only the pinned rows of `npm run bench` (wrk on core 0; bare node:http,
 * serve --no-fsync and durable serve on core 1; 100k history), for checking a change in a minute.
 * Options: --rounds N (default 3), --seconds N (default 5). Writes nothing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { cachedHistory } from './lib/history.js';
import { bundleChildren, cpuBusy } from './lib/procs.js';
import { pinnedUnavailable, runPinned } from './lib/pinned.js';
import { describePinned } from './lib/pinned-rows.js';

const { values: flags } = parseArgs({ options: { rounds: { type: 'string', default: '3' }, seconds: { type: 'string', default: '5' } }, strict: true });
const log = (line: string): void => void process.stdout.write(`${line}\n`);
const unavailable = pinnedUnavailable();
if (unavailable) {
  console.error(`bench:pinned: ${unavailable}`);
  process.exit(2);
}
await bundleChildren();
const tempRoot = mkdtempSync(path.join(os.tmpdir(), 'b24dm-pinned-'));
try {
  const history = await cachedHistory(100_000, log);
  log(`machine ${Math.round((await cpuBusy(1000)) * 100)}% busy with other work before the run`);
  let idBase = 10_000_000;
  const result = await runPinned({
    history,
    tempRoot,
    rounds: Number(flags.rounds),
    durationS: Number(flags.seconds),
    warmupS: 2,
    connections: 10,
    nextIdBase: () => (idBase += 10_000_000),
    log,
  });
  for (const line of describePinned(result)) log(line);
} finally {
  rmSync(tempRoot, { recursive: true, force: true });
}
