import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startCore } from '../../../helpers/core-harness.js';
import { SEED_SECRETS, SEED_TOKEN, WEBHOOK_TOKEN, fixture, fixtureNames, formToJson } from '../../../helpers/fixtures.js';
import { postEvent, request } from '../../../helpers/http-client.js';

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? filesUnder(full) : [full];
  });
}

const EXPECTED: Record<string, { event: string; itemId: number; entityTypeId: number; byUser: boolean; userId: number | null; sentAt: number }> = {
  'dynamic-item-delete': { event: 'ONCRMDYNAMICITEMDELETE', itemId: 23, entityTypeId: 1220, byUser: true, userId: null, sentAt: 1723538149000 },
  'dynamic-item-delete-no-user': { event: 'ONCRMDYNAMICITEMDELETE', itemId: 24, entityTypeId: 1220, byUser: false, userId: null, sentAt: 1723538150000 },
  'outgoing-webhook-deal-delete': { event: 'ONCRMDEALDELETE', itemId: 4512, entityTypeId: 2, byUser: false, userId: null, sentAt: 1723538301000 },
  'smart-invoice-delete-with-user': { event: 'ONCRMDYNAMICITEMDELETE', itemId: 905, entityTypeId: 31, byUser: true, userId: 1, sentAt: 1727018926000 },
};

