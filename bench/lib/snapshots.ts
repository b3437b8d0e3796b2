/**
 * The item-snapshot rows of the benchmark (issue 15), shared by `npm run bench` and
 * `npm run bench:snapshots`:
 * - start: `serve` in application mode on a data folder with N deletions and N live + N frozen snapshots
 *   (written with the snapshot store's own writer), spawn → /health 200, and its RSS then;
 * - backfill: N items on the fake portal enforcing 2 requests/s with burst 50, a real `serve` connected
 *   to it, install → backfill done (from /health), with the requests it took.
 */
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { SnapshotStore, type StoredSnapshot } from '../../electron/core/portal-app/snapshot-store.js';
import { FakeBitrix24Portal } from '../../test/helpers/fake-bitrix24-portal.js';
import { HISTORY_PORTAL, copyHistory, type HistoryInfo } from './history.js';
import { memoryOf, startServe } from './procs.js';
import { DASHBOARD } from '../../electron/core/contract.js';
import { FIXTURE_TOKEN } from './bodies.js';

const TYPES = [1, 2, 3, 4, 1038];

function snapshotOf(i: number): StoredSnapshot {
  return { title: `Deal ${i}: supply of equipment`, amount: (i % 10_000) * 10 + 0.5, currency: i % 2 ? 'USD' : 'RUB', responsibleId: 1 + (i % 40), updatedAt: 1_700_000_000_000 + i * 1000, takenAt: 1_700_000_000_000 + i * 1000 };
}

/** Writes `count` live snapshots (spread over five types) and a frozen one for each seq 1..count. */
export async function writeSnapshots(dataDir: string, count: number): Promise<number> {
  const started = performance.now();
  const store = await SnapshotStore.open(dataDir);
  const perType = Math.ceil(count / TYPES.length);
  for (const [t, entityTypeId] of TYPES.entries()) {
    const first = t * perType + 1;
    const last = Math.min(count, (t + 1) * perType);
    for (let id = first; id <= last; id += 1024) {
      const items = Array.from({ length: Math.min(1024, last - id + 1) }, (_, j) => ({ id: id + j, snapshot: snapshotOf(id + j) }));
      await store.put(HISTORY_PORTAL, entityTypeId, items);
    }
  }
  for (let seq = 1; seq <= count; seq += 10_000) {
    const entries = Array.from({ length: Math.min(10_000, count - seq + 1) }, (_, j) => ({ seq: seq + j, portal: HISTORY_PORTAL, entityTypeId: 2, itemId: seq + j, snapshot: snapshotOf(seq + j) }));
    await store.writeFrozen(entries);
  }
  return performance.now() - started;
}

export interface SnapshotStartResult {
  deletions: number;
  snapshots: number;
  writeMs: number;
  readyMs: number;
  rssMB: number;
  rssAfterQueryMB: number;
}

/** `serve` (application mode on) started on `history` plus as many snapshots: spawn → /health 200, RSS. */
export async function benchSnapshotStart(history: HistoryInfo, target: string, log: (line: string) => void): Promise<SnapshotStartResult> {
  copyHistory(history, target);
  const writeMs = await writeSnapshots(target, history.size);
  log(`  wrote ${history.size.toLocaleString('en-US')} live + ${history.size.toLocaleString('en-US')} frozen snapshots in ${(writeMs / 1000).toFixed(1)} s`);
  const serve = await startServe(target, {
    token: FIXTURE_TOKEN,
    dashboard: true,
    extraArgs: ['--app', 'acme.bitrix24.com', '--app-client-id', 'local.0123456789abcd.12345678'],
    env: { B24DM_APP_KEY: '3c'.repeat(32), B24DM_APP_CLIENT_SECRET: 'bench-secret-0123456789' },
  });
  try {
    const { rssMB } = memoryOf(serve.pid);
    // The newest rows, as the dashboard's first page reads them (joins a frozen block's index lazily).
    const dashboard = new URL(serve.dashboardUrl!);
    const key = new URLSearchParams(dashboard.hash.slice(1)).get('key')!;
    const answer = await fetch(`http://127.0.0.1:${dashboard.port}${DASHBOARD.callPath}queryDeletions`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', [DASHBOARD.keyHeader]: key },
      body: JSON.stringify({ args: [{ filter: {}, offset: 0, limit: 100 }] }),
    }).catch(() => null);
    const rows = answer?.ok ? (((await answer.json()) as { result: { rows: { snapshot?: unknown }[] } }).result.rows ?? []) : [];
    if (!rows.some((r) => r.snapshot)) log('  (the newest rows came back without snapshots: check the dashboard call path)');
    const after = memoryOf(serve.pid);
    return { deletions: history.size, snapshots: history.size, writeMs, readyMs: serve.readyMs, rssMB, rssAfterQueryMB: after.rssMB };
  } finally {
    await serve.stop();
    rmSync(target, { recursive: true, force: true });
  }
}

export interface BackfillResult {
  items: number;
  seconds: number;
  requests: number;
  batches: number;
  throttled: number;
  limits: string;
}

/** N items on the fake portal (2/s, burst 50), a real `serve` connected to it: install → backfill done. */
export async function benchBackfill(items: number, root: string, log: (line: string) => void): Promise<BackfillResult> {
  const portal = await FakeBitrix24Portal.start({ limits: { burst: 50, perSecond: 2 } });
  try {
    const split = [0.3, 0.4, 0.15, 0.05, 0.1];
    [1, 2, 3, 4, 1038].forEach((type, i) => portal.generateItems(type, Math.round(items * split[i]!), { gapEvery: 9, gap: 2 }));
    const total = [1, 2, 3, 4, 7, 31, 1038].reduce((n, t) => n + portal.itemCount(t), 0);
    const dataDir = path.join(root, 'backfill');
    const secretFile = path.join(root, 'backfill-secret');
    writeFileSync(secretFile, portal.clientSecret, { mode: 0o600 });
    const serve = await startServe(dataDir, {
      token: FIXTURE_TOKEN,
      dashboard: false,
      extraArgs: ['--allow-loopback-portal', '--app', portal.domain, '--app-client-id', portal.clientId, '--app-client-secret-file', secretFile],
      env: { B24DM_APP_KEY: '4d'.repeat(32) },
    });
    try {
      const health = async (): Promise<{ apps: { status: string; backfill?: { status: string; done: number; total: number | null } }[] }> =>
        (await fetch(`${serve.eventsUrl}health`)).json() as never;
      const started = performance.now();
      // No tunnel in a benchmark: the install goes straight to the listener (handlers are bound offline only).
      await portal.install(serve.eventsUrl);
      let lastLog = 0;
      for (;;) {
        const b = (await health()).apps[0]?.backfill;
        if (b?.status === 'done') break;
        if (performance.now() - started > 600_000) throw new Error('backfill not done in 10 minutes');
        if (b && performance.now() - lastLog > 10_000) {
          lastLog = performance.now();
          log(`  ${b.done.toLocaleString('en-US')}/${b.total?.toLocaleString('en-US') ?? '?'} (${b.status})`);
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      const seconds = (performance.now() - started) / 1000;
      return {
        items: total,
        seconds,
        requests: portal.requests.filter((r) => r.server === 'portal').length,
        batches: portal.calls('batch').length,
        throttled: portal.requests.filter((r) => r.status === 503).length,
        limits: `burst ${portal.limits?.burst}, ${portal.limits?.perSecond}/s`,
      };
    } finally {
      await serve.stop();
    }
  } finally {
    await portal.close();
  }
}
