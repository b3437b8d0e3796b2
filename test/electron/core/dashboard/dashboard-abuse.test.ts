/**
 * Abuse of the `serve` dashboard, beyond dashboard-server.test.ts: key variants (empty, prefix, same
 * length, other lengths, other headers, query string, body, duplicated header, another instance's key),
 * DNS-rebinding Host variants (trailing dots, numeric and IPv6 forms of loopback, userinfo, lists, missing),
 * Origin 'null' and friends on every route, cross-site "simple" POSTs (text/plain, form, multipart) against
 * every state-changing call with the state checked unchanged, path traversal (double encoding, overlong
 * UTF-8, Windows separators, symlinks, a fuzzed path grammar, raw request targets), and the event stream
 * without a key (no stream, no slot taken).
 */
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { CALL_NAMES, DASHBOARD } from '../../../../electron/core/contract.js';
import { startDashboard, type Dashboard } from '../../../../electron/core/dashboard/dashboard-server.js';
import type { MonitorCore } from '../../../../electron/core/monitor-core.js';
import { startCore } from '../../../helpers/core-harness.js';
import { SEED_TOKEN, fixture } from '../../../helpers/fixtures.js';
import { postEvent, request, type RawResponse } from '../../../helpers/http-client.js';
import { SECRET, fakeRenderer } from '../../../helpers/fake-renderer.js';
import { tempDir } from '../../../helpers/temp-dir.js';

/** A fixed key with '-' and '_' so base64 (not base64url) and case variants differ from it. */
const KEY = 'Ab-_0123456789abcdefghijklmnopqrstuvwxyzXY_';
const INDEX_HTML = '<!doctype html><title>monitor</title>';
const dashboards: Dashboard[] = [];

afterEach(async () => {
  for (const dashboard of dashboards.splice(0)) await dashboard.stop();
});

/** The fake renderer, plus a secret in a folder beside it and symlinks inside it that point at both. */
function fakeRendererWithLinks(): string {
  const { root, dir } = fakeRenderer(INDEX_HTML);
  mkdirSync(path.join(root, 'outside'));
  writeFileSync(path.join(root, 'outside', 'secret.txt'), SECRET);
  symlinkSync(path.join(root, 'secret.txt'), path.join(dir, 'assets', 'link.txt'));
  symlinkSync(path.join(root, 'outside'), path.join(dir, 'linkdir'));
  return dir;
}

async function setup(key = KEY): Promise<{ core: MonitorCore; eventPort: number; dashboard: Dashboard; port: number }> {
  const { core, port: eventPort } = await startCore({ tokens: [SEED_TOKEN] });
  const dashboard = await startDashboard({ core, port: 0, staticDir: fakeRendererWithLinks(), key });
  dashboards.push(dashboard);
  return { core, eventPort, dashboard, port: dashboard.port };
}

function call(port: number, name: string, args: unknown[], headers: Record<string, string | string[]> = {}, urlSuffix = ''): Promise<RawResponse> {
  const body = JSON.stringify({ args });
  return request(port, {
    path: `${DASHBOARD.callPath}${name}${urlSuffix}`,
    // A header given as an array goes out as repeated lines (Node's http client accepts that).
    headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), [DASHBOARD.keyHeader]: KEY, ...headers } as unknown as Record<string, string | number>,
    body,
  });
}

/** Sends bytes on a fresh connection and returns everything until the server closes (or 3 s pass). */
function raw(port: number, text: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(text));
    const chunks: Buffer[] = [];
    const done = (): void => resolve(Buffer.concat(chunks).toString('latin1'));
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', done);
    socket.on('close', done);
    setTimeout(() => socket.destroy(), 3_000);
  });
}

const statusOf = (reply: string): number => Number(/^HTTP\/1\.1 (\d{3})/.exec(reply)?.[1] ?? 0);

