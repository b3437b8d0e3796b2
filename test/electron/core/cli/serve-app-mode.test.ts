/**
 * Application mode end to end: a real `serve` process, the localtunnel test server and the fake portal
 * (documented limits: burst 50, 2 requests/s). The whole story of issue 14: install, bindings to the
 * tunnel URL, an online deletion stored with its user's name, one refresh when the access token
 * expires, deletions queued while serve is stopped and drained at the next start (none twice), handlers
 * that follow a changed tunnel URL, uninstall wiping the tokens; then every token and the secret
 * searched for in the data folder, logs, an export and serve's output.
 */
import { execFileSync } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeBitrix24Portal } from '../../../helpers/fake-bitrix24-portal.js';
import { LocaltunnelTestServer } from '../../../helpers/localtunnel-server.js';
import { request } from '../../../helpers/http-client.js';
import { EXPORT_BIN, startServe, type ServeProcess } from '../../../helpers/serve-process.js';
import { runServe, type RunningServe } from '../../../helpers/running-serve.js';
import { tempDir } from '../../../helpers/temp-dir.js';
import { untilWithin } from '../../../helpers/until.js';

const cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const until = untilWithin(30_000);

type Health = { deletions: number; apps: { portal: string; status: string; lastDrainAt: string | null; lastDrainRows: number | null }[] };

const outputs: ServeProcess[] = [];

async function run(args: string[]): Promise<RunningServe<Health>> {
  const running = await runServe<Health>(args, cleanups);
  outputs.push(running.serve);
  return running;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    return statSync(file).isDirectory() ? filesUnder(file) : [file];
  });
}

