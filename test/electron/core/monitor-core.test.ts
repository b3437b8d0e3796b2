/**
 * MonitorCore's counts and filters around "Send a test event": a test deletion is stored and shown when
 * asked for, marked in the CSV, and counts nowhere; `serve --token` tokens make a monitor "set up".
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { SELF_TEST_PORTAL } from '../../../electron/core/contract.js';
import { MonitorCore } from '../../../electron/core/monitor-core.js';
import { startCore } from '../../helpers/core-harness.js';
import { DeletionStore } from '../../../electron/core/store/deletion-store.js';
import { SettingsStore } from '../../../electron/core/store/settings-store.js';
import { SnapshotStore } from '../../../electron/core/portal-app/snapshot-store.js';
import { makeRecord } from '../../helpers/records.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { SEED_TOKEN, fixture } from '../../helpers/fixtures.js';
import { postEvent } from '../../helpers/http-client.js';

function csvRows(file: string): string[][] {
  return (parse(readFileSync(file), { bom: true }) as string[][]).slice(1);
}

describe('test deletions ("Send a test event")', () => {
  it('are stored, but left out of counts, queries, facets and exports unless asked for, and marked in the CSV', async () => {
    const { core, port, dataDir } = await startCore({ tokens: [SEED_TOKEN] });
    const test = await core.sendTestEvent();
    expect(test.record?.portal).toBe(SELF_TEST_PORTAL);
    expect((await postEvent(port, fixture('dynamic-item-delete.form'))).status).toBe(200);

    const status = await core.getStatus();
    expect(status.counts).toMatchObject({ total: 1, today: 1, unseen: 1 });
    expect(core.store.total).toBe(2); // both are in the log

    const plain = await core.queryDeletions({ filter: {}, offset: 0, limit: 10 });
    expect(plain.total).toBe(1);
    expect(plain.rows.map((r) => r.portal)).toEqual(['some-domain.bitrix24.com']);
    const all = await core.queryDeletions({ filter: { includeTests: true }, offset: 0, limit: 10 });
    expect(all.total).toBe(2);
    expect(all.rows.map((r) => r.portal)).toEqual(['some-domain.bitrix24.com', SELF_TEST_PORTAL]);
    expect((await core.queryDeletions({ filter: { event: 'ONCRMDYNAMICITEMDELETE' }, offset: 0, limit: 10 })).total).toBe(1);
    expect((await core.listFacets()).portals).toEqual(['some-domain.bitrix24.com']);

    const out = path.join(dataDir, 'plain.csv');
    expect((await core.exportCsv({ filter: {}, path: out })).rows).toBe(1);
    expect(csvRows(out).map((r) => [r[6], r[11]])).toEqual([['some-domain.bitrix24.com', '']]);
    const withTests = path.join(dataDir, 'with-tests.csv');
    expect((await core.exportCsv({ filter: { includeTests: true }, path: withTests })).rows).toBe(2);
    expect(csvRows(withTests).map((r) => [r[6], r[11]])).toEqual([
      [SELF_TEST_PORTAL, 'yes'],
      ['some-domain.bitrix24.com', ''],
    ]);

    await core.markSeen();
    expect((await core.getStatus()).counts.unseen).toBe(0);
    await core.sendTestEvent();
    expect((await core.getStatus()).counts).toMatchObject({ total: 1, today: 1, unseen: 0 });
  });

  it('still count nowhere after a restart (counts come from the log, not only from this run)', async () => {
    const first = await startCore({ tokens: [SEED_TOKEN] });
    await first.core.sendTestEvent();
    expect((await postEvent(first.port, fixture('dynamic-item-delete.form'))).status).toBe(200);
    await first.core.stop();
    const again = await MonitorCore.start({ dataDir: first.dataDir, port: 0, tunnel: { enabled: false }, fsync: false });
    try {
      expect((await again.getStatus()).counts).toMatchObject({ total: 1, today: 1, unseen: 1 });
      expect(again.store.total).toBe(2);
    } finally {
      await again.stop();
    }
  });
});

describe('set up or not', () => {
  it('says how many tokens this run accepts (serve --token), so a dashboard opens on the log', async () => {
    expect((await (await startCore({ tokens: [SEED_TOKEN, 'another-token-1'] })).core.getStatus()).tokensForRun).toBe(2);
    expect((await (await startCore()).core.getStatus()).tokensForRun).toBe(0);
  });

  it('retention removes the item snapshots kept beside the rows it removes, even with application mode off', async () => {
    const dataDir = tempDir();
    const day = 86_400_000;
    const store = await DeletionStore.open({ dir: path.join(dataDir, 'log'), segmentSize: 5, fsync: false });
    for (let i = 1; i <= 12; i++) await store.add(makeRecord(i, { receivedAt: Date.now() - (i <= 5 ? 40 : 10) * day }));
    await store.close();
    const snapshots = await SnapshotStore.open(dataDir);
    const title = (seq: number) => ({ title: `Deal ${seq}`, amount: null, currency: null, responsibleId: null, updatedAt: null, takenAt: 1 });
    await snapshots.writeFrozen(Array.from({ length: 12 }, (_, i) => ({ seq: i + 1, portal: 'acme.bitrix24.com', entityTypeId: 2, itemId: i + 1, snapshot: title(i + 1) })));
    await (await SettingsStore.open(dataDir)).update({ retentionDays: 30 });

    const { core } = await startCore({ dataDir, segmentSize: 5 });
    try {
      expect((await core.getStatus()).counts.total).toBe(7);
      const left = await (await SnapshotStore.open(dataDir)).frozen(Array.from({ length: 12 }, (_, i) => i + 1));
      expect([...left.keys()].sort((a, b) => a - b)).toEqual([6, 7, 8, 9, 10, 11, 12]);
      expect(readFileSync(path.join(dataDir, 'snapshots', 'frozen', '0.jsonl'), 'utf8')).not.toContain('"Deal 5"');
    } finally {
      await core.stop();
    }
  });
});