describe('dashboard abuse', () => {
  it('refuses every wrong key variant on every API route, and never echoes a key', async () => {
    const { port } = await setup();
    const other = await setup('zZ9876543210zyxwvutsrqponmlkjihgfedcbaABCDE');
    const wrong: [string, string][] = [
      ['empty', ''],
      ['prefix (half)', KEY.slice(0, 21)],
      ['prefix (all but one)', KEY.slice(0, -1)],
      ['same length, first character changed', 'B' + KEY.slice(1)],
      ['same length, last character changed', KEY.slice(0, -1) + 'Y'],
      ['same length, all different', 'x'.repeat(KEY.length)],
      ['base64 instead of base64url', KEY.replace(/-/g, '+').replace(/_/g, '/')],
      ['lower-cased', KEY.toLowerCase()],
      ['twice', KEY + KEY],
      ['one character', 'A'],
      ['44 characters', KEY + 'A'],
      ['8 KiB', KEY.repeat(200)],
      ['latin-1 characters', '\u00e9'.repeat(43)],
      ['another dashboard instance', other.dashboard.key],
      ['key=value form', `key=${KEY}`],
      ['Bearer form', `Bearer ${KEY}`],
    ];
    const routes: { method: string; path: string; body?: string; type?: string }[] = [
      { method: 'POST', path: `${DASHBOARD.callPath}getStatus`, body: '{"args":[]}', type: 'application/json' },
      { method: 'POST', path: `${DASHBOARD.callPath}getSettings`, body: '{"args":[]}', type: 'application/json' },
      { method: 'POST', path: DASHBOARD.exportPath, body: '{"filter":{}}', type: 'application/json' },
      { method: 'GET', path: DASHBOARD.eventsPath },
      { method: 'GET', path: '/api' },
      { method: 'GET', path: '/api/' },
      { method: 'POST', path: '/api/unknown', body: '{}', type: 'application/json' },
    ];
    let refused = 0;
    for (const route of routes) {
      for (const [label, key] of wrong) {
        const headers: Record<string, string | number> = { [DASHBOARD.keyHeader]: key };
        if (route.type) headers['Content-Type'] = route.type;
        if (route.body) headers['Content-Length'] = Buffer.byteLength(route.body);
        const answer = await request(port, { method: route.method, path: route.path, headers, body: route.body });
        expect(answer.status, `${label} on ${route.method} ${route.path}`).toBe(401);
        expect(answer.json().error.code).toBe('BAD_KEY');
        expect(answer.text).not.toContain(KEY);
        expect(answer.headers['content-type']).toMatch(/^application\/json/);
        refused++;
      }
    }
    // The key anywhere but its header: another header, the query string, the body, a cookie, the fragment.
    const elsewhere: [string, Record<string, string>, string][] = [
      ['Authorization header', { Authorization: `Bearer ${KEY}` }, ''],
      ['Cookie', { Cookie: `key=${KEY}; ${DASHBOARD.keyHeader}=${KEY}` }, ''],
      ['similar header name', { 'X-Monitor-Keys': KEY, 'X-Monitor_Key': KEY }, ''],
      ['query string', {}, `?key=${KEY}&${DASHBOARD.keyHeader}=${KEY}`],
      ['fragment in the target', {}, `#key=${KEY}`],
    ];
    for (const [label, headers, suffix] of elsewhere) {
      const answer = await call(port, 'getStatus', [], { ...headers, [DASHBOARD.keyHeader]: '' }, suffix);
      expect(answer.status, label).toBe(401);
    }
    const inBody = await request(port, {
      path: `${DASHBOARD.callPath}getStatus`,
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ args: [], key: KEY, [DASHBOARD.keyHeader]: KEY }),
    });
    expect(inBody.status, 'key in the JSON body').toBe(401);
    // The header twice (a proxy or a confused client): Node joins the values, which is not the key.
    const twice = await request(port, {
      path: `${DASHBOARD.callPath}getStatus`,
      headers: { 'Content-Type': 'application/json', [DASHBOARD.keyHeader]: [KEY, KEY] } as unknown as Record<string, string | number>,
      body: '{"args":[]}',
    });
    expect(twice.status, 'key header given twice').toBe(401);
    // Positive controls: the exact key, with the header name in any case.
    expect((await call(port, 'getStatus', [])).status).toBe(200);
    expect((await call(port, 'getStatus', [], { [DASHBOARD.keyHeader]: '', 'X-MONITOR-KEY': KEY })).status).toBe(200);
    console.log(`dashboard abuse: ${refused + elsewhere.length + 2} wrong-key requests refused with 401`);
  });

  it('refuses DNS-rebinding Host variants on API, page and event stream; a missing Host too', async () => {
    const { port } = await setup();
    const p = port;
    const hosts = [
      `localhost.:${p}`,
      `127.0.0.1.:${p}`,
      `127.1:${p}`,
      `2130706433:${p}`,
      `0x7f000001:${p}`,
      `0177.0.0.1:${p}`,
      `[::ffff:127.0.0.1]:${p}`,
      `127.0.0.1:0${p}`,
      `127.0.0.1:${p}:${p}`,
      `localhost:${p}@evil.example`,
      `evil.example#@127.0.0.1:${p}`,
      `127.0.0.1:${p}, evil.example`,
      `127.0.0.1%3A${p}`,
      `localhost:${p}.evil.example`,
      `127.0.0.2:${p}`,
      `xn--lcalhost-5ya:${p}`,
    ];
    for (const host of hosts) {
      const api = await call(p, 'getSettings', [], { Host: host });
      expect(api.status, `Host ${JSON.stringify(host)}`).toBe(421);
      expect(api.json().error.code).toBe('BAD_HOST');
      expect(api.text).not.toContain('retentionDays');
      const page = await request(p, { method: 'GET', path: '/', headers: { Host: host } });
      expect(page.status, host).toBe(421);
      expect(page.text).not.toContain('<title>');
      const stream = await request(p, { method: 'GET', path: DASHBOARD.eventsPath, headers: { Host: host, [DASHBOARD.keyHeader]: KEY } });
      expect(stream.status, host).toBe(421);
    }
    // An empty Host, HTTP/1.0 without any Host, and two Host lines with the foreign one first
    // (raw: the HTTP client would put its own Host in).
    expect(statusOf(await raw(p, `GET / HTTP/1.1\r\nHost: \r\nConnection: close\r\n\r\n`))).toBe(421);
    expect(statusOf(await raw(p, `GET / HTTP/1.0\r\n\r\n`))).toBe(421);
    expect(statusOf(await raw(p, `POST /api/call/getSettings HTTP/1.0\r\n${DASHBOARD.keyHeader}: ${KEY}\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{"args":[]}`))).toBe(421);
    expect(statusOf(await raw(p, `GET / HTTP/1.1\r\nHost: evil.example:${p}\r\nHost: 127.0.0.1:${p}\r\nConnection: close\r\n\r\n`))).toBe(421);
    // An absolute-form target naming us does not turn a request into an API call.
    const absolute = await raw(p, `POST http://127.0.0.1:${p}/api/call/getSettings HTTP/1.1\r\nHost: 127.0.0.1:${p}\r\n${DASHBOARD.keyHeader}: ${KEY}\r\nContent-Type: application/json\r\nContent-Length: 11\r\nConnection: close\r\n\r\n{"args":[]}`);
    expect(statusOf(absolute)).not.toBe(200);
    expect(absolute).not.toContain('retentionDays');
    // Host is case-insensitive: the browser's own lower-casing is not a bypass, just the same host.
    expect((await call(p, 'getStatus', [], { Host: `LOCALHOST:${p}` })).status).toBe(200);
  });

  it("refuses Origin 'null' (sandboxed frames, file: pages) and other foreign origins on every route", async () => {
    const { port } = await setup();
    const p = port;
    const origins = ['null', 'NULL', 'file://', 'chrome-extension://abcdefghijklmnop', `http://127.0.0.1:${p}/`, `http://127.0.0.1:${p}.evil.example`, `http://127.0.0.1:${p} http://evil.example`, `http://localhost:${p}@evil.example`, `ws://127.0.0.1:${p}`];
    for (const origin of origins) {
      expect((await call(p, 'getSettings', [], { Origin: origin })).status, origin).toBe(403);
      const stream = await request(p, { method: 'GET', path: DASHBOARD.eventsPath, headers: { Origin: origin, [DASHBOARD.keyHeader]: KEY } });
      expect(stream.status, origin).toBe(403);
      expect(stream.headers['content-type']).not.toMatch(/event-stream/);
      const download = await request(p, { path: DASHBOARD.exportPath, headers: { Origin: origin, [DASHBOARD.keyHeader]: KEY, 'Content-Type': 'application/json' }, body: '{"filter":{}}' });
      expect(download.status, origin).toBe(403);
      expect(download.headers['content-disposition']).toBeUndefined();
      expect((await request(p, { method: 'GET', path: '/', headers: { Origin: origin } })).status, origin).toBe(403);
    }
    // Fetch metadata: a page on another port of localhost is "same-site", still foreign.
    expect((await call(p, 'getSettings', [], { 'Sec-Fetch-Site': 'same-site' })).status).toBe(403);
    // A typed URL or bookmark ("none") and our own origin are fine.
    expect((await call(p, 'getSettings', [], { 'Sec-Fetch-Site': 'none' })).status).toBe(200);
    expect((await call(p, 'getSettings', [], { Origin: `http://127.0.0.1:${p}` })).status).toBe(200);
  });

  it('cross-site simple POSTs (text/plain, form, multipart) change nothing through any call or the export', async () => {
    const { core, port, eventPort } = await setup();
    // Some state an attack would change: unseen deletions, a quarantined request, settings, tokens.
    expect((await postEvent(eventPort, fixture('dynamic-item-delete.form'))).status).toBe(200);
    expect((await postEvent(eventPort, fixture('outgoing-webhook-deal-delete.form'))).status).toBe(401);
    const before = { settings: await core.getSettings(), quarantine: await core.listQuarantine(), status: await core.getStatus() };
    const quarantinedId = before.quarantine[0]!.id;
    const attacks: Record<string, unknown[]> = {
      updateSettings: [{ eventPort: 80, retentionDays: 1, tunnel: { host: 'https://evil.example', enabled: true } }],
      addToken: [{ token: 'attacker-token-123', portal: null, label: 'x' }],
      removeToken: [{ fingerprint: 'abcdef12' }],
      clearQuarantine: [],
      trustQuarantined: [{ id: quarantinedId, label: 'pwned' }],
      setTunnelPaused: [{ paused: true }],
      markSeen: [],
      sendTestEvent: [],
      exportCsv: [{ filter: {}, path: path.join(tempDir(), 'pwned.csv') }],
      connectPortalApp: [{ domain: 'victim.bitrix24.com', clientId: 'local.attacker.1', clientSecret: 'attacker-secret' }],
      authorizePortalApp: [{ domain: 'victim.bitrix24.com' }],
      completePortalAppAuthorization: [{ domain: 'victim.bitrix24.com', redirected: 'https://evil.example/?code=x&state=y' }],
    };
    const shapes: [string, (args: unknown[]) => { type: string; body: string }][] = [
      ['text/plain JSON', (args) => ({ type: 'text/plain', body: JSON.stringify({ args }) })],
      ['text/plain;charset=UTF-8 (sendBeacon)', (args) => ({ type: 'text/plain;charset=UTF-8', body: JSON.stringify({ args }) })],
      ['urlencoded form', (args) => ({ type: 'application/x-www-form-urlencoded', body: `args=${encodeURIComponent(JSON.stringify(args))}` })],
      ['urlencoded form smuggling JSON', (args) => ({ type: 'application/x-www-form-urlencoded', body: `${JSON.stringify({ args })}=` })],
      ['multipart', (args) => ({ type: 'multipart/form-data; boundary=X', body: `--X\r\nContent-Disposition: form-data; name="args"\r\n\r\n${JSON.stringify(args)}\r\n--X--\r\n` })],
    ];
    const contexts: [string, Record<string, string>][] = [
      ['Origin evil', { Origin: 'https://evil.example', 'Sec-Fetch-Site': 'cross-site' }],
      ['Origin null', { Origin: 'null', 'Sec-Fetch-Site': 'cross-site' }],
      ['fetch metadata only', { 'Sec-Fetch-Site': 'cross-site', 'Sec-Fetch-Mode': 'no-cors' }],
      ['no Origin, no metadata (old browser)', {}],
    ];
    let attempts = 0;
    for (const [name, args] of Object.entries(attacks)) {
      for (const [shapeLabel, shape] of shapes) {
        for (const [contextLabel, headers] of contexts) {
          const { type, body } = shape(args);
          const answer = await request(port, { path: `${DASHBOARD.callPath}${name}`, headers: { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body), ...headers }, body });
          expect([401, 403], `${name} as ${shapeLabel}, ${contextLabel}`).toContain(answer.status);
          attempts++;
        }
        // Even a holder of the key cannot get a non-JSON body accepted.
        const { type, body } = shape(args);
        const keyed = await request(port, { path: `${DASHBOARD.callPath}${name}`, headers: { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body), [DASHBOARD.keyHeader]: KEY }, body });
        expect(keyed.status, `${name} as ${shapeLabel} with the key`).toBe(name === 'exportCsv' ? 403 : 415);
      }
    }
    for (const [contextLabel, headers] of contexts) {
      const download = await request(port, { path: DASHBOARD.exportPath, headers: { 'Content-Type': 'text/plain', ...headers }, body: '{"filter":{}}' });
      expect([401, 403], `export, ${contextLabel}`).toContain(download.status);
      expect(download.text).not.toContain('some-domain.bitrix24.com');
    }
    const after = { settings: await core.getSettings(), quarantine: await core.listQuarantine(), status: await core.getStatus() };
    expect(after.settings).toEqual(before.settings);
    expect(after.quarantine).toEqual(before.quarantine);
    expect(after.status.counts).toEqual(before.status.counts);
    expect(after.status.tunnelPaused).toBe(false);
    expect(after.status.apps).toEqual(before.status.apps);
    expect(core.store.total).toBe(1);
    console.log(`dashboard abuse: ${attempts} cross-site POSTs against ${Object.keys(attacks).length} calls refused, state unchanged`);
  });

  it('never serves a file outside the renderer: encodings, Windows separators, symlinks, raw targets, fuzzed paths', async () => {
    const { port } = await setup();
    const attacks = [
      '/%252e%252e%252fsecret.txt',
      '/%25%32%65%25%32%65/secret.txt',
      '/..%252fsecret.txt',
      '/%2e%2e%5csecret.txt',
      '/..%c0%afsecret.txt',
      '/%c0%ae%c0%ae/secret.txt',
      '/%e0%80%ae%e0%80%ae/secret.txt',
      '/..%255c..%255csecret.txt',
      '/.%2e/secret.txt',
      '/%2e./secret.txt',
      '/\\..\\secret.txt',
      '/assets\\..\\..\\secret.txt',
      '/..%5c..%5csecret.txt',
      '/%5c..%5csecret.txt',
      '/C:\\Windows\\win.ini',
      '/C:/Windows/win.ini',
      '/assets/..;/..;/secret.txt',
      '//server/share/secret.txt',
      '/assets/%2e%2e%2f%2e%2e%2fsecret.txt',
      '/....//secret.txt',
      '/..../secret.txt',
      '/.../secret.txt',
      '/assets/app.js/../../../secret.txt',
      '/assets/app.js%00.html',
      '/%u002e%u002e/secret.txt',
      '/..%u2215secret.txt',
      '/%EF%BC%8E%EF%BC%8E/secret.txt',
      '/%E2%80%A5/secret.txt',
      '/assets/.%00./secret.txt',
      '/assets/link.txt',
      '/linkdir/secret.txt',
      '/linkdir/',
      '/assets/./../../secret.txt',
      '/' + 'a/'.repeat(2000) + '../'.repeat(2001) + 'secret.txt',
      '/index.html?/../../secret.txt',
    ];
    for (const attack of attacks) {
      for (const method of ['GET', 'HEAD']) {
        const answer = await request(port, { method, path: attack });
        if (attack.startsWith('/index.html?')) expect(answer.status).toBe(200);
        else expect([400, 403, 404], `${method} ${attack}`).toContain(answer.status);
        expect(answer.text, attack).not.toContain(SECRET);
        expect(answer.headers['content-security-policy'], attack).toBeDefined();
      }
    }
    // Targets the HTTP client would never send: no leading slash, asterisk, bare dots.
    for (const target of ['secret.txt', '../secret.txt', '..', '*', '.', '..\\secret.txt']) {
      const reply = await raw(port, `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`);
      expect([400, 403, 404], target).toContain(statusOf(reply));
      expect(reply).not.toContain(SECRET);
    }
    // A path grammar of dots, separators and their encodings.
    const segment = fc.constantFrom('..', '.', '%2e%2e', '%2E%2e', '%252e%252e', '%c0%ae%c0%ae', '...', 'assets', 'app.js', 'secret.txt', 'linkdir', 'index.html', '', '%00', '..;', '~', 'outside');
    const separator = fc.constantFrom('/', '/', '/', '%2f', '%2F', '%5c', '\\', '%252f', '//');
    const served = new Map<string, string>([
      ['/', INDEX_HTML],
      ['/index.html', INDEX_HTML],
      ['/assets/app.js', 'console.log("app")\n'],
    ]);
    let fuzzed = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(separator, segment), { minLength: 1, maxLength: 8 }), async (parts) => {
        const target = parts.map(([sep, seg]) => sep + seg).join('');
        const pathTarget = target.startsWith('/') ? target : '/' + target;
        fuzzed++;
        const answer = await request(port, { method: 'GET', path: pathTarget });
        expect([200, 400, 403, 404], pathTarget).toContain(answer.status);
        expect(answer.text, pathTarget).not.toContain(SECRET);
        if (answer.status === 200) expect([...served.values()], pathTarget).toContain(answer.text);
      }),
      { numRuns: 600 },
    );
    console.log(`dashboard abuse: ${attacks.length * 2 + 6} hand-written and ${fuzzed} generated traversal paths, no file outside the renderer served`);
  });

  it('the event stream needs the key: no stream, no slot taken, and the slots are bounded', async () => {
    const { port } = await setup();
    const stream = (headers: Record<string, string>): Promise<{ status: number; type: string | undefined; res: http.IncomingMessage; req: http.ClientRequest }> =>
      new Promise((resolve, reject) => {
        const req = http.get({ host: '127.0.0.1', port, path: DASHBOARD.eventsPath, headers }, (res) => resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'], res, req }));
        req.on('error', reject);
      });
    const keyless: Record<string, string>[] = [{}, { Accept: 'text/event-stream' }, { [DASHBOARD.keyHeader]: KEY.slice(0, -1) }, { 'Last-Event-ID': '1', Accept: 'text/event-stream' }, { Authorization: `Bearer ${KEY}` }];
    for (const headers of keyless) {
      const s = await stream(headers);
      expect(s.status, JSON.stringify(headers)).toBe(401);
      expect(s.type).toMatch(/^application\/json/);
      // The refusal ends: it is a normal response, not a held-open stream.
      await new Promise<void>((resolve) => {
        s.res.resume();
        s.res.on('end', resolve);
      });
    }
    // Many unauthenticated attempts take no stream slot...
    await Promise.all(Array.from({ length: 60 }, async () => (await request(port, { method: 'GET', path: DASHBOARD.eventsPath })).status).map((p) => p.then((status) => expect(status).toBe(401))));
    // ...so all 32 authorised streams still open, the 33rd is refused, and closing one frees a slot.
    const open = [];
    for (let i = 0; i < 32; i++) {
      const s = await stream({ [DASHBOARD.keyHeader]: KEY });
      expect(s.status, `stream ${i + 1}`).toBe(200);
      expect(s.type).toBe('text/event-stream; charset=utf-8');
      open.push(s);
    }
    const extra = await stream({ [DASHBOARD.keyHeader]: KEY });
    expect(extra.status).toBe(503);
    extra.res.resume();
    open.pop()!.req.destroy();
    await new Promise((r) => setTimeout(r, 200));
    const again = await stream({ [DASHBOARD.keyHeader]: KEY });
    expect(again.status).toBe(200);
    again.req.destroy();
    for (const s of open) s.req.destroy();
  });

  it('every call name answers 401 without the key and 400 BAD_ARGUMENTS for junk arguments with it', async () => {
    const { core, port } = await setup();
    const settings = await core.getSettings();
    for (const name of CALL_NAMES) {
      expect((await call(port, name, [], { [DASHBOARD.keyHeader]: '' })).status, name).toBe(401);
      if (name === 'exportCsv') continue; // refused over HTTP whatever the arguments (dashboard-server.test.ts)
      for (const args of [[{ junk: 'x'.repeat(60_000) }], ['x', 'y', 'z'], [null], [[1, 2]]]) {
        const answer = await call(port, name, args);
        expect(answer.status, `${name} ${JSON.stringify(args).slice(0, 40)}`).toBe(400);
        expect(answer.json().error.code).toBe('BAD_ARGUMENTS');
      }
    }
    expect(await core.getSettings()).toEqual(settings);
  });
});
