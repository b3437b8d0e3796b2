/**
 * `npm run bench:snapshots` (issue 15): the two item-snapshot rows of `npm run bench`, alone.
 * (a) `serve` start → /health 200 with N deletions and N snapshots on disk (target ≤ 1 s, RSS ≤ 250 MB);
 * (b) the backfill of M items against the fake portal enforcing 2 requests/s, burst 50 (target ≤ 2 min).
 * `-- --deletions N` (default 1,000,000), `-- --items M` (default 100,000), `-- --quick` (100k / 20k).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { cachedHistory } from './lib/history.js';
import { benchBackfill, benchSnapshotStart } from './lib/snapshots.js';

const { values } = parseArgs({ options: { deletions: { type: 'string' }, items: { type: 'string' }, quick: { type: 'boolean' } }, strict: true });
const deletions = Number(values.deletions ?? (values.quick ? 100_000 : 1_000_000));
const items = Number(values.items ?? (values.quick ? 20_000 : 100_000));
const log = (line: string): void => void process.stdout.write(`${line}\n`);
const root = mkdtempSync(path.join(os.tmpdir(), 'b24dm-bench-snapshots-'));
try {
  const history = await cachedHistory(deletions, log);
  log(`[snapshots] serve start with ${deletions.toLocaleString('en-US')} deletions and as many snapshots`);
  const start = await benchSnapshotStart(history, path.join(root, 'start'), log);
  log(`snapshots start: ${start.deletions.toLocaleString('en-US')} deletions + ${start.snapshots.toLocaleString('en-US')} live + ${start.snapshots.toLocaleString('en-US')} frozen snapshots: start → /health 200 in ${Math.round(start.readyMs)} ms (target ≤ 1000), RSS ${start.rssMB.toFixed(0)} MB (target ≤ 250), ${start.rssAfterQueryMB.toFixed(0)} MB after reading the newest 100 rows with their snapshots`);
  log(`[snapshots] backfill of ${items.toLocaleString('en-US')} items against the fake portal (2 requests/s, burst 50)`);
  const backfill = await benchBackfill(items, root, log);
  log(`snapshots backfill: ${backfill.items.toLocaleString('en-US')} items in ${backfill.seconds.toFixed(1)} s (target ≤ 120 s) under ${backfill.limits}; ${backfill.requests} requests to the portal (${backfill.batches} batch), ${backfill.throttled} answered 503`);
} finally {
  rmSync(root, { recursive: true, force: true });
}
