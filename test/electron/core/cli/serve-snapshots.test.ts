/**
 * Item snapshots end to end (issue 15): a real `serve` process, the localtunnel test server and the fake
 * portal enforcing the documented limits (burst 50, 2 requests/s). The backfill shows its progress in
 * /health and serve's log, is stopped in the middle with serve and finishes after the restart where it
 * stopped (the portal's request log shows no finished page fetched again); then a deal renamed (UPDATE
 * event) and deleted (DELETE event) reads back, in the dashboard's query and in the CSV export, with its
 * new title, amount and responsible user.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import qs from 'qs';
import { parse } from 'csv-parse/sync';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeBitrix24Portal, type RecordedRequest } from '../../../helpers/fake-bitrix24-portal.js';
import { LocaltunnelTestServer } from '../../../helpers/localtunnel-server.js';
import { EXPORT_BIN } from '../../../helpers/serve-process.js';
import { runServe } from '../../../helpers/running-serve.js';
import { tempDir } from '../../../helpers/temp-dir.js';
import { untilWithin } from '../../../helpers/until.js';

const cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const until = untilWithin(60_000);

interface BackfillHealth {
  status: string;
  done: number;
  total: number | null;
  reason: string | null;
}

const run = (args: string[]) => runServe<{ apps: { status: string; backfill?: BackfillHealth }[] }>(args, cleanups);

/** The backfill's pages in a recorded `batch` request: type, cursor and offset of each crm.item.list command. */
function backfillPages(r: RecordedRequest): string[] {
  const cmd = (r.params['cmd'] ?? {}) as Record<string, string>;
  return Object.values(cmd).flatMap((command) => {
    const [name, query = ''] = command.split('?');
    if (name !== 'crm.item.list') return [];
    const p = qs.parse(query) as { entityTypeId: string; select?: string[]; filter?: Record<string, string>; start?: string };
    // Pages read in order; the one-id counts (newest first) that give the totals are not pages.
    if (p.filter?.['>id'] === undefined || p.select?.join() === 'id') return [];
    return [`${p.entityTypeId}:${p.filter['>id']}:${p.start}`];
  });
}

