/**
 * `npm run bench:app-drain` (issue 14): deletions queued on a portal while the monitor was away, drained
 * and stored by the next start of a real `serve`, against the fake portal with the documented limits
 * (leaky bucket, burst 50, 2 requests/s) and fsync on. Prints one line per run; `-- --rows N` to change
 * the count (default 10,000). Not part of `npm test`. Needs `node scripts/build-node.mjs` first.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { FakeBitrix24Portal } from '../test/helpers/fake-bitrix24-portal.js';
import { startServe } from '../test/helpers/serve-process.js';
import { request } from '../test/helpers/http-client.js';

const { values } = parseArgs({ options: { rows: { type: 'string' } }, strict: true });
const rows = Number(values.rows ?? 10_000);

async function until(what: string, probe: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const root = mkdtempSync(path.join(os.tmpdir(), 'b24dm-bench-app-'));
const portal = await FakeBitrix24Portal.start();
try {
  const dataDir = path.join(root, 'data');
  const secretFile = path.join(root, 'secret');
  writeFileSync(secretFile, portal.clientSecret, { mode: 0o600 });
  const common = ['--data-dir', dataDir, '--port', '0', '--no-tunnel', '--no-dashboard', '--allow-loopback-portal'];
  const health = async (port: number): Promise<{ deletions: number; apps: { status: string }[] }> => (await request(port, { method: 'GET', path: '/health' })).json();

  // Connect (the install is posted straight to the listener: no tunnel in a benchmark), then go away.
  const first = await startServe([...common, '--app', portal.domain, '--app-client-id', portal.clientId, '--app-client-secret-file', secretFile]);
  await portal.install(`http://127.0.0.1:${first.eventsPort}/`);
  await until('connected and bound offline', async () => (await health(first.eventsPort)).apps[0]?.status === 'connected' && portal.bindings.length === 7, 30_000);
  await first.stop();

  const queued = performance.now();
  const base = Math.floor(Date.now() / 1000) - rows;
  for (let i = 0; i < rows; i++) await portal.deleteItem({ event: i % 2 ? 'ONCRMDEALDELETE' : 'ONCRMLEADDELETE', id: 100_000 + i, userId: 1 + (i % 40), ts: base + i });
  const queueMs = performance.now() - queued;

  const requestsBefore = portal.requests.length;
  const started = performance.now();
  const second = await startServe(common);
  await until('all rows stored and cleared', async () => portal.offlineQueue.length === 0 && (await health(second.eventsPort)).deletions === rows, 600_000);
  const drainS = (performance.now() - started) / 1000;
  const used = portal.requests.slice(requestsBefore);
  await second.stop();
  console.log(
    `app drain: ${rows} queued deletions stored in ${drainS.toFixed(1)} s from serve start (limit 60 s) under burst ${portal.limits?.burst} / ${portal.limits?.perSecond} per s; ` +
      `${used.length} requests to the portal (${used.filter((r) => r.method === 'batch').length} batch, ${used.filter((r) => r.status === 503).length} answered 503); queueing took ${(queueMs / 1000).toFixed(1)} s`,
  );
} finally {
  await portal.close();
  rmSync(root, { recursive: true, force: true });
}