describe('serve in application mode', () => {
  it('install, bindings, names, one refresh, zero loss while stopped, handlers that follow the URL, uninstall; no secret on disk', { timeout: 240_000 }, async () => {
    const portal = await FakeBitrix24Portal.start(); // documented limits: burst 50, 2/s
    cleanups.push(() => portal.close());
    let tunnels = await LocaltunnelTestServer.start();
    cleanups.push(() => tunnels.close());
    const root = tempDir();
    const dataDir = path.join(root, 'data');
    const secretFile = path.join(root, 'client-secret.txt');
    writeFileSync(secretFile, portal.clientSecret + '\n', { mode: 0o600 });
    const common = ['--data-dir', dataDir, '--port', '0', '--tunnel-host', tunnels.host, '--subdomain', 'b24dm-app-e2e', '--allow-loopback-portal', '--app-drain-seconds', '3600'];

    // 1. First start with the app's credentials; the portal posts ONAPPINSTALL to the tunnel URL.
    let monitor = await run([...common, '--app', portal.domain, '--app-client-id', portal.clientId, '--app-client-secret-file', secretFile]);
    const keyFile = await monitor.serve.waitFor('keyfile');
    expect(path.dirname(keyFile)).toBe(root); // outside the data folder
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    const url = await monitor.serve.waitFor('tunnel');
    expect((await portal.install(url)).status).toBe(200);
    await until('connected', async () => (await monitor.health()).apps[0]?.status === 'connected');

    // 2. Bindings: the deletion family and its add/update events, ONAPPUNINSTALL and ONOFFLINEEVENT online to the tunnel URL; the family offline.
    await until('40 bindings', () => portal.bindings.length === 40);
    expect(new Set(portal.bindings.filter((b) => b.eventType === 'online').map((b) => b.handler))).toEqual(new Set([url]));
    expect(portal.bindings.filter((b) => b.eventType === 'offline')).toHaveLength(19); // 7 deletions + 12 add/update (snapshots)

    // 3. A deletion online: stored, and read back with the user's name and the portal's type name.
    const online = await portal.deleteItem({ event: 'ONCRMDYNAMICITEMDELETE', id: 501, entityTypeId: 1038, userId: 7 });
    expect(online.online.map((d) => d.status)).toEqual([200]);
    const first = await until('row with names', async () => (await monitor.rows()).find((r) => r.itemId === 501 && r.userName && r.entityTypeName));
    expect(first).toMatchObject({ userId: 7, userName: 'Ivan Petrov', entityTypeName: 'Equipment purchase' });
    // The export (beside the running monitor) joins the names kept beside the log: who deleted, the type's name.
    const namedExport = path.join(root, 'named.csv');
    execFileSync(process.execPath, [EXPORT_BIN, '--data-dir', dataDir, '--out', namedExport]);
    const csvRows = parse(readFileSync(namedExport), { bom: true, columns: true }) as Record<string, string>[];
    expect(csvRows.find((r) => r['Item id'] === '501')).toMatchObject({ 'User id': '7', 'Deleted by': 'Ivan Petrov', Type: 'Equipment purchase' });

    // 4. The access token expires: the next REST work refreshes exactly once and goes on.
    await until('queue settled', () => portal.offlineQueue.length === 0); // the ONOFFLINEEVENT drain of step 3
    portal.expireAccessTokens();
    const refreshesBefore = portal.refreshCount;
    await portal.deleteItem({ event: 'ONCRMLEADDELETE', id: 502, userId: 1 }); // ONOFFLINEEVENT → drain, and a name to fetch
    await until('name after refresh', async () => (await monitor.rows()).find((r) => r.itemId === 502 && r.userName === 'Anna Admin'));
    expect(portal.refreshCount - refreshesBefore).toBe(1);
    expect(portal.calls('oauth/token').filter((r) => r.params['grant_type'] === 'refresh_token')).toHaveLength(1);

    // 5. serve stopped: three deletions queue on the portal; the next start (no app flags) drains all three, none twice.
    await monitor.stop();
    for (const id of [601, 602, 603]) await portal.deleteItem({ event: 'ONCRMDEALDELETE', id, userId: 7 });
    expect(portal.offlineQueue.map((r) => r.EVENT_DATA)).toEqual([601, 602, 603].map((id) => ({ FIELDS: { ID: String(id) } })));
    monitor = await run(common);
    await until('drained', () => portal.offlineQueue.length === 0);
    const afterRestart = await until('three queued rows with names', async () => {
      const rows = await monitor.rows();
      return rows.filter((r) => r.itemId >= 601 && r.userName === 'Ivan Petrov').length === 3 ? rows : null;
    });
    const ids = afterRestart.map((r) => r.itemId).sort();
    expect(ids).toEqual([501, 502, 601, 602, 603]); // none twice (501 and 502 also came through the queue)
    const health = await monitor.health();
    expect(health.deletions).toBe(5);
    expect(health.apps[0]).toMatchObject({ status: 'connected', lastDrainAt: expect.any(String) });

    // 6. The tunnel URL changes (the server restarts and someone else holds our subdomain): handlers follow within 30 s.
    const port = tunnels.port;
    await tunnels.close();
    tunnels = await LocaltunnelTestServer.start({ port, reserved: ['b24dm-app-e2e'] });
    const changed = await until('new tunnel URL', () => {
      const now = monitor.serve.stdout().trim().split('\n').filter((l) => l.startsWith('tunnel: ')).at(-1)?.slice(8);
      return now && now !== url ? now : null;
    });
    const changedAt = Date.now();
    await until(
      'handlers on the new URL',
      () => {
        const handlers = new Set(portal.bindings.filter((b) => b.eventType === 'online').map((b) => b.handler));
        return handlers.size === 1 && handlers.has(changed) && portal.bindings.length === 40;
      },
      30_000,
    );
    console.log(`handlers followed the new tunnel URL ${Date.now() - changedAt} ms after serve printed it`);
    const viaNewUrl = await portal.deleteItem({ event: 'ONCRMCONTACTDELETE', id: 701, userId: 7 });
    expect(viaNewUrl.online.map((d) => d.status)).toEqual([200]);

    // 7. Uninstall: the tokens are gone from the registry; the portal is disconnected.
    const uninstall = await portal.uninstall();
    expect(uninstall.map((d) => d.status)).toEqual([200]);
    await until('disconnected', async () => (await monitor.health()).apps[0]?.status === 'disconnected');
    const registry = await until('wiped on disk', () => {
      const file = JSON.parse(readFileSync(path.join(dataDir, 'portals.json'), 'utf8'));
      return file.portals[0].accessToken === null ? file : null;
    });
    expect(registry.portals[0]).toMatchObject({ status: 'disconnected', clientSecret: null, accessToken: null, refreshToken: null, appTokenHash: null });
    await monitor.stop();

    // 8. No token, code, application token or client secret anywhere: data folder, logs, an export, serve's output.
    const exportFile = path.join(root, 'export.csv');
    execFileSync(process.execPath, [EXPORT_BIN, '--data-dir', dataDir, '--out', exportFile]);
    expect(readFileSync(exportFile, 'utf8')).toContain('701');

    const secrets = [...portal.issuedSecrets];
    expect(secrets.length).toBeGreaterThan(10);
    const haystacks: [string, string][] = [
      ...filesUnder(dataDir).map((f): [string, string] => [path.relative(root, f), readFileSync(f, 'latin1')]),
      ['export.csv', readFileSync(exportFile, 'latin1')],
      ...outputs.flatMap((o, i): [string, string][] => [
        [`serve ${i} stdout`, o.stdout()],
        [`serve ${i} stderr`, o.stderr()],
      ]),
    ];
    expect(haystacks.some(([name]) => name.includes('logs'))).toBe(true);
    const found = haystacks.flatMap(([name, text]) => secrets.filter((s) => text.includes(s)).map((s) => `${name}: ${s.slice(0, 6)}…`));
    expect(found).toEqual([]);
  });

  it('refuses a client secret on the command line and --app without a secret', async () => {
    const dataDir = tempDir();
    await expect(startServe(['--data-dir', dataDir, '--app', 'a.bitrix24.com', '--app-client-id', 'local.x', '--app-client-secret', 'abc'])).rejects.toThrow(/serve exited \(2\)/);
    await expect(startServe(['--data-dir', dataDir, '--no-tunnel', '--app', 'a.bitrix24.com', '--app-client-id', 'local.x'], { B24DM_APP_CLIENT_SECRET: '' })).rejects.toThrow(
      /B24DM_APP_CLIENT_SECRET/,
    );
  });

  it('connects by the authorization code when ONAPPINSTALL was missed: forged redirects refused, then offline-only and drained', { timeout: 120_000 }, async () => {
    const portal = await FakeBitrix24Portal.start();
    cleanups.push(() => portal.close());
    const hits: string[] = [];
    const evil = http.createServer((req, res) => (hits.push(req.url ?? ''), res.end('{}')));
    await new Promise<void>((r) => evil.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise((r) => (evil.closeAllConnections(), evil.close(r))));
    const evilHost = `127.0.0.1:${(evil.address() as AddressInfo).port}`;
    const root = tempDir();
    const dataDir = path.join(root, 'data');
    const serve = await startServe(
      ['--data-dir', dataDir, '--port', '0', '--no-tunnel', '--no-dashboard', '--allow-loopback-portal', '--app-drain-seconds', '1', '--app', portal.domain, '--app-client-id', portal.clientId, '--app-authorize'],
      { B24DM_APP_CLIENT_SECRET: portal.clientSecret },
      { stdin: true },
    );
    cleanups.push(async () => {
      serve.child.kill('SIGTERM');
      await serve.exited;
    });
    const authorizeLines = (): string[] => serve.stdout().split('\n').filter((l) => l.startsWith('authorize: ')).map((l) => l.slice(11));
    const redirectOf = async (authorize: string): Promise<URL> => {
      const answer = await fetch(authorize, { redirect: 'manual' });
      expect(answer.status).toBe(302);
      return new URL(answer.headers.get('location')!);
    };
    const paste = async (address: string, expectLines: number): Promise<void> => {
      serve.child.stdin!.write(address + '\n');
      await until('answer to the paste', () => authorizeLines().length >= expectLines || serve.lines.has('app'));
    };
    await until('authorize URL', () => authorizeLines().length === 1);
    expect(authorizeLines()[0]).toMatch(new RegExp(`^http://${portal.domain}/oauth/authorize/\\?client_id=${portal.clientId.replace(/\./g, '\\.')}&state=[0-9a-f]{32}$`));

    // A redirect whose state is not the one asked for, then one naming another OAuth server: refused, nobody called.
    const first = await redirectOf(authorizeLines()[0]!);
    first.searchParams.set('state', 'f'.repeat(32));
    await paste(first.toString(), 2);
    expect(serve.stderr()).toContain('state differs');
    const second = await redirectOf(authorizeLines()[1]!);
    second.searchParams.set('server_domain', evilHost.replace('127.0.0.1', 'localhost')); // reaches the recorder if ever called
    await paste(second.toString(), 3);
    expect(serve.stderr()).toContain("not one of Bitrix24's");
    const third = await redirectOf(authorizeLines()[2]!);
    third.searchParams.set('domain', 'other.bitrix24.com');
    await paste(third.toString(), 4);
    expect(serve.stderr()).toContain('not 127.0.0.1');
    expect(portal.calls('oauth/token')).toEqual([]);
    expect(serve.lines.has('app')).toBe(false);

    // The real redirect: connected, offline bindings only (no application token to verify online events).
    const real = await redirectOf(authorizeLines()[3]!);
    serve.child.stdin!.write(real.toString() + '\n');
    expect(await serve.waitFor('app')).toBe(`${portal.domain} connected`);
    await until('offline bindings', () => portal.bindings.length === 19); // 7 deletions + 12 add/update (snapshots)
    expect(portal.bindings.every((b) => b.eventType === 'offline')).toBe(true);
    await portal.deleteItem({ event: 'ONCRMDEALDELETE', id: 4242, userId: 7 });
    await until('drained', async () => (await request(serve.eventsPort, { method: 'GET', path: '/health' })).json().deletions === 1);
    expect(hits).toEqual([]);
    serve.child.kill('SIGTERM');
    await serve.exited;
    const found = filesUnder(dataDir).flatMap((f) => [...portal.issuedSecrets].filter((s) => readFileSync(f, 'latin1').includes(s)).map((s) => `${f}: ${s.slice(0, 6)}`));
    expect(found).toEqual([]);
  });
});
