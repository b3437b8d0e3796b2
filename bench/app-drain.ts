/**
 * `npm run bench:app-drain` (issue 14): deletions queued on a portal while the monitor was away, drained
 * and stored by the next start of a real `serve`, against the fake portal with the documented limits
 * (leaky bucket, burst 50, 2 requests/s) and fsync on. Meanwhile an even-paced client in its own process
 * (bench/children/paced-client.ts) posts webhook deletions, and the same load runs against a `serve`
 * without application mode: the two ack latencies say whether REST work delays answers.
 * `-- --rows N` (default 10,000), `-- --rate N` (default 200 a second). Not part of `npm test`.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { FakeBitrix24Portal } from '../test/helpers/fake-bitrix24-portal.js';
import { startServe } from '../test/helpers/serve-process.js';
import { request } from '../test/helpers/http-client.js';
import { FIXTURE_TOKEN } from './lib/bodies.js';
import { bundleChildren, runJsonChild } from './lib/procs.js';
import type { PacedResult, PacedSpec } from './children/paced-client.js';

const { values } = parseArgs({ options: { rows: { type: 'string' }, rate: { type: 'string' } }, strict: true });
const rows = Number(values.rows ?? 10_000);
const rate = Number(values.rate ?? 200);
await bundleChildren();

const paced = (port: number, durationS: number, idBase: number): Promise<PacedResult> =>
  runJsonChild<PacedResult>('paced-client', { url: `http://127.0.0.1:${port}/`, rate, durationS, idBase, maxSockets: 16 } satisfies PacedSpec);
const fmt = (r: PacedResult): string => `p50 ${r.latencyMs.p50.toFixed(2)} ms, p99 ${r.latencyMs.p99.toFixed(2)} ms, max ${r.latencyMs.max.toFixed(1)} ms (${r.answered}/${r.sent} answered, ${r.non2xx} non-2xx)`;

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
  const common = ['--data-dir', dataDir, '--port', '0', '--no-tunnel', '--no-dashboard', '--allow-loopback-portal', '--token', FIXTURE_TOKEN];
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
  // Webhook deletions at an even rate while the drain runs (the load spans the expected drain time).
  const duringDrain = paced(second.eventsPort, 10, 1);
  await until('all rows stored and cleared', async () => portal.offlineQueue.length === 0 && (await health(second.eventsPort)).deletions >= rows, 600_000);
  const drainS = (performance.now() - started) / 1000;
  const used = portal.requests.slice(requestsBefore);
  const appOn = await duringDrain;
  // Application mode on, queue empty (the steady state: only the periodic drain and name lookups).
  const appIdle = await paced(second.eventsPort, 10, 1_000_000);
  await second.stop();

  // The same load against a serve without application mode.
  const plainDir = path.join(root, 'plain');
  const plain = await startServe(['--data-dir', plainDir, '--port', '0', '--no-tunnel', '--no-dashboard', '--token', FIXTURE_TOKEN]);
  const appOff = await paced(plain.eventsPort, 10, 1);
  await plain.stop();
  console.log(
    `app drain: ${rows} queued deletions stored in ${drainS.toFixed(1)} s from serve start (limit 60 s) under burst ${portal.limits?.burst} / ${portal.limits?.perSecond} per s; ` +
      `${used.length} requests to the portal (${used.filter((r) => r.method === 'batch').length} batch, ${used.filter((r) => r.status === 503).length} answered 503); queueing took ${(queueMs / 1000).toFixed(1)} s`,
  );
  console.log(`ack latency at ${rate}/s, application mode on, during the drain: ${fmt(appOn)}`);
  console.log(`ack latency at ${rate}/s, application mode on, queue empty:      ${fmt(appIdle)}`);
  console.log(`ack latency at ${rate}/s, application mode off:                   ${fmt(appOff)}`);
  console.log(`p99 on/off: ${(appIdle.latencyMs.p99 / appOff.latencyMs.p99).toFixed(2)} (queue empty), ${(appOn.latencyMs.p99 / appOff.latencyMs.p99).toFixed(2)} (during the drain)`);
} finally {
  await portal.close();
  rmSync(root, { recursive: true, force: true });
}
