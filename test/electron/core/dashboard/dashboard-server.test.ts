import http from 'node:http';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterEach, describe, expect, it } from 'vitest';
import { DASHBOARD, type Activity, type DeletionRecord } from '../../../../electron/core/contract.js';
import { startDashboard, type Dashboard } from '../../../../electron/core/dashboard/dashboard-server.js';
import { resolveStaticPath } from '../../../../electron/core/dashboard/static-files.js';
import { CSV_HEADER, CSV_HEADER_RU } from '../../../../electron/core/export/csv-export.js';
import type { MonitorCore } from '../../../../electron/core/monitor-core.js';
import { startCore } from '../../../helpers/core-harness.js';
import { SEED_TOKEN, fixture } from '../../../helpers/fixtures.js';
import { postEvent, request, type RawResponse } from '../../../helpers/http-client.js';
import { fakeRenderer } from '../../../helpers/fake-renderer.js';
import { tempDir } from '../../../helpers/temp-dir.js';

const INDEX_HTML = '<!doctype html><title>monitor</title><script type="module" src="./assets/app.js"></script>';
const dashboards: Dashboard[] = [];

afterEach(async () => {
  for (const dashboard of dashboards.splice(0)) await dashboard.stop();
});

async function setup(staticDir = fakeRenderer(INDEX_HTML).dir): Promise<{ core: MonitorCore; eventPort: number; dashboard: Dashboard }> {
  const { core, port } = await startCore({ tokens: [SEED_TOKEN] });
  const dashboard = await startDashboard({ core, port: 0, staticDir });
  dashboards.push(dashboard);
  return { core, eventPort: port, dashboard };
}

function call(d: Dashboard, name: string, args: unknown[], headers: Record<string, string> = {}): Promise<RawResponse> {
  const body = JSON.stringify({ args });
  return request(d.port, {
    path: `${DASHBOARD.callPath}${name}`,
    headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), [DASHBOARD.keyHeader]: d.key, ...headers },
    body,
  });
}

function get(d: Dashboard, urlPath: string, headers: Record<string, string> = {}): Promise<RawResponse> {
  return request(d.port, { method: 'GET', path: urlPath, headers });
}

