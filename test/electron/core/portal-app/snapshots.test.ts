/**
 * Item snapshots inside a real MonitorCore (temp data folder, real listener, the localtunnel test server,
 * the fake portal): the backfill's status, add/update events verified like any event (and handed back
 * to the pipeline when no application portal vouches for them), a snapshot frozen at deletion and read
 * back with the row, a pause with a reason that is retried, and uninstall dropping live snapshots and
 * the backfill's progress while frozen snapshots stay.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startCore } from '../../../helpers/core-harness.js';
import { FakeBitrix24Portal } from '../../../helpers/fake-bitrix24-portal.js';
import { LocaltunnelTestServer } from '../../../helpers/localtunnel-server.js';
import { httpBuildQuery } from '../../../helpers/php-form.js';
import { postEvent } from '../../../helpers/http-client.js';
import { envKeyProvider } from '../../../../electron/core/portal-app/secret-box.js';
import { backfillFile } from '../../../../electron/core/portal-app/snapshot-backfill.js';
import { portalFolder } from '../../../../electron/core/portal-app/snapshot-store.js';
import { untilWithin } from '../../../helpers/until.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const KEY = envKeyProvider('TEST_KEY', '2e'.repeat(32));
const WEBHOOK_TOKEN = 'w'.repeat(32);

const until = untilWithin(20_000);

describe('application mode: item snapshots', () => {
  it('backfills with status, verifies add/update events, freezes at deletion, pauses with a reason, and forgets live snapshots at uninstall', async () => {
    const portal = await FakeBitrix24Portal.start({ limits: null });
    cleanups.push(() => portal.close());
    const tunnels = await LocaltunnelTestServer.start();
    cleanups.push(() => tunnels.close());
    portal.generateItems(2, 180);
    portal.generateItems(31, 20);
    const { core, port, dataDir } = await startCore({
      tokens: [WEBHOOK_TOKEN],
      tunnel: { enabled: true, host: tunnels.host, subdomain: 'b24dm-snapshots' },
      apps: {
        keys: KEY,
        allowLoopback: true,
        drainIntervalMs: 60_000,
        backfillRetryMs: 300,
        rest: { perSecond: 50, concurrency: 4, minBackoffMs: 20, retries: 1, timeoutMs: 5_000 },
        expect: { domain: portal.domain, clientId: portal.clientId, clientSecret: portal.clientSecret },
      },
    });
    await until('tunnel', () => core.tunnelState.status === 'online');
    expect((await portal.install(tunnels.url('b24dm-snapshots'))).status).toBe(200);
    const done = await until('backfill done', async () => {
      const b = (await core.getStatus()).apps?.[0]?.backfill;
      return b?.status === 'done' ? b : null;
    });
    expect(done).toMatchObject({ done: 200, total: 200, reason: null, finishedAt: expect.any(Number) });
    expect(done.types.find((t) => t.entityTypeId === 2)).toEqual({ entityTypeId: 2, done: 180, total: 180, finished: true });
    expect(done.types.map((t) => t.entityTypeId).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 7, 31, 1038]);

    // An update from no application portal goes back to the pipeline: a webhook's token is acknowledged
    // and ignored as before, an unknown token refused; neither makes a REST call.
    const before = portal.requests.length;
    const update = (token: string, domain = 'webhook.bitrix24.com'): string =>
      httpBuildQuery({ event: 'ONCRMDEALUPDATE', data: { FIELDS: { ID: '5' } }, ts: '1800000000', auth: { domain, application_token: token } });
    expect((await postEvent(port, update(WEBHOOK_TOKEN))).json()).toMatchObject({ ok: true, ignored: true });
    expect((await postEvent(port, update('z'.repeat(32), portal.domain))).status).toBe(401);
    await new Promise((r) => setTimeout(r, 700));
    expect(portal.requests.length).toBe(before);

    // A new invoice, then renamed: the add and update events fetch it by id; deleted, its row shows it.
    const added = await portal.addItem(31, { title: 'Invoice for servers', opportunity: 990, currencyId: 'EUR', assignedById: 7 });
    expect(added.online.map((d) => d.status)).toEqual([200]);
    await portal.updateItem(31, added.id, { title: 'Invoice for servers (final)' });
    await until('fetched by id', () => portal.calls('batch').some((r) => JSON.stringify(r.params).includes('%40id') && JSON.stringify(r.params).includes(`%5D=${added.id}`)));
    await new Promise((r) => setTimeout(r, 800));
    await portal.removeItem(31, added.id, 1);
    const row = await until('row with snapshot', async () => (await core.queryDeletions({ filter: {}, offset: 0, limit: 10 })).rows.find((r) => r.itemId === added.id && r.snapshot?.responsibleName));
    expect(row.snapshot).toMatchObject({ title: 'Invoice for servers (final)', amount: 990, currency: 'EUR', responsibleId: 7, responsibleName: 'Ivan Petrov', updatedAt: expect.any(Number) });
    // The monitor's own CSV (the desktop's Export and the dashboard's download read the same source).
    const csvFile = path.join(dataDir, '..', `snapshots-${Date.now()}.csv`);
    await core.exportCsv({ filter: {}, path: csvFile });
    const csv = parse(readFileSync(csvFile), { bom: true, columns: true }) as Record<string, string>[];
    expect(csv.find((r) => r['Item id'] === String(added.id))).toMatchObject({ Title: 'Invoice for servers (final)', Amount: '990', Currency: 'EUR', Responsible: 'Ivan Petrov' });
    // An item the monitor never saw: the row simply has no snapshot.
    await portal.deleteItem({ event: 'ONCRMLEADDELETE', id: 999_999, userId: 1 });
    const bare = await until('row without snapshot', async () => (await core.queryDeletions({ filter: {}, offset: 0, limit: 10 })).rows.find((r) => r.itemId === 999_999));
    expect(bare.snapshot).toBeUndefined();

    // A new smart process appears (found at the next start); the portal fails its listing twice:
    // paused with the portal's reason, then retried and finished.
    await core.stop();
    portal.ownerTypes = [...portal.ownerTypes, { ID: 1040, NAME: 'Repairs', SYMBOL_CODE: 'DYNAMIC_1040' }];
    portal.generateItems(1040, 30);
    portal.failNext('crm.item.list', 2);
    const { core: again } = await startCore({
      dataDir,
      tunnel: { enabled: false },
      apps: { keys: KEY, allowLoopback: true, drainIntervalMs: 60_000, backfillRetryMs: 1_000, rest: { perSecond: 50, concurrency: 4, minBackoffMs: 20, retries: 1, timeoutMs: 5_000 } },
    });
    const paused = await until('paused with a reason', async () => {
      const b = (await again.getStatus()).apps?.[0]?.backfill;
      return b?.status === 'paused' && b.reason ? b : null;
    });
    expect(paused.reason).toMatch(/QUERY_LIMIT_EXCEEDED/);
    const finished = await until('resumed and done', async () => {
      const b = (await again.getStatus()).apps?.[0]?.backfill;
      return b?.status === 'done' && b.types.some((t) => t.entityTypeId === 1040 && t.finished) ? b : null;
    });
    expect(finished.done).toBe(230);

    // Uninstall: live snapshots and the backfill's progress go; the frozen one stays with the row.
    await again.stop();
    const { core: third } = await startCore({ dataDir, tunnel: { enabled: true, host: tunnels.host, subdomain: 'b24dm-snapshots' }, apps: { keys: KEY, allowLoopback: true } });
    await until('tunnel', () => third.tunnelState.status === 'online');
    await until('bound again', () => portal.bindings.some((b) => b.event === 'ONAPPUNINSTALL'));
    await portal.uninstall();
    await until('live snapshots gone', () => !existsSync(path.join(dataDir, 'snapshots', 'live', portalFolder(portal.domain))));
    expect(existsSync(backfillFile(dataDir, portal.domain))).toBe(false);
    expect(readdirSync(path.join(dataDir, 'snapshots', 'frozen')).length).toBeGreaterThan(0);
    const kept = (await third.queryDeletions({ filter: {}, offset: 0, limit: 10 })).rows.find((r) => r.itemId === added.id);
    expect(kept?.snapshot).toMatchObject({ title: 'Invoice for servers (final)' });
  });
});
