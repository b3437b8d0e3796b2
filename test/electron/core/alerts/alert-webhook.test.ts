/**
 * The alert end to end in the core: 25 deletions by one user within 2 minutes, posted to a real
 * MonitorCore, make one alert (status, push, /health, log line) and one POST of a short JSON message to
 * a team-chat webhook served here; 19 make none. The message carries no token.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { MassDeletionAlert } from '../../../../electron/core/contract.js';
import { postAlert } from '../../../../electron/core/alerts/alert-webhook.js';
import { startCore } from '../../../helpers/core-harness.js';
import { SEED_TOKEN } from '../../../helpers/fixtures.js';
import { postEvent, request } from '../../../helpers/http-client.js';
import { E2E_OAUTH_TOKENS, deletionForm } from '../../../e2e/helpers/events.js';

const servers: http.Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

/** A chat bot's incoming webhook: records what it gets; answers `statuses` in turn (then 200). */
async function chatWebhook(statuses: number[] = []): Promise<{ url: string; received: { body: string; type: string | undefined }[] }> {
  const received: { body: string; type: string | undefined }[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received.push({ body, type: req.headers['content-type'] });
      res.writeHead(statuses.shift() ?? 200).end('ok');
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, received };
}

const ts0 = 1_764_928_800; // 2025-12-05 10:00:00 UTC
function burst(count: number, itemBase: number): string[] {
  return Array.from({ length: count }, (_, i) =>
    deletionForm({ portal: 'acme.bitrix24.com', memberId: 'c0ffee00c0ffee00c0ffee00c0ffee00', token: SEED_TOKEN, entityTypeId: 2, itemId: itemBase + i, ts: ts0 + i * 5, userId: 7 }),
  );
}

describe('mass-deletion alerts in the core', () => {
  it('25 deletions by one user in 2 minutes: one alert, one POST to the team chat, a log line, /health; 19: none', async () => {
    const chat = await chatWebhook();
    const lines: string[] = [];
    const log = { info: (m: string) => lines.push(`info ${m}`), warn: (m: string) => lines.push(`warn ${m}`), error: (m: string) => lines.push(`error ${m}`) };
    const { core, port } = await startCore({ tokens: [SEED_TOKEN], log });
    await core.updateSettings({ alerts: { webhookUrl: chat.url } });
    const pushed: MassDeletionAlert[] = [];
    core.on('massDeletion', (a) => pushed.push(a));

    for (const body of burst(19, 1000)) expect((await postEvent(port, body)).status).toBe(200);
    const afterNineteen = (await core.getStatus()).alerts;
    expect(afterNineteen).toEqual([]);

    const other = burst(25, 5000).map((b) => b.replace('auth%5Buser_id%5D=7', 'auth%5Buser_id%5D=8'));
    for (const body of other) expect((await postEvent(port, body)).status).toBe(200);
    const status = await core.getStatus();
    expect(status.alerts).toHaveLength(1);
    expect(status.alerts[0]).toMatchObject({ portal: 'acme.bitrix24.com', userId: 8, count: 25, threshold: 20, windowMinutes: 10, firstAt: ts0 * 1000, lastAt: (ts0 + 120) * 1000 });
    expect(pushed).toHaveLength(1);
    expect(lines.filter((l) => l.includes('alert: mass deletion'))).toEqual(['warn alert: mass deletion on acme.bitrix24.com: 20 deletions by user 8 within 10 min (rule: 20)']);
    const health = (await request(port, { method: 'GET', path: '/health' })).json() as { alerts: { count: number }[] };
    expect(health.alerts).toEqual([{ portal: 'acme.bitrix24.com', count: 25, firstAt: ts0 * 1000, lastAt: (ts0 + 120) * 1000, raisedAt: expect.any(Number) }]);

    await expect.poll(() => chat.received.length).toBe(1);
    expect(chat.received[0]!.type).toBe('application/json');
    const message = JSON.parse(chat.received[0]!.body) as Record<string, unknown>;
    expect(message).toMatchObject({ portal: 'acme.bitrix24.com', userId: 8, user: 'user 8', count: 20, rule: { threshold: 20, windowMinutes: 10 } });
    expect(message['text']).toBe('Mass deletion on acme.bitrix24.com: 20 CRM items deleted by user 8 in 2 min (rule: 20 within 10 min).');
    for (const secret of [SEED_TOKEN, ...E2E_OAUTH_TOKENS]) expect(chat.received[0]!.body).not.toContain(secret);
    await new Promise((r) => setTimeout(r, 200));
    expect(chat.received).toHaveLength(1); // one per burst, not one per row
    // What a closing note quotes.
    console.info(`19 deletions by user 7: ${afterNineteen.length} alerts; 25 by user 8 in 2 min: ${status.alerts.length} alert, count ${status.alerts[0]!.count}; log: ${lines.find((l) => l.includes('alert:'))}; chat POST (${chat.received.length}): ${chat.received[0]!.body}`);
  });

  it('retries a failing chat webhook with back-off, a bounded number of times, and times out a silent one', async () => {
    const alert: MassDeletionAlert = { id: 'x', portal: 'acme.bitrix24.com', userId: null, count: 30, firstAt: 0, lastAt: 60_000, raisedAt: 1, threshold: 20, windowMinutes: 10 };
    const flaky = await chatWebhook([503, 500]);
    expect(await postAlert(flaky.url, alert, { minDelayMs: 10 })).toBe(200);
    expect(flaky.received).toHaveLength(3);
    const down = await chatWebhook([503, 503, 503, 503]);
    await expect(postAlert(down.url, alert, { minDelayMs: 10 })).rejects.toThrow(/HTTP 503/);
    expect(down.received).toHaveLength(3);
    const silent = http.createServer(() => undefined);
    servers.push(silent);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const started = Date.now();
    await expect(postAlert(`http://127.0.0.1:${(silent.address() as AddressInfo).port}/`, alert, { timeoutMs: 200, attempts: 2, minDelayMs: 10 })).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(5_000);
    silent.closeAllConnections();
  });
});