describe('dashboard server', () => {
  it('prints a loopback URL with a fresh 32-byte key in the fragment, on its own port', async () => {
    const { dashboard, eventPort } = await setup();
    expect(dashboard.url).toBe(`http://127.0.0.1:${dashboard.port}/#key=${dashboard.key}`);
    expect(dashboard.key).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(dashboard.port).not.toBe(eventPort);
    const other = await setup();
    expect(other.dashboard.key).not.toBe(dashboard.key);
  });

  it('answers calls that carry the key, with fetch as the page would', async () => {
    const { dashboard, core } = await setup();
    const base = `http://127.0.0.1:${dashboard.port}`;
    const response = await fetch(`${base}${DASHBOARD.callPath}getStatus`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', [DASHBOARD.keyHeader]: dashboard.key, Origin: base },
      body: JSON.stringify({ args: [] }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const { result } = (await response.json()) as { result: { eventsUrl: string; counts: { total: number } } };
    expect(result.eventsUrl).toBe(core.eventsUrl);
    expect(result.counts.total).toBe(0);

    const settings = await call(dashboard, 'updateSettings', [{ retentionDays: 30 }]);
    expect(settings.status).toBe(200);
    expect(settings.json().result.retentionDays).toBe(30);
    expect((await call(dashboard, 'markSeen', [])).json()).toEqual({ result: null });
    const page = await call(dashboard, 'queryDeletions', [{ filter: {}, offset: 0, limit: 10 }]);
    expect(page.json()).toEqual({ result: { total: 0, rows: [] } });
  });

  it('refuses API requests without the key or with a wrong one (401)', async () => {
    const { dashboard } = await setup();
    for (const key of [undefined, '', 'x', dashboard.key.slice(0, -1), `${dashboard.key}x`, dashboard.key.toUpperCase()]) {
      const headers: Record<string, string> = { 'Content-Type': 'application/json', 'Content-Length': '11' };
      if (key !== undefined) headers[DASHBOARD.keyHeader] = key;
      const response = await request(dashboard.port, { path: `${DASHBOARD.callPath}getStatus`, headers, body: '{"args":[]}' });
      expect(response.status, `key ${JSON.stringify(key)}`).toBe(401);
      expect(response.json().error.code).toBe('BAD_KEY');
    }
    expect((await get(dashboard, DASHBOARD.eventsPath)).status).toBe(401);
    // The key in the query string (where logs and Referer would leak it) does not count.
    expect((await get(dashboard, `${DASHBOARD.eventsPath}?key=${dashboard.key}`)).status).toBe(401);
  });

  it('refuses foreign Host headers (DNS rebinding), static files included', async () => {
    const { dashboard } = await setup();
    const p = dashboard.port;
    for (const host of [`evil.example:${p}`, `127.0.0.1.nip.io:${p}`, '127.0.0.1', `127.0.0.1:${p + 1}`, `localhost.evil.example:${p}`, `[::1]:${p}`, `0.0.0.0:${p}`]) {
      const api = await call(dashboard, 'getStatus', [], { Host: host });
      expect(api.status, host).toBe(421);
      expect(api.text).not.toContain('eventsUrl');
      const page = await get(dashboard, '/', { Host: host });
      expect(page.status, host).toBe(421);
      expect(page.text).not.toContain('<title>');
    }
    expect((await call(dashboard, 'getStatus', [], { Host: `localhost:${p}` })).status).toBe(200);
    expect((await get(dashboard, '/', { Host: `localhost:${p}` })).status).toBe(200);
  });

  it('refuses foreign Origins and cross-site requests (CSRF)', async () => {
    const { dashboard } = await setup();
    const p = dashboard.port;
    for (const origin of ['https://evil.example', `http://localhost:${p + 1}`, `https://127.0.0.1:${p}`, 'null', `http://127.0.0.1:${p}.evil.example`]) {
      const response = await call(dashboard, 'getStatus', [], { Origin: origin });
      expect(response.status, origin).toBe(403);
      expect(response.json().error.code).toBe('BAD_ORIGIN');
    }
    expect((await call(dashboard, 'getStatus', [], { 'Sec-Fetch-Site': 'cross-site' })).status).toBe(403);
    expect((await call(dashboard, 'getStatus', [], { Origin: `http://localhost:${p}`, 'Sec-Fetch-Site': 'same-origin' })).status).toBe(200);
  });

  it('refuses what an HTML form on another site can send: no JSON content type, no key', async () => {
    const { dashboard } = await setup();
    const body = 'args=%5B%5D';
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      const headers = { 'Content-Type': type, 'Content-Length': String(body.length), Origin: 'https://evil.example' };
      const forged = await request(dashboard.port, { path: `${DASHBOARD.callPath}clearQuarantine`, headers, body });
      expect(forged.status).toBe(403);
      // Even with the right key and no Origin, only JSON is accepted.
      const keyed = await request(dashboard.port, {
        path: `${DASHBOARD.callPath}clearQuarantine`,
        headers: { 'Content-Type': type, 'Content-Length': String(body.length), [DASHBOARD.keyHeader]: dashboard.key },
        body,
      });
      expect(keyed.status).toBe(415);
    }
    // A CORS preflight gets no CORS grant.
    const preflight = await request(dashboard.port, {
      method: 'OPTIONS',
      path: `${DASHBOARD.callPath}getStatus`,
      headers: { Origin: 'https://evil.example', 'Access-Control-Request-Method': 'POST' },
    });
    expect(preflight.status).toBe(403);
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('validates arguments (400 BAD_ARGUMENTS) and refuses unknown calls, wrong methods and big bodies', async () => {
    const { dashboard } = await setup();
    const bad = await call(dashboard, 'queryDeletions', [{ filter: {}, offset: -1, limit: 10 }]);
    expect(bad.status).toBe(400);
    expect(bad.json().error.code).toBe('BAD_ARGUMENTS');
    expect((await call(dashboard, 'getStatus', [1])).json().error.code).toBe('BAD_ARGUMENTS');
    expect((await call(dashboard, 'addToken', [{ token: 'short', portal: null, label: '' }])).status).toBe(400);
    expect((await call(dashboard, 'updateSettings', [{ eventPort: 80, extra: true }])).status).toBe(400);
    const notJson = await request(dashboard.port, {
      path: `${DASHBOARD.callPath}getStatus`,
      headers: { 'Content-Type': 'application/json', 'Content-Length': '5', [DASHBOARD.keyHeader]: dashboard.key },
      body: '{args',
    });
    expect(notJson.status).toBe(400);
    expect((await call(dashboard, 'constructor', [])).status).toBe(404);
    expect((await call(dashboard, '__proto__', [])).status).toBe(404);
    expect((await get(dashboard, `${DASHBOARD.callPath}getStatus`, { [DASHBOARD.keyHeader]: dashboard.key })).status).toBe(405);
    const huge = JSON.stringify({ args: [{ filter: {}, offset: 0, limit: 1, pad: 'x'.repeat(70 * 1024) }] });
    const tooBig = await request(dashboard.port, {
      path: `${DASHBOARD.callPath}queryDeletions`,
      headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(huge), [DASHBOARD.keyHeader]: dashboard.key },
      body: huge,
    });
    expect(tooBig.status).toBe(413);
    const missing = await call(dashboard, 'trustQuarantined', [{ id: '00000000-0000-4000-8000-000000000000', label: 'x' }]);
    expect(missing.status).toBe(404);
    expect(missing.json().error).toEqual({ code: 'NOT_FOUND', message: expect.any(String) });
  });

  it('refuses exportCsv over HTTP: a web page must not choose a file for the server to write', async () => {
    const { dashboard } = await setup();
    const target = path.join(tempDir(), 'pwned.csv');
    const response = await call(dashboard, 'exportCsv', [{ filter: {}, path: target }]);
    expect(response.status).toBe(403);
    expect(response.json().error.code).toBe('FORBIDDEN');
    expect(await import('node:fs').then((fs) => fs.existsSync(target))).toBe(false);
  });

  it('answers getActivity with the counts by type, user and portal (and refuses an unknown time zone)', async () => {
    const { dashboard, eventPort, core } = await setup();
    expect((await postEvent(eventPort, fixture('dynamic-item-delete.form'))).status).toBe(200);
    expect((await postEvent(eventPort, fixture('smart-invoice-delete-with-user.form'))).status).toBe(200);
    const response = await call(dashboard, 'getActivity', [{ filter: {}, timeZone: 'Europe/Moscow' }]);
    expect(response.status).toBe(200);
    const activity = response.json().result as Activity;
    expect(activity).toEqual(await core.getActivity({ filter: {}, timeZone: 'Europe/Moscow' }));
    expect(activity.total).toBe(2);
    expect(activity.granularity).toBe('hour');
    expect(activity.timeZone).toBe('Europe/Moscow');
    expect(activity.buckets.reduce((a, b) => a + b.total, 0)).toBe(2);
    expect(activity.entityTypeIds.sort()).toEqual([1220, 31].sort());
    expect(activity.topPortals.reduce((a, p) => a + p.count, 0)).toBe(2);
    const typed = (await call(dashboard, 'getActivity', [{ filter: { entityTypeId: 31 } }])).json().result as Activity;
    expect(typed.total).toBe(1);
    const bad = await call(dashboard, 'getActivity', [{ filter: {}, timeZone: 'Nowhere/Atlantis' }]);
    expect(bad.status).toBe(400);
    expect(bad.json().error.code).toBe('BAD_ARGUMENTS');
  });

  it('streams the CSV download, which parses back to the stored rows', async () => {
    const { dashboard, eventPort } = await setup();
    expect((await postEvent(eventPort, fixture('dynamic-item-delete.form'))).status).toBe(200);
    expect((await postEvent(eventPort, fixture('smart-invoice-delete-with-user.form'))).status).toBe(200);
    const response = await fetch(`http://127.0.0.1:${dashboard.port}${DASHBOARD.exportPath}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', [DASHBOARD.keyHeader]: dashboard.key },
      body: JSON.stringify({ filter: {} }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(response.headers.get('content-disposition')).toMatch(/^attachment; filename="deletions-\d{4}-\d{2}-\d{2}\.csv"$/);
    const bytes = Buffer.from(await response.arrayBuffer());
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const [header, ...rows] = parse(bytes, { bom: true }) as string[][];
    expect(header).toEqual([...CSV_HEADER]);
    expect(rows.map((r) => r[5]).sort()).toEqual(['23', '905']);
    expect(bytes.toString('utf8')).not.toContain(SEED_TOKEN);

    const filtered = await request(dashboard.port, {
      path: DASHBOARD.exportPath,
      headers: { 'Content-Type': 'application/json', [DASHBOARD.keyHeader]: dashboard.key },
      body: JSON.stringify({ filter: { entityTypeId: 31 } }),
    });
    expect((parse(filtered.text, { bom: true }) as string[][]).slice(1).map((r) => r[5])).toEqual(['905']);
    const badFilter = await request(dashboard.port, {
      path: DASHBOARD.exportPath,
      headers: { 'Content-Type': 'application/json', [DASHBOARD.keyHeader]: dashboard.key },
      body: JSON.stringify({ filter: { path: '/etc/passwd' } }),
    });
    expect(badFilter.status).toBe(400);
    expect(badFilter.json().error.code).toBe('BAD_ARGUMENTS');
    // In the page's language; anything but en or ru refused.
    const russian = await request(dashboard.port, {
      path: DASHBOARD.exportPath,
      headers: { 'Content-Type': 'application/json', [DASHBOARD.keyHeader]: dashboard.key },
      body: JSON.stringify({ filter: {}, language: 'ru' }),
    });
    expect((parse(russian.text, { bom: true }) as string[][])[0]).toEqual([...CSV_HEADER_RU]);
    const badLanguage = await request(dashboard.port, {
      path: DASHBOARD.exportPath,
      headers: { 'Content-Type': 'application/json', [DASHBOARD.keyHeader]: dashboard.key },
      body: JSON.stringify({ filter: {}, language: '../etc' }),
    });
    expect(badLanguage.status).toBe(400);
    expect(badLanguage.json().error).toEqual({ code: 'BAD_ARGUMENTS', message: 'language: must be "en" or "ru"' });
  });

  it('pushes deletionsAdded over Server-Sent Events when an event reaches the event port', async () => {
    const { dashboard, eventPort } = await setup();
    const controller = new AbortController();
    const response = await fetch(`http://127.0.0.1:${dashboard.port}${DASHBOARD.eventsPath}`, {
      headers: { [DASHBOARD.keyHeader]: dashboard.key },
      signal: controller.signal,
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    const nextMessage = async (name: string): Promise<unknown> => {
      for (;;) {
        const match = new RegExp(`(?:^|\\n)event: ${name}\\ndata: (.*)\\n\\n`).exec(buffer);
        if (match) return JSON.parse(match[1]!);
        const { value, done } = await reader.read();
        if (done) throw new Error('stream ended');
        buffer += value;
      }
    };
    expect((await postEvent(eventPort, fixture('dynamic-item-delete.form'))).status).toBe(200);
    const added = (await nextMessage('deletionsAdded')) as DeletionRecord[];
    expect(added).toHaveLength(1);
    expect(added[0]).toMatchObject({ itemId: 23, entityTypeId: 1220, portal: 'some-domain.bitrix24.com' });
    expect(await nextMessage('statusChanged')).toMatchObject({ counts: { total: 1 } });
    controller.abort();
  });

  it('serves the built renderer with security headers, and refuses path traversal', async () => {
    const { dashboard } = await setup();
    const index = await get(dashboard, '/');
    expect(index.status).toBe(200);
    expect(index.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(index.text).toBe(INDEX_HTML);
    const csp = String(index.headers['content-security-policy']);
    for (const directive of ["default-src 'self'", "script-src 'self'", "connect-src 'self'", "frame-ancestors 'none'", "base-uri 'none'", "form-action 'none'"]) {
      expect(csp).toContain(directive);
    }
    expect(csp).not.toContain('unsafe-eval');
    expect(index.headers['x-content-type-options']).toBe('nosniff');
    expect(index.headers['referrer-policy']).toBe('no-referrer');
    expect((await get(dashboard, '/assets/app.js')).headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect((await get(dashboard, '/assets/app.css')).headers['content-type']).toBe('text/css; charset=utf-8');
    expect((await get(dashboard, '/assets/missing.js')).status).toBe(404);
    expect((await get(dashboard, '/assets')).status).toBe(404);

    for (const attack of [
      '/../secret.txt',
      '/assets/../../secret.txt',
      '/%2e%2e/secret.txt',
      '/%2e%2e/%2e%2e/etc/passwd',
      '/..%2f..%2fetc/passwd',
      '/..%2fsecret.txt',
      '/..%5csecret.txt',
      '/%00',
      '/index.html%00.js',
      '/..\\secret.txt',
      '/%252e%252e/secret.txt',
      '//etc/passwd',
      '/.env',
      '/%E0%A4%A',
    ]) {
      const response = await get(dashboard, attack);
      expect([400, 403, 404], attack).toContain(response.status);
      expect(response.text, attack).not.toContain('TOP-SECRET');
      expect(response.text, attack).not.toContain('root:');
      expect(response.headers['content-security-policy'], attack).toBeDefined();
    }
    expect(resolveStaticPath('/srv/r', '/../package.json')).toEqual({ status: 403 });
    expect(resolveStaticPath('/srv/r', '/a/b.js')).toEqual({ file: path.resolve('/srv/r/a/b.js') });
  });

  it('answers 503 with a build hint when the renderer is not built', async () => {
    const { dashboard } = await setup(path.join(tempDir(), 'not-built'));
    const response = await get(dashboard, '/');
    expect(response.status).toBe(503);
    expect(response.text).toContain('npm run build:renderer');
    // The API still works without the page.
    expect((await call(dashboard, 'getStatus', [])).status).toBe(200);
  });

  it('stops cleanly with an event stream open', async () => {
    const { dashboard } = await setup();
    const closed = new Promise<void>((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port: dashboard.port, path: DASHBOARD.eventsPath, headers: { [DASHBOARD.keyHeader]: dashboard.key } }, (res) => {
          res.on('data', () => undefined);
          res.on('close', resolve);
          void dashboard.stop();
        })
        .on('error', reject);
    });
    await closed;
    await dashboard.stop();
  });
});
