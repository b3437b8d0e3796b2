/**
 * The tunnel used to reach anything but the event endpoint. A real MonitorCore tunnels through the
 * localtunnel protocol server on loopback (real @n8n/localtunnel client), with the `serve` dashboard
 * running beside it. Through the public URL: the dashboard API, event stream, export and pages, `..`
 * and encoded paths, absolute-form targets naming the dashboard port, and forwarding headers must all
 * end at the event listener's refusals; /health must answer without secrets; pausing the tunnel must
 * close the door.
 */
import os from 'node:os';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DASHBOARD } from '../../../../electron/core/contract.js';
import { startDashboard, type Dashboard } from '../../../../electron/core/dashboard/dashboard-server.js';
import { startCore } from '../../../helpers/core-harness.js';
import { SEED_TOKEN, fixture } from '../../../helpers/fixtures.js';
import { LocaltunnelTestServer, requestVia, type RawResponse } from '../../../helpers/localtunnel-server.js';
import { tempDir } from '../../../helpers/temp-dir.js';
import { failOnUnhandledErrors, waitFor } from './harness.js';

failOnUnhandledErrors();

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const HEALTH_KEYS = ['alerts', 'deletions', 'status', 'store', 'tunnel', 'version'];

function renderer(): string {
  const dir = path.join(tempDir(), 'renderer');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>dashboard page</title>');
  return dir;
}

/** A dashboard answer always carries its CSP and the `{ error: { code } }` shape; the listener never does. */
function expectListenerAnswer(answer: RawResponse, what: string): void {
  expect(answer.headers['content-security-policy'], `${what}: answered by the dashboard`).toBeUndefined();
  expect(answer.headers['x-frame-options'], what).toBeUndefined();
  expect(answer.headers['content-type'], what).not.toMatch(/event-stream|text\/html|text\/csv/);
  const text = answer.body.toString('utf8');
  if (text.length > 0) {
    const json = JSON.parse(text) as Record<string, unknown>;
    if (answer.status !== 200) expect(typeof json['error'], `${what}: ${text}`).toBe('string');
  }
}

