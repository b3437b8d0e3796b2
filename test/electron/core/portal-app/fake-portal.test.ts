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

  it('crm.item.list pages generated items by 50 (cursor, offsets, id arrays, select), camelCase; crm.item.get; also inside batch', async () => {
    const p = await portal({ limits: null });
    const { access_token: auth } = p.issueTokens(1);
    const ids = p.generateItems(2, 120, { gapEvery: 10, gap: 5 });
    expect(ids.slice(0, 12)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 16, 17]); // gaps: deleted ids
    p.generateItems(3, 3);
    const first = (await rest(p, 'crm.item.list', { auth, entityTypeId: 2, order: { id: 'ASC' }, filter: { '>id': 0 }, start: 0 })).body;
    expect(first.result.items).toHaveLength(50);
    expect(first).toMatchObject({ total: 120, next: 50 });
    expect(first.result.items[0]).toEqual({ id: 1, title: 'DEAL #1', assignedById: 1, opportunity: 10.5, currencyId: 'USD', updatedTime: expect.stringMatching(/\+00:00$/) });
    const last = (await rest(p, 'crm.item.list', { auth, entityTypeId: 2, filter: { '>id': 0 }, start: 100 })).body;
    expect(last.result.items).toHaveLength(20);
    expect(last.next).toBeUndefined();
    const cursor = ids[59]!;
    const after = (await rest(p, 'crm.item.list', { auth, entityTypeId: 2, select: ['id', 'title'], filter: { '>id': cursor } })).body;
    expect(after.total).toBe(60);
    expect(after.result.items[0]).toEqual({ id: ids[60], title: `DEAL #${ids[60]}` });
    const some = (await rest(p, 'crm.item.list', { auth, entityTypeId: 2, filter: { '@id': [ids[5], 99_999, ids[3]] } })).body;
    expect(some.result.items.map((i: any) => i.id)).toEqual([ids[3], ids[5]]);
    expect((await rest(p, 'crm.item.list', { auth, entityTypeId: 3 })).body.result.items[0]).toMatchObject({ id: 1, name: 'Contact', lastName: 'No 1' });
    expect((await rest(p, 'crm.item.get', { auth, entityTypeId: 2, id: 1 })).body.result.item).toMatchObject({ id: 1, title: 'DEAL #1' });
    p.dropItem(2, 1);
    expect(await rest(p, 'crm.item.get', { auth, entityTypeId: 2, id: 1 })).toMatchObject({ status: 400, body: { error: 'NOT_FOUND' } });
    expect((await rest(p, 'crm.item.list', { auth, entityTypeId: 2 })).body.total).toBe(119);
    // In a batch: the command strings the REST client builds (bracketed keys), totals and next per command.
    const { batchCommand } = await import('../../../../electron/core/portal-app/rest-client.js');
    const cmd = {
      a: batchCommand('crm.item.list', { entityTypeId: 2, select: ['id', 'title'], order: { id: 'ASC' }, filter: { '>id': 0 }, start: 50 }),
      b: batchCommand('crm.item.list', { entityTypeId: 2, filter: { '@id': ids.slice(0, 30) } }),
      c: batchCommand('crm.item.get', { entityTypeId: 2, id: 1 }),
    };
    const batch = (await rest(p, 'batch', { auth, cmd })).body.result;
    expect(batch.result.a.items[0]).toEqual({ id: ids[51], title: `DEAL #${ids[51]}` }); // item 1 is gone: offsets shift
    expect(batch.result_total).toMatchObject({ a: 119, b: 29 });
    expect(batch.result_next).toMatchObject({ a: 100 });
    expect(batch.result.b.items).toHaveLength(29);
    expect(batch.result_error.c).toMatchObject({ error: 'NOT_FOUND' });
  });

  it('item changes send their events: ONCRM<TYPE>UPDATE / DYNAMICITEM with ENTITY_TYPE_ID, online and queued offline', async () => {
    const p = await portal({ limits: null });
    const got: Record<string, any>[] = [];
    const server = http.createServer((req, res) => {
      let text = '';
      req.on('data', (c: Buffer) => (text += c.toString()));
      req.on('end', () => {
        got.push(parseFormBody(text));
        res.end('{}');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanups.push(async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    });
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const { access_token: auth } = p.issueTokens(1);
    for (const event of ['ONCRMDEALUPDATE', 'ONCRMDYNAMICITEMADD', 'ONCRMDEALDELETE']) {
      await rest(p, 'event.bind', { auth, event, handler: url, event_type: 'online' });
      await rest(p, 'event.bind', { auth, event, event_type: 'offline' });
    }
    const [id] = p.generateItems(2, 1);
    await p.updateItem(2, id!, { title: 'Renamed', opportunity: 999 }, 7);
    expect(p.item(2, id!)).toMatchObject({ title: 'Renamed', opportunity: 999 });
    const added = await p.addItem(1038, { title: 'New machine' });
    await p.removeItem(2, id!, 7);
    expect(p.item(2, id!)).toBeUndefined();
    expect(got.map((b) => [b['event'], b['data']['FIELDS']])).toEqual([
      ['ONCRMDEALUPDATE', { ID: String(id) }],
      ['ONCRMDYNAMICITEMADD', { ID: String(added.id), ENTITY_TYPE_ID: '1038' }],
      ['ONCRMDEALDELETE', { ID: String(id) }],
    ]);
    expect(got[0]!['auth']).toMatchObject({ user_id: '7', application_token: p.applicationToken });
    expect(p.offlineQueue.map((r) => r.EVENT_NAME)).toEqual(['ONCRMDEALUPDATE', 'ONCRMDYNAMICITEMADD', 'ONCRMDEALDELETE']);
  });
});
