/**
 * The offline-queue drain against the fake portal: rows are cleared on the portal only after the log
 * took them, a failed store leaves them reserved and the next drain (same reservation) gets them back;
 * hostile rows are skipped, never stored.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { FakeBitrix24Portal } from '../../../helpers/fake-bitrix24-portal.js';
import { OAuthClient, TokenKeeper } from '../../../../electron/core/portal-app/oauth-client.js';
import { RestClient } from '../../../../electron/core/portal-app/rest-client.js';
import { drainOffline, recordFromOfflineRow, type DrainTarget } from '../../../../electron/core/portal-app/offline-drain.js';
import type { UnsequencedRecord } from '../../../../electron/core/events/deletion-record.js';
import { STORED_ANSWER, type PipelineAnswer } from '../../../../electron/core/pipeline/event-pipeline.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup() {
  const portal = await FakeBitrix24Portal.start({ limits: null });
  cleanups.push(() => portal.close());
  const pair = portal.issueTokens(1);
  const keeper = new TokenKeeper({
    pair: { accessToken: pair.access_token, refreshToken: pair.refresh_token, expiresAt: pair.expires * 1000 },
    oauth: new OAuthClient({ oauthBase: `http://127.0.0.1:${portal.oauthPort}/`, clientId: portal.clientId, clientSecret: portal.clientSecret }),
    persist: async () => undefined,
    onReconnectNeeded: () => undefined,
  });
  const rest = new RestClient({ restBase: portal.clientEndpoint, keeper, perSecond: 50, concurrency: 4, minBackoffMs: 20 });
  await rest.call('event.bind', { event: 'ONCRMDEALDELETE', event_type: 'offline' });
  const target: DrainTarget = { domain: portal.domain, memberId: portal.memberId, clientEndpoint: portal.clientEndpoint, tokenFp: 'abcd1234' };
  return { portal, rest, target };
}

describe('offline-queue drain', () => {
  it('clears rows only after they are stored; a failed store leaves them for the next drain with the same reservation', async () => {
    const { portal, rest, target } = await setup();
    for (const id of [1, 2, 3]) await portal.deleteItem({ event: 'ONCRMDEALDELETE', id, userId: 7, ts: 1_800_000_000 + id });

    const failing = async (): Promise<PipelineAnswer> => ({ status: 503, body: { error: 'ENOSPC: no space left on device' } });
    let reserved: string | null = null;
    await expect(drainOffline({ rest, target, reserve: true, store: failing, onProcessId: (p) => (reserved = p) })).rejects.toThrow(/ENOSPC.*stay on the portal/);
    expect(portal.offlineQueue).toHaveLength(3);
    expect(portal.calls('batch')).toHaveLength(1); // the read; no clear
    expect(reserved).toEqual(expect.any(String));
    // Another reader does not get rows reserved to that drain.
    expect((await rest.call<{ events: unknown[] }>('event.offline.get', { clear: 0, process_id: 'someone-else' })).result.events).toEqual([]);

    const stored: UnsequencedRecord[] = [];
    const result = await drainOffline({ rest, target, reserve: true, processId: reserved, store: async (r) => (stored.push(r), STORED_ANSWER) });
    expect(result).toMatchObject({ rows: 3, stored: 3, duplicates: 0, skipped: 0 });
    expect(portal.offlineQueue).toHaveLength(0);
    expect(stored.map((r) => [r.event, r.itemId, r.entityTypeId, r.userId, r.byUser, r.sentAt, r.portal, r.tokenFp])).toEqual(
      [1, 2, 3].map((id) => ['ONCRMDEALDELETE', id, 2, 7, true, (1_800_000_000 + id) * 1000, portal.domain, 'abcd1234']),
    );
  });

  it('reads many pages in one batch and clears them in one more; without reservation, one page at a time', async () => {
    const { portal, rest, target } = await setup();
    for (let id = 1; id <= 120; id++) await portal.deleteItem({ event: 'ONCRMDEALDELETE', id, userId: null });
    const ids = new Set<number>();
    const result = await drainOffline({ rest, target, reserve: true, pagesPerBatch: 2, store: async (r) => (ids.add(r.itemId), STORED_ANSWER) });
    expect(result).toMatchObject({ rows: 120, stored: 120 });
    expect(ids.size).toBe(120);
    expect(portal.offlineQueue).toHaveLength(0);
    expect(portal.calls('batch')).toHaveLength(4); // read 100 + clear, read 20 + clear

    for (let id = 1; id <= 60; id++) await portal.deleteItem({ event: 'ONCRMDEALDELETE', id: 1000 + id, userId: null });
    const plain = await drainOffline({ rest, target, reserve: false, store: async () => STORED_ANSWER });
    expect(plain.rows).toBe(60);
    expect(portal.calls('event.offline.get').map((r) => String(r.params['clear']))).toEqual(['1', '1']); // two pages
  });

  it('skips hostile or foreign rows without throwing', () => {
    const target: DrainTarget = { domain: 'acme.bitrix24.com', memberId: null, clientEndpoint: 'https://acme.bitrix24.com/rest/', tokenFp: 'abcd1234' };
    const good = { EVENT_NAME: 'ONCRMLEADDELETE', TIMESTAMP_X: '2026-12-04T10:00:00+03:00', EVENT_DATA: { FIELDS: { ID: 5 } }, EVENT_ADDITIONAL: { user_id: '3' } };
    expect(recordFromOfflineRow(good, target, 1)).toMatchObject({ event: 'ONCRMLEADDELETE', itemId: 5, entityTypeId: 1, userId: 3, byUser: true, sentAt: Date.parse('2026-12-04T07:00:00Z') });
    const bad: unknown[] = [
      null,
      'row',
      { ...good, EVENT_NAME: 'ONCRMLEADADD' },
      { ...good, EVENT_NAME: '<script>' },
      { ...good, TIMESTAMP_X: 'yesterday' },
      { ...good, EVENT_DATA: { FIELDS: { ID: '-1' } } },
      { ...good, EVENT_DATA: { FIELDS: { ID: '1e3' } } },
      { ...good, EVENT_DATA: JSON.parse('{"__proto__":{"FIELDS":{"ID":"9"}}}') },
      { ...good, EVENT_ADDITIONAL: { user_id: 'root' } },
      { ...good, EVENT_NAME: 'ONCRMDYNAMICITEMDELETE' }, // no ENTITY_TYPE_ID
    ];
    for (const row of bad) expect(recordFromOfflineRow(row, target, 1), JSON.stringify(row)).toBeNull();
    expect(({} as Record<string, unknown>)['FIELDS']).toBeUndefined();
  });
});