describe('the tunnel reaches the event endpoint and nothing else', () => {
  it('refuses dashboard routes, pages, traversal and forwarding tricks through the public URL', async () => {
    const server = await LocaltunnelTestServer.start();
    cleanups.push(() => server.close());
    const { core, port: eventPort, dataDir } = await startCore({
      tokens: [SEED_TOKEN],
      tunnel: { enabled: true, host: server.host, subdomain: 'b24dm-abuse' },
      tunnelTuning: { probeIntervalMs: 0 },
    });
    const dashboard: Dashboard = await startDashboard({ core, port: 0, staticDir: renderer() });
    cleanups.push(() => dashboard.stop());
    await waitFor(() => core.tunnelState.status === 'online', 10_000, 'tunnel online');
    const host = new URL(server.url('b24dm-abuse')).host;
    const via = (method: string, urlPath: string, headers: Record<string, string> = {}, body?: string): Promise<RawResponse> =>
      requestVia(server.port, host, method, urlPath, headers, body === undefined ? undefined : Buffer.from(body));
    const key = { [DASHBOARD.keyHeader]: dashboard.key };
    const json = { 'content-type': 'application/json', ...key };

    // The one door: a real deletion through the tunnel is stored.
    const event = await via('POST', '/', { 'content-type': 'application/x-www-form-urlencoded' }, fixture('dynamic-item-delete.form'));
    expect(event.status).toBe(200);
    expect(core.store.total).toBe(1);

    // /health answers, with state and counts only.
    const health = await via('GET', '/health', { 'bypass-tunnel-reminder': '1' });
    expect(health.status).toBe(200);
    const healthText = health.body.toString('utf8');
    expect(Object.keys(JSON.parse(healthText)).sort()).toEqual(HEALTH_KEYS);
    for (const secret of [dashboard.key, SEED_TOKEN, dataDir, os.tmpdir(), String(dashboard.port), DASHBOARD.keyHeader, 's6p6eclrvim6da22ft9ch94ekreb52lv']) {
      expect(healthText, `/health leaks ${secret}`).not.toContain(secret);
    }

    const dashboardPort = dashboard.port;
    const attempts: [string, string, Record<string, string>, string | undefined, number[]][] = [
      ['POST', `${DASHBOARD.callPath}getSettings`, json, '{"args":[]}', [404]],
      ['POST', `${DASHBOARD.callPath}getStatus`, json, '{"args":[]}', [404]],
      ['POST', `${DASHBOARD.callPath}updateSettings`, json, '{"args":[{"tunnel":{"host":"https://evil.example"}}]}', [404]],
      ['POST', `${DASHBOARD.callPath}addToken`, json, '{"args":[{"token":"attacker-token-1","portal":null,"label":""}]}', [404]],
      ['POST', `${DASHBOARD.callPath}exportCsv`, json, `{"args":[{"filter":{},"path":"${path.join(tempDir(), 'x.csv')}"}]}`, [404]],
      ['POST', DASHBOARD.exportPath, json, '{"filter":{}}', [404]],
      ['GET', DASHBOARD.eventsPath, key, undefined, [404]],
      ['GET', '/api', key, undefined, [404]],
      ['GET', '/', {}, undefined, [405]],
      ['GET', '/index.html', {}, undefined, [404]],
      ['GET', '/dashboard', {}, undefined, [404]],
      ['GET', `/#key=${dashboard.key}`, {}, undefined, [404, 405]],
      ['GET', '/assets/index.js', {}, undefined, [404]],
      ['GET', '/../api/call/getSettings', key, undefined, [404]],
      ['POST', '/../api/call/getSettings', json, '{"args":[]}', [404]],
      ['POST', '/..%2fapi%2fcall%2fgetSettings', json, '{"args":[]}', [404]],
      ['POST', '/%2e%2e/api/call/getSettings', json, '{"args":[]}', [404]],
      ['GET', '/../../etc/passwd', {}, undefined, [404]],
      ['GET', '/..%5c..%5cwindows%5cwin.ini', {}, undefined, [404]],
      ['GET', '/./health', {}, undefined, [404]],
      ['GET', '/health/../api/call/getSettings', key, undefined, [404]],
      ['GET', `//127.0.0.1:${dashboardPort}/api/call/getSettings`, key, undefined, [404]],
      ['POST', `http://127.0.0.1:${dashboardPort}${DASHBOARD.callPath}getSettings`, json, '{"args":[]}', [404]],
      ['GET', `http://localhost:${dashboardPort}/`, {}, undefined, [404]],
      ['POST', `${DASHBOARD.callPath}getSettings`, { ...json, 'x-forwarded-host': `127.0.0.1:${dashboardPort}`, 'x-forwarded-port': String(dashboardPort) }, '{"args":[]}', [404]],
      ['GET', '/', { 'x-original-url': `${DASHBOARD.callPath}getSettings`, 'x-rewrite-url': `${DASHBOARD.callPath}getSettings` }, undefined, [405]],
      ['POST', '/', { ...json, 'x-http-method-override': 'GET', 'x-original-url': '/health' }, '{"args":[]}', [400]],
      ['OPTIONS', `${DASHBOARD.callPath}getSettings`, { origin: 'https://evil.example', 'access-control-request-method': 'POST' }, undefined, [404]],
    ];
    const before = await core.getSettings();
    for (const [method, target, headers, body, statuses] of attempts) {
      const what = `${method} ${target}`;
      const answer = await via(method, target, headers, body).catch((error: Error) => ({ status: 0, headers: {}, body: Buffer.from(error.message) }) as RawResponse);
      expect(statuses, `${what} → ${answer.status} ${answer.body.toString().slice(0, 120)}`).toContain(answer.status);
      if (answer.status !== 0) expectListenerAnswer(answer, what);
      const text = answer.body.toString('utf8');
      for (const leak of ['retentionDays', '"tokens"', 'eventsUrl', 'dashboard page', 'some-domain.bitrix24.com']) expect(text, `${what} leaks ${leak}`).not.toContain(leak);
    }
    expect(await core.getSettings()).toEqual(before);
    expect(core.store.total).toBe(1);
    expect(eventPort).not.toBe(dashboardPort);
    console.log(`tunnel abuse: ${attempts.length} attempts through the tunnel ended at the event listener; /health keys ${HEALTH_KEYS.join(', ')}`);

    // Paused, the public URL reaches nothing at all.
    await core.setTunnelPaused({ paused: true });
    await waitFor(() => core.tunnelState.status === 'off', 5_000, 'tunnel off');
    await waitFor(() => server.liveGroups() === 0, 5_000, 'tunnel sockets closed');
    const paused = await via('POST', '/', { 'content-type': 'application/x-www-form-urlencoded' }, fixture('smart-invoice-delete-with-user.form'));
    expect(paused.status).not.toBe(200);
    expect(core.store.total).toBe(1);
  }, 30_000);
});