describe('serve: item snapshots', () => {
  it('backfill with progress, stopped and resumed without fetching a finished page again; a renamed then deleted deal reads back with its new title', { timeout: 240_000 }, async () => {
    const portal = await FakeBitrix24Portal.start(); // documented limits: burst 50, 2/s
    cleanups.push(() => portal.close());
    portal.generateItems(1, 300);
    const deals = portal.generateItems(2, 6_000, { gapEvery: 7, gap: 2 });
    portal.generateItems(3, 120);
    portal.generateItems(1038, 60);
    const expected = 300 + 6_000 + 120 + 60;
    portal.restDelayMs = 700; // a slow portal: the backfill is still going when serve is stopped
    const tunnels = await LocaltunnelTestServer.start();
    cleanups.push(() => tunnels.close());
    const root = tempDir();
    const dataDir = path.join(root, 'data');
    const secretFile = path.join(root, 'client-secret.txt');
    writeFileSync(secretFile, portal.clientSecret + '\n', { mode: 0o600 });
    const common = ['--data-dir', dataDir, '--port', '0', '--tunnel-host', tunnels.host, '--subdomain', 'b24dm-snapshots-e2e', '--allow-loopback-portal', '--app-drain-seconds', '3600'];

    // 1. Install; the backfill starts and shows progress in /health and the log.
    let monitor = await run([...common, '--app', portal.domain, '--app-client-id', portal.clientId, '--app-client-secret-file', secretFile]);
    const url = await monitor.serve.waitFor('tunnel');
    expect((await portal.install(url)).status).toBe(200);
    const midway = await until('backfill past the leads and one batch of deals', async () => {
      const b = (await monitor.health()).apps[0]?.backfill;
      return b && b.done >= 2_800 && b.status === 'running' ? b : null;
    });
    expect(midway.done).toBeLessThan(expected);
    expect(midway.total).toBe(expected); // counted up front, one request for every type
    await until('a progress line', () => /snapshots: 127\.0\.0\.1:\d+ backfill [\d,]+\/6,480 \(\d+%\)/.test(monitor.serve.stderr()));
    expect(monitor.serve.stderr()).toMatch(/snapshots: 127\.0\.0\.1:\d+ backfill started \(7 types\)/);

    // 2. serve stopped in the middle; restarted without app flags, it finishes where it stopped.
    await monitor.stop();
    const before = portal.requests.filter((r) => r.method === 'batch').length;
    // Meanwhile a deal the backfill already read is renamed: the UPDATE event waits in the offline queue.
    const away = deals[10]!;
    expect((await portal.updateItem(2, away, { title: 'Renamed while serve was away', assignedById: 7 })).queued).toBe(true);
    monitor = await run(common);
    const done = await until('backfill done', async () => {
      const b = (await monitor.health()).apps[0]?.backfill;
      return b?.status === 'done' ? b : null;
    }, 120_000);
    expect(done).toMatchObject({ done: expected, total: expected, reason: null });
    expect(monitor.serve.stderr()).toMatch(new RegExp(`snapshots: 127\\.0\\.0\\.1:\\d+ backfill done: ${expected.toLocaleString('en-US')} items`));
    const batches = portal.requests.filter((r) => r.method === 'batch' && r.status === 200).map((r, i) => ({ i, pages: backfillPages(r) })).filter((b) => b.pages.length > 0);
    const seen = new Map<string, number>();
    const repeatedFrom = new Set<number>();
    for (const b of batches) {
      for (const page of b.pages) {
        if (seen.has(page)) repeatedFrom.add(seen.get(page)!);
        else seen.set(page, b.i);
      }
    }
    // At most the batch in flight at the stop was asked again; every finished page exactly once.
    expect(repeatedFrom.size).toBeLessThanOrEqual(1);
    expect(portal.requests.filter((r) => r.method === 'batch').length).toBeGreaterThan(before);
    expect(portal.requests.filter((r) => r.status === 503)).toEqual([]); // within the limits
    const pages = batches.reduce((sum, b) => sum + b.pages.length, 0);
    const progress = /snapshots: \S+ backfill [\d,]+\/[\d,]+ \(\d+%\)/.exec(monitor.serve.stderr())?.[0] ?? '(none after the restart)';
    // The figures a closing note quotes.
    console.info(
      `backfill: /health said ${midway.status} ${midway.done}/${midway.total} when serve was stopped; after the restart ${done.status} ${done.done}/${done.total}; ` +
        `${batches.length} batch requests, ${pages} pages, ${seen.size} distinct (${pages - seen.size} asked twice, from ${repeatedFrom.size} batch); 0 answered 503; a log line after the restart: "${progress}"`,
    );

    // 3. A deal renamed (UPDATE event: fetched by id), then deleted (DELETE event): the row shows the new state.
    portal.restDelayMs = 0;
    await until('offline queue drained', () => portal.offlineQueue.length === 0);
    const deal = deals[1234]!;
    const fetchesBefore = portal.requests.length;
    expect((await portal.updateItem(2, deal, { title: 'Renamed: server park', opportunity: 4321.5, currencyId: 'EUR', assignedById: 7 }, 1)).online.map((d) => d.status)).toEqual([200]);
    await until('the item fetched by id', () => portal.requests.slice(fetchesBefore).some((r) => r.method === 'batch' && JSON.stringify(r.params).includes('%40id')));
    await new Promise((r) => setTimeout(r, 500));
    expect((await portal.removeItem(2, deal, 1)).online.map((d) => d.status)).toEqual([200]);
    const row = await until('the deleted deal with its snapshot and responsible name', async () => (await monitor.rows()).find((r) => r.itemId === deal && r.snapshot?.responsibleName && r.userName));
    expect(row.snapshot).toMatchObject({ title: 'Renamed: server park', amount: 4321.5, currency: 'EUR', responsibleId: 7, responsibleName: 'Ivan Petrov' });
    expect(row).toMatchObject({ userName: 'Anna Admin', entityTypeName: 'Deal' });

    // The rename made while serve was away came through the offline queue's UPDATE row.
    await portal.removeItem(2, away, 1);
    const awayRow = await until('the deal renamed while away', async () => (await monitor.rows()).find((r) => r.itemId === away && r.snapshot));
    expect(awayRow.snapshot).toMatchObject({ title: 'Renamed while serve was away', responsibleId: 7 });

    const out = path.join(root, 'snapshots.csv');
    execFileSync(process.execPath, [EXPORT_BIN, '--data-dir', dataDir, '--out', out]);
    const csv = parse(readFileSync(out), { bom: true, columns: true }) as Record<string, string>[];
    expect(csv.find((r) => r['Item id'] === String(deal))).toMatchObject({ Title: 'Renamed: server park', Amount: '4321.5', Currency: 'EUR', Responsible: 'Ivan Petrov', 'Deleted by': 'Anna Admin' });
    await monitor.stop();
  });
});