describe('event listener', () => {
  it.each(fixtureNames('form'))('stores the fixture %s, as form and as JSON, once', async (name) => {
    const { core, port } = await startCore({ tokens: [SEED_TOKEN, WEBHOOK_TOKEN] });
    const form = fixture(name);
    const asForm = await postEvent(port, form);
    expect(asForm.status).toBe(200);
    expect(asForm.json()).toEqual({ ok: true, stored: true });
    const asJson = await postEvent(port, formToJson(form), 'application/json');
    expect(asJson.status).toBe(200);
    expect(asJson.json()).toEqual({ ok: true, stored: false, duplicate: true });
    const { rows, total } = await core.queryDeletions({ filter: {}, offset: 0, limit: 10 });
    expect(total).toBe(1);
    expect(rows[0]).toMatchObject({
      ...EXPECTED[name.replace(/\.form$/, '')],
      portal: 'some-domain.bitrix24.com',
      memberId: 'a223c6b3710f85df22e9377d6c4f7553',
      clientEndpoint: 'https://some-domain.bitrix24.com/rest/',
      seq: 1,
    });
    expect(rows[0]!.tokenFp).toMatch(/^[0-9a-f]{8}$/);
  });

  it('stores the JSON fixture as the docs print it', async () => {
    const { core, port } = await startCore({ tokens: [SEED_TOKEN] });
    const response = await postEvent(port, fixture('dynamic-item-delete.json'), 'application/json; charset=utf-8');
    expect(response.status).toBe(200);
    expect((await core.queryDeletions({ filter: {}, offset: 0, limit: 1 })).rows[0]).toMatchObject({ itemId: 23, entityTypeId: 1220, byUser: true });
  });

  it('answers 401 to a wrong token, stores nothing, and quarantines the redacted request', async () => {
    const { core, port } = await startCore({ tokens: [WEBHOOK_TOKEN] });
    const response = await postEvent(port, fixture('dynamic-item-delete.form'));
    expect(response.status).toBe(401);
    expect(response.json()).toEqual({ error: 'unknown application token' });
    expect(core.store.total).toBe(0);
    const quarantine = await core.listQuarantine();
    expect(quarantine).toHaveLength(1);
    expect(quarantine[0]).toMatchObject({ portal: 'some-domain.bitrix24.com', event: 'ONCRMDYNAMICITEMDELETE', itemId: 23, entityTypeId: 1220 });
    const missing = await postEvent(port, fixture('dynamic-item-delete.form').replace(/&auth%5Bapplication_token%5D=[0-9a-f]+/, ''));
    expect(missing.status).toBe(401);
    expect(missing.json().error).toContain('auth[application_token]');
    expect(core.store.total).toBe(0);
  });

  it('accepts a trusted token only from its portal', async () => {
    const { core, port } = await startCore();
    await core.addToken({ token: SEED_TOKEN, portal: 'other.bitrix24.com', label: 'other' });
    const response = await postEvent(port, fixture('dynamic-item-delete.form'));
    expect(response.status).toBe(401);
    expect(response.json().error).toBe('application token is not accepted for portal some-domain.bitrix24.com');
    await core.addToken({ token: SEED_TOKEN, portal: 'some-domain.bitrix24.com', label: 'ours' });
    expect((await postEvent(port, fixture('dynamic-item-delete.form'))).status).toBe(200);
  });

  it('moves quarantined deletions into the log when their token is trusted', async () => {
    const { core, port } = await startCore();
    expect((await postEvent(port, fixture('dynamic-item-delete.form'))).status).toBe(401);
    expect((await postEvent(port, fixture('smart-invoice-delete-with-user.form'))).status).toBe(401);
    expect((await postEvent(port, fixture('outgoing-webhook-deal-delete.form'))).status).toBe(401);
    const entry = (await core.listQuarantine()).find((e) => e.itemId === 23)!;
    const result = await core.trustQuarantined({ id: entry.id, label: 'main portal' });
    expect(result.moved).toBe(2);
    expect((await core.queryDeletions({ filter: {}, offset: 0, limit: 10 })).rows.map((r) => r.itemId).sort()).toEqual([23, 905]);
    expect(await core.listQuarantine()).toHaveLength(1); // the other token's request stays
    expect((await postEvent(port, fixture('dynamic-item-delete-no-user.form'))).status).toBe(200);
  });

  it('keeps the seed tokens out of every file under the data folder', async () => {
    const { core, port, dataDir } = await startCore({ segmentSize: 2 });
    await core.addToken({ token: SEED_TOKEN, portal: null, label: 'seed' });
    for (const name of fixtureNames('form')) await postEvent(port, fixture(name)); // one is refused: quarantined
    await postEvent(port, fixture('dynamic-item-delete.json'), 'application/json');
    await core.stop();
    const files = filesUnder(dataDir);
    expect(files.some((f) => f.includes('seg-'))).toBe(true);
    expect(files.some((f) => f.endsWith('quarantine.json'))).toBe(true);
    expect(files.some((f) => f.endsWith('monitor.log') || f.endsWith('settings.json'))).toBe(true);
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      for (const secret of SEED_SECRETS) expect(text.includes(secret), `${secret} in ${file}`).toBe(false);
    }
  });

  it('ignores (2xx, counted, not stored) other verified events', async () => {
    const { core, port } = await startCore({ tokens: [SEED_TOKEN] });
    const update = fixture('dynamic-item-delete.form').replace('ONCRMDYNAMICITEMDELETE', 'ONCRMDYNAMICITEMUPDATE');
    const response = await postEvent(port, update);
    expect(response.status).toBe(200);
    expect(response.json()).toEqual({ ok: true, stored: false, ignored: true });
    expect(core.store.total).toBe(0);
    expect((await core.getStatus()).counts.ignored).toBe(1);
  });

  it('reads event names case-insensitively and the entity type from a _N suffix', async () => {
    const { core, port } = await startCore({ tokens: [SEED_TOKEN] });
    const body = fixture('dynamic-item-delete.form').replace('event=ONCRMDYNAMICITEMDELETE', 'event=onCrmDynamicItemDelete_1220');
    expect((await postEvent(port, body)).status).toBe(200);
    const noType = fixture('dynamic-item-delete.form').replace('event=ONCRMDYNAMICITEMDELETE', 'event=ONCRMDYNAMICITEMDELETE_147').replace('&data%5BFIELDS%5D%5BENTITY_TYPE_ID%5D=1220', '');
    expect((await postEvent(port, noType)).status).toBe(200);
    const rows = (await core.queryDeletions({ filter: {}, offset: 0, limit: 10 })).rows;
    expect(rows.map((r) => [r.event, r.entityTypeId])).toEqual([
      ['ONCRMDYNAMICITEMDELETE_147', 147],
      ['ONCRMDYNAMICITEMDELETE_1220', 1220],
    ]);
  });

  it('serves /health without secrets and refuses other paths and methods', async () => {
    const { port, dataDir } = await startCore({ tokens: [SEED_TOKEN] });
    const health = await request(port, { method: 'GET', path: '/health' });
    expect(health.status).toBe(200);
    expect(health.json()).toMatchObject({ status: 'ok', deletions: 0, tunnel: 'off' });
    expect(health.text).not.toContain(SEED_TOKEN);
    expect(health.text).not.toContain(dataDir);
    expect((await request(port, { method: 'GET', path: '/' })).status).toBe(405);
    expect((await request(port, { method: 'POST', path: '/health' })).status).toBe(405);
    expect((await request(port, { method: 'GET', path: '/settings.json' })).status).toBe(404);
    expect((await request(port, { method: 'POST', path: '/api/call/getSettings', headers: { 'Content-Type': 'application/json' }, body: '{}' })).status).toBe(404);
  });
});
