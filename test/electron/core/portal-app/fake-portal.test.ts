/**
 * The fake portal itself (test/helpers/fake-bitrix24-portal.ts), lightly: the shapes the client relies on.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- the tests read arbitrary JSON answers */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeBitrix24Portal, type FakePortalOptions } from '../../../helpers/fake-bitrix24-portal.js';
import { httpBuildQuery } from '../../../helpers/php-form.js';
import { parseFormBody } from '../../../../electron/core/events/parse-body.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function portal(options: FakePortalOptions = {}): Promise<FakeBitrix24Portal> {
  const p = await FakeBitrix24Portal.start(options);
  cleanups.push(() => p.close());
  return p;
}

async function rest(p: FakeBitrix24Portal, method: string, params: Record<string, unknown>): Promise<{ status: number; body: any }> {
  const res = await fetch(`${p.clientEndpoint}${method}.json`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(params) });
  return { status: res.status, body: await res.json() };
}

async function oauth(p: FakeBitrix24Portal, query: Record<string, string>): Promise<{ status: number; body: any }> {
  const res = await fetch(`http://127.0.0.1:${p.oauthPort}/oauth/token/?${new URLSearchParams(query)}`);
  return { status: res.status, body: await res.json() };
}

describe('fake Bitrix24 portal', () => {
  it('encodes forms like PHP http_build_query', () => {
    expect(httpBuildQuery({ event: 'ONCRMDEALDELETE', data: { FIELDS: { ID: '1765' } }, auth: { client_endpoint: 'https://a b/rest/', x: undefined } })).toBe(
      'event=ONCRMDEALDELETE&data%5BFIELDS%5D%5BID%5D=1765&auth%5Bclient_endpoint%5D=https%3A%2F%2Fa+b%2Frest%2F',
    );
  });

  it('refresh tokens work once; expired access tokens answer 401 expired_token; bad secrets invalid_client', async () => {
    const p = await portal();
    const pair = p.issueTokens(1);
    expect((await rest(p, 'app.info', { auth: pair.access_token })).body.result.CODE).toBe(p.clientId);
    expect(await rest(p, 'app.info', {})).toMatchObject({ status: 401, body: { error: 'NO_AUTH_FOUND' } });
    p.expireAccessTokens();
    expect(await rest(p, 'app.info', { auth: pair.access_token })).toMatchObject({ status: 401, body: { error: 'expired_token' } });
    const grant = { grant_type: 'refresh_token', client_id: p.clientId, client_secret: p.clientSecret, refresh_token: pair.refresh_token };
    const first = await oauth(p, grant);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ client_endpoint: p.clientEndpoint, member_id: p.memberId, expires_in: 3600 });
    expect(await oauth(p, grant)).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect(await oauth(p, { ...grant, client_secret: 'nope', refresh_token: first.body.refresh_token })).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
    const code = p.authorize(7);
    expect((await oauth(p, { grant_type: 'authorization_code', client_id: p.clientId, client_secret: p.clientSecret, code })).body.user_id).toBe(7);
    expect(p.refreshCount).toBe(1);
  });

  it('limits requests with a leaky bucket and runs batches with errors and halt', async () => {
    const p = await portal({ limits: { burst: 5, perSecond: 1 } });
    const { access_token: auth } = p.issueTokens(1);
    const answers = await Promise.all(Array.from({ length: 8 }, () => rest(p, 'crm.enum.ownertype', { auth })));
    expect(answers.filter((a) => a.status === 503 && a.body.error === 'QUERY_LIMIT_EXCEEDED').length).toBe(3);
    p.limits = null;
    const batch = await rest(p, 'batch', { auth, halt: 0, cmd: { u: 'user.get?ID=7', bad: 'no.such', t: 'crm.enum.ownertype' } });
    expect(batch.body.result.result.u[0]).toMatchObject({ ID: '7', NAME: 'Ivan' });
    expect(batch.body.result.result_error.bad).toMatchObject({ error: 'ERROR_METHOD_NOT_FOUND' });
    expect(batch.body.result.result.t).toContainEqual({ ID: 1038, NAME: 'Equipment purchase', SYMBOL_CODE: 'DYNAMIC_1038' });
    const halted = await rest(p, 'batch', { auth, halt: 1, cmd: { bad: 'no.such', t: 'crm.enum.ownertype' } });
    expect(halted.body.result.result).toEqual([]);
  });

  it('binds, refuses a second identical binding, posts deletions in PHP form encoding, and queues offline rows once per MESSAGE_ID', async () => {
    const p = await portal({ limits: null });
    const { access_token: auth } = p.issueTokens(1);
    const bodies: string[] = [];
    const sink = http.createServer((req, res) => {
      let text = '';
      req.on('data', (c: Buffer) => (text += c));
      req.on('end', () => (bodies.push(`${req.headers.host} ${req.headers['content-type']} ${text}`), res.end('{}')));
    });
    await new Promise<void>((r) => sink.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise((r) => sink.close(r)));
    const url = `http://abc.localtunnel.test:${(sink.address() as AddressInfo).port}/`;
    expect((await rest(p, 'event.bind', { auth, event: 'ONCRMDEALDELETE', handler: url })).body.result).toBe(true);
    expect(await rest(p, 'event.bind', { auth, event: 'onCrmDealDelete', handler: url })).toMatchObject({ status: 400, body: { error: 'ERROR_CORE', error_description: 'Handler already binded' } });
    expect((await rest(p, 'event.bind', { auth, event: 'ONCRMDEALDELETE', event_type: 'offline' })).body.result).toBe(true);
    expect((await rest(p, 'event.get', { auth })).body.result).toEqual([
      { event: 'ONCRMDEALDELETE', handler: url, auth_type: '0', offline: 0 },
      { event: 'ONCRMDEALDELETE', handler: '', auth_type: '0', offline: 1 },
    ]);

    await p.deleteItem({ event: 'ONCRMDEALDELETE', id: 5, userId: 7, ts: 1_800_000_000 });
    await p.deleteItem({ event: 'ONCRMDEALDELETE', id: 5, userId: 7, ts: 1_800_000_001 });
    expect(bodies).toHaveLength(2);
    const [host, type, form] = bodies[0]!.split(' ');
    expect([host, type]).toEqual([new URL(url).host, 'application/x-www-form-urlencoded']);
    expect(form).toMatch(/^event=ONCRMDEALDELETE&event_handler_id=\d+&data%5BFIELDS%5D%5BID%5D=5&ts=1800000000&auth%5Baccess_token%5D=/);
    const parsed = parseFormBody(form!) as any;
    expect(parsed.auth).toMatchObject({ user_id: '7', application_token: p.applicationToken, domain: p.domain });
    expect(p.offlineQueue).toHaveLength(1); // same name and data: one row

    const reserved = await rest(p, 'event.offline.get', { auth, clear: 0 });
    expect(reserved.body.result.events).toMatchObject([{ EVENT_NAME: 'ONCRMDEALDELETE', EVENT_DATA: { FIELDS: { ID: '5' } }, EVENT_ADDITIONAL: { user_id: '7' } }]);
    expect((await rest(p, 'event.offline.get', { auth, clear: 0 })).body.result.events).toEqual([]); // reserved to the first process
    await rest(p, 'event.offline.clear', { auth, process_id: reserved.body.result.process_id, message_id: [reserved.body.result.events[0].MESSAGE_ID] });
    expect(p.offlineQueue).toHaveLength(0);
    expect((await rest(p, 'event.unbind', { auth, event: 'ONCRMDEALDELETE', handler: url })).body.result).toEqual({ count: 1 });
  });
});
