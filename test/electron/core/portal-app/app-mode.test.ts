/**
 * Application mode inside a real MonitorCore (temp data folder, real listener, the localtunnel test
 * server, the fake portal): install acceptance and forged installs, bindings, online deletions with
 * names joined on read, the offline-queue drain, and uninstall.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startCore } from '../../../helpers/core-harness.js';
import { FakeBitrix24Portal, type FakePortalOptions } from '../../../helpers/fake-bitrix24-portal.js';
import { LocaltunnelTestServer } from '../../../helpers/localtunnel-server.js';
import { httpBuildQuery } from '../../../helpers/php-form.js';
import { postEvent } from '../../../helpers/http-client.js';
import { tempDir } from '../../../helpers/temp-dir.js';
import { envKeyProvider } from '../../../../electron/core/portal-app/secret-box.js';
import type { MonitorCore } from '../../../../electron/core/monitor-core.js';
import { OFFLINE_EVENTS, ONLINE_EVENTS } from '../../../../electron/core/portal-app/bindings.js';
import { untilWithin } from '../../../helpers/until.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const KEY = envKeyProvider('TEST_KEY', '1f'.repeat(32));
const FAST = { perSecond: 20, concurrency: 4, minBackoffMs: 50, timeoutMs: 5_000 };

const until = untilWithin(20_000);

/** A host a forged install names: it must never be called. */
async function recorder(): Promise<{ url: string; hits: string[] }> {
  const hits: string[] = [];
  const server = http.createServer((req, res) => {
    hits.push(`${req.method} ${req.url}`);
    res.end('{}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits };
}

async function world(options: FakePortalOptions = {}) {
  const portal = await FakeBitrix24Portal.start({ limits: { burst: 50, perSecond: 2 }, ...options });
  cleanups.push(() => portal.close());
  const tunnels = await LocaltunnelTestServer.start();
  cleanups.push(() => tunnels.close());
  const dataDir = tempDir();
  return { portal, tunnels, dataDir };
}

async function startApp(w: Awaited<ReturnType<typeof world>>, expect?: boolean): Promise<{ core: MonitorCore; port: number }> {
  return startCore({
    dataDir: w.dataDir,
    tunnel: { enabled: true, host: w.tunnels.host, subdomain: 'b24dm-appmode' },
    apps: {
      keys: KEY,
      allowLoopback: true,
      drainIntervalMs: 60_000,
      rest: FAST,
      ...(expect && { expect: { domain: w.portal.domain, clientId: w.portal.clientId, clientSecret: w.portal.clientSecret } }),
    },
  });
}

function health(core: MonitorCore): Promise<Record<string, unknown>> {
  return fetch(`${core.eventsUrl}health`).then((r) => r.json() as Promise<Record<string, unknown>>);
}

function grepDataDir(dir: string, secrets: Iterable<string>): string[] {
  const found: string[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const file = path.join(d, name);
      if (statSync(file).isDirectory()) walk(file);
      else {
        const text = readFileSync(file, 'latin1');
        for (const s of secrets) if (text.includes(s)) found.push(`${path.relative(dir, file)}: ${s.slice(0, 6)}…`);
      }
    }
  };
  walk(dir);
  return found;
}

describe('application mode in the core', () => {
  it('connects on a proven ONAPPINSTALL, binds to the tunnel URL, stores online deletions with names on read, drains the queue after a restart, and wipes on uninstall', async () => {
    const w = await world();
    let { core } = await startApp(w, true);
    const url = w.tunnels.url('b24dm-appmode');
    await until('tunnel', () => core.tunnelState.status === 'online');

    expect((await w.portal.install(url)).status).toBe(200);
    await until('connected', async () => ((await health(core))['apps'] as { status: string }[])[0]?.status === 'connected');
    await until('bindings', () => w.portal.bindings.length === ONLINE_EVENTS.length + OFFLINE_EVENTS.length);
    expect(w.portal.bindings.filter((b) => b.eventType === 'online').map((b) => b.handler)).toEqual(Array(ONLINE_EVENTS.length).fill(url));
    expect(w.portal.bindings.filter((b) => b.eventType === 'offline').map((b) => b.event).sort()).toEqual(
      [...OFFLINE_EVENTS].sort(),
    );
    // Only the configured portal and its OAuth server were called.
    expect(w.portal.requests.every((r) => r.server === 'portal' || r.server === 'oauth')).toBe(true);

    const online = await w.portal.deleteItem({ event: 'ONCRMDYNAMICITEMDELETE', id: 41, entityTypeId: 1038, userId: 7 });
    expect(online.online.map((d) => d.status)).toEqual([200]);
    const row = await until('name joined', async () => {
      const page = await core.queryDeletions({ filter: {}, offset: 0, limit: 10 });
      return page.rows.find((r) => r.itemId === 41 && r.userName);
    });
    expect(row).toMatchObject({ portal: w.portal.domain, userId: 7, userName: 'Ivan Petrov', entityTypeName: 'Equipment purchase', byUser: true });

    // Away: three deletions queue on the portal (the online posts fail), plus the one already stored.
    await core.stop();
    for (const id of [51, 52, 53]) await w.portal.deleteItem({ event: 'ONCRMDEALDELETE', id, userId: 1 });
    // 41 was queued too (online and offline bindings both exist) unless ONOFFLINEEVENT already drained it.
    expect(w.portal.offlineQueue.length).toBeGreaterThanOrEqual(3);
    ({ core } = await startApp(w));
    await until('queue drained', () => w.portal.offlineQueue.length === 0);
    const rows = await until('drained rows with names', async () => {
      const page = await core.queryDeletions({ filter: {}, offset: 0, limit: 10 });
      return page.rows.length === 4 && page.rows.every((r) => r.userName) ? page.rows : null;
    });
    expect(rows.map((r) => r.itemId).sort()).toEqual([41, 51, 52, 53]);
    expect(rows.filter((r) => r.itemId !== 41).map((r) => r.userName)).toEqual(['Anna Admin', 'Anna Admin', 'Anna Admin']);
    // The activity view's top users carry the same names (joined where the numbers are read), its types the portal's names.
    const activity = await core.getActivity({ filter: {} });
    expect(activity.topUsers).toEqual([
      { portal: w.portal.domain, userId: 1, userName: 'Anna Admin', count: 3 },
      { portal: w.portal.domain, userId: 7, userName: 'Ivan Petrov', count: 1 },
    ]);
    expect(activity.entityTypeNames?.['1038']).toBe('Equipment purchase');
    const apps = (await health(core))['apps'] as { lastDrainRows: number; lastDrainAt: string }[];
    expect(apps[0]!.lastDrainAt).toEqual(expect.any(String));

    // Nothing the portal issued reached the data folder.
    expect(grepDataDir(w.dataDir, w.portal.issuedSecrets)).toEqual([]);

    await w.portal.uninstall();
    await until('disconnected', async () => ((await health(core))['apps'] as { status: string }[])[0]?.status === 'disconnected');
    const registry = await until('wipe on disk', () => {
      const file = JSON.parse(readFileSync(path.join(w.dataDir, 'portals.json'), 'utf8'));
      return file.portals[0].status === 'disconnected' ? file : null;
    });
    expect(registry.portals[0]).toMatchObject({ status: 'disconnected', clientSecret: null, accessToken: null, refreshToken: null, appTokenHash: null });
    // The old application token is no longer accepted.
    const after = await w.portal.deleteItem({ event: 'ONCRMDEALDELETE', id: 60 });
    expect(after.online).toEqual([]); // the portal dropped the bindings; a replayed event would be refused:
    const replay = httpBuildQuery({ event: 'ONCRMDEALDELETE', data: { FIELDS: { ID: '61' } }, ts: '1800000000', auth: { domain: w.portal.domain, application_token: w.portal.applicationToken } });
    expect((await postEvent(Number(new URL(core.eventsUrl!).port), replay)).status).toBe(401);
  });

  it('refuses forged installs without calling any host they name, and stores nothing', async () => {
    const w = await world();
    const evil = await recorder();
    const { core, port } = await startApp(w, true);
    const forged = (overrides: Record<string, string>): string => httpBuildQuery(w.portal.installBody(1, overrides));

    const variants: [string, string][] = [
      ['wrong portal', forged({ domain: 'other.bitrix24.com', client_endpoint: 'https://other.bitrix24.com/rest/' })],
      ['client_endpoint elsewhere', forged({ client_endpoint: `${evil.url}/rest/` })],
      ['server_endpoint elsewhere', forged({ server_endpoint: `${evil.url}/rest/`.replace('127.0.0.1', 'localhost') })],
      ['server_endpoint a lookalike', forged({ server_endpoint: 'https://oauth.bitrix.info.evil.example/rest/' })],
    ];
    for (const [what, body] of variants) {
      const answer = await postEvent(port, body);
      expect(answer.status, what).toBe(401);
      expect(answer.json().error, what).toMatch(/^install refused/);
    }
    // Well-formed, right endpoints, but tokens the portal never issued: refused after app.info says no.
    const answer = await postEvent(port, forged({ access_token: 'x'.repeat(70), refresh_token: 'y'.repeat(70) }));
    expect(answer.status).toBe(200); // checked beside the event path
    await until('refusal quarantined', async () => (await core.listQuarantine()).length === 5);
    expect((await core.listQuarantine()).every((e) => e.event === 'ONAPPINSTALL')).toBe(true);
    expect(w.portal.calls('app.info').map((r) => r.status)).toEqual([401]);

    expect(evil.hits).toEqual([]);
    expect(w.portal.bindings).toEqual([]);
    expect(((await health(core))['apps'] as { status: string }[])[0]?.status).toBe('install-expected');
    const registry = JSON.parse(readFileSync(path.join(w.dataDir, 'portals.json'), 'utf8'));
    expect(registry.portals[0]).toMatchObject({ accessToken: null, refreshToken: null, appTokenHash: null });

    // An install for a portal nobody connected is refused too.
    const { port: plainPort } = await startCore({ apps: { keys: KEY, allowLoopback: true } });
    expect((await postEvent(plainPort, httpBuildQuery(w.portal.installBody()))).status).toBe(401);
    expect(evil.hits).toEqual([]);
  });

  it('keeps going on the offline queue alone when the portal refuses the handler host, drains without rest_offline_extended, and says reconnect-needed on invalid_grant', async () => {
    // An older portal that accepts handlers only on another host, on a plan without reserved reads.
    const w = await world({ handlerHostOnly: 'somewhere.else.example', offlineExtended: false });
    const { core } = await startApp(w, true);
    await until('tunnel', () => core.tunnelState.status === 'online');
    // The install reaches us through the tunnel even though the portal later refuses binding that host.
    expect((await w.portal.install(w.tunnels.url('b24dm-appmode'))).status).toBe(200);
    await until('handler refused', async () => ((await health(core))['apps'] as { handlerRefused: boolean }[])[0]?.handlerRefused);
    expect(w.portal.bindings.map((b) => b.eventType)).toEqual(Array(OFFLINE_EVENTS.length).fill('offline'));

    await w.portal.deleteItem({ event: 'ONCRMQUOTEDELETE', id: 77, userId: 7 });
    expect(w.portal.offlineQueue).toHaveLength(1);
    // No ONOFFLINEEVENT binding (it is online): the periodic drain would take it; a restart drains at once.
    await core.stop();
    const again = await startApp(w);
    await until('drained on read', () => w.portal.offlineQueue.length === 0);
    const reads = w.portal.calls('event.offline.get');
    expect(reads.length).toBeGreaterThan(0);
    expect(reads.every((r) => String(r.params['clear']) === '1')).toBe(true);
    await until('row', async () => (await again.core.queryDeletions({ filter: {}, offset: 0, limit: 10 })).rows.some((r) => r.itemId === 77 && r.entityTypeId === 7));

    // The refresh token dies (180 days unused): reconnect-needed, and no second refresh attempt.
    w.portal.expireAccessTokens();
    w.portal.revokeRefreshTokens();
    await w.portal.deleteItem({ event: 'ONCRMQUOTEDELETE', id: 78, userId: 1 });
    await again.core.stop();
    const third = await startApp(w);
    await until('reconnect-needed', async () => ((await health(third.core))['apps'] as { status: string }[])[0]?.status === 'reconnect-needed');
    expect(w.portal.calls('oauth/token').filter((r) => r.params['grant_type'] === 'refresh_token').map((r) => r.status)).toEqual([400]);
  });
});

describe('application mode beside the event path', () => {
  it('answers deletions while REST work for the portal is in flight (a slow portal never delays an answer)', async () => {
    const w = await world();
    const { core } = await startApp(w, true);
    await until('tunnel', () => core.tunnelState.status === 'online');
    await w.portal.install(w.tunnels.url('b24dm-appmode'));
    await until('bound', () => w.portal.bindings.length === ONLINE_EVENTS.length + OFFLINE_EVENTS.length);
    await until('first drain done', async () => ((await health(core))['apps'] as { lastDrainAt: string | null }[])[0]?.lastDrainAt);
    w.portal.restDelayMs = 4_000;
    const before = w.portal.requests.length;
    // The deletion also queues a row and signals ONOFFLINEEVENT: a drain (slow REST) starts beside it.
    const first = await w.portal.deleteItem({ event: 'ONCRMDEALDELETE', id: 901, userId: 7 });
    const second = await w.portal.deleteItem({ event: 'ONCRMDEALDELETE', id: 902, userId: 7 });
    const answeredAt = Date.now();
    expect([...first.online, ...second.online].map((d) => d.status)).toEqual([200, 200]);
    expect((await core.queryDeletions({ filter: {}, offset: 0, limit: 10 })).rows.map((r) => r.itemId).sort()).toEqual([901, 902]);
    // Both answers came back before the portal answered the REST call the first one started.
    await until('slow REST answered', () => w.portal.requests.length > before, 30_000);
    expect(w.portal.requests.slice(before).every((r) => r.at > answeredAt)).toBe(true);
    w.portal.restDelayMs = 0;
  });
});

describe('application mode through the contract', () => {
  it('connectPortalApp registers a portal without returning or storing its secret in the clear; listPortalApps and getStatus show its state', async () => {
    const dataDir = tempDir();
    const { core } = await startCore({ dataDir, apps: { keys: KEY, allowLoopback: false } });
    const state = await core.connectPortalApp({ domain: 'HTTPS://Acme.Bitrix24.com/', clientId: 'local.abc.123', clientSecret: 'the-client-secret-42' });
    expect(state).toEqual({ domain: 'acme.bitrix24.com', clientId: 'local.abc.123', status: 'install-expected', statusReason: null, connectedAt: null, handlerUrl: null, handlerRefused: false, lastDrain: null });
    expect(await core.listPortalApps()).toEqual([state]);
    expect((await core.getStatus()).apps).toEqual([state]);
    expect(readFileSync(path.join(dataDir, 'portals.json'), 'utf8')).not.toContain('the-client-secret-42');
    await expect(core.connectPortalApp({ domain: '127.0.0.1:8080', clientId: 'local.abc.123', clientSecret: 's' })).rejects.toMatchObject({ code: 'BAD_ARGUMENTS' });
    const { core: plain } = await startCore();
    await expect(plain.connectPortalApp({ domain: 'acme.bitrix24.com', clientId: 'local.abc.123', clientSecret: 's' })).rejects.toMatchObject({ code: 'APP_MODE_OFF' });
    expect(await plain.listPortalApps()).toEqual([]);
  });
});
