import { closeSync, existsSync, openSync, readFileSync, readdirSync, statSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DeletionStore, describeWriteStats } from '../../../../electron/core/store/deletion-store.js';
import { tempDir } from '../../../helpers/temp-dir.js';
import { makeRecord } from '../../../helpers/records.js';

/** The record lines of a journal, without its zero padding. */
function records(journal: string): string[] {
  return readFileSync(journal, 'utf8').replace(/\0+$/, '').trim().split('\n');
}

async function fill(store: DeletionStore, from: number, to: number): Promise<void> {
  await Promise.all(Array.from({ length: to - from + 1 }, (_, i) => store.add(makeRecord(from + i))));
}

describe('DeletionStore', () => {
  it('stores records durably and reads them back newest first, across segments and a restart', async () => {
    const dir = tempDir();
    const store = await DeletionStore.open({ dir, segmentSize: 10 });
    await fill(store, 1, 35);
    await store.flush();
    expect(store.total).toBe(35);
    const page = await store.query({ filter: {}, offset: 0, limit: 5 });
    expect(page.total).toBe(35);
    expect(page.rows.map((r) => r.itemId)).toEqual([35, 34, 33, 32, 31]);
    await store.close();
    expect(readdirSync(dir).filter((n) => n.startsWith('seg-') && n.endsWith('.json'))).toHaveLength(3);

    const reopened = await DeletionStore.open({ dir, segmentSize: 10 });
    expect(reopened.total).toBe(35);
    const deep = await reopened.query({ filter: {}, offset: 28, limit: 10 });
    expect(deep.rows.map((r) => r.itemId)).toEqual([7, 6, 5, 4, 3, 2, 1]);
    expect(new Set((await reopened.query({ filter: {}, offset: 0, limit: 1000 })).rows.map((r) => r.seq)).size).toBe(35);
    await reopened.close();
  });

  it('counts its group commits: one write for records that arrive together, none for duplicates', async () => {
    const store = await DeletionStore.open({ dir: tempDir() });
    expect(store.writeStats).toEqual({ writes: 0, events: 0, totalMs: 0, maxMs: 0 });
    await fill(store, 1, 20); // queued in one turn: one group
    for (let i = 21; i <= 25; i++) await store.add(makeRecord(i)); // one at a time: a write each
    expect((await store.add(makeRecord(3))).stored).toBe(false);
    const stats = store.writeStats;
    expect(stats).toMatchObject({ writes: 6, events: 25 });
    expect(stats.totalMs).toBeGreaterThan(0);
    expect(stats.maxMs).toBeGreaterThan(0);
    expect(stats.maxMs).toBeLessThanOrEqual(stats.totalMs);
    expect(describeWriteStats({ writes: 1000, events: 9400, totalMs: 290, maxMs: 4.1 }, true)).toBe(
      'store: 9,400 events in 1,000 durable writes since start (9.4 a write); a write took 0.29 ms on average, 4.1 ms at most',
    );
    expect(describeWriteStats({ writes: 1, events: 1, totalMs: 0.5, maxMs: 0.5 }, false)).toBe('store: 1 event in 1 write since start (1.0 a write); a write took 0.50 ms on average, 0.5 ms at most');
    await store.close();
  });

  it('stores a duplicate once, whether it arrives concurrently, later, or after its segment was sealed', async () => {
    const dir = tempDir();
    const store = await DeletionStore.open({ dir, segmentSize: 5 });
    const results = await Promise.all([store.add(makeRecord(1)), store.add(makeRecord(1)), store.add(makeRecord(1))]);
    expect(results.filter((r) => r.stored)).toHaveLength(1);
    await fill(store, 2, 12); // seals the segment holding item 1
    await store.flush();
    expect((await store.add(makeRecord(1))).stored).toBe(false);
    expect((await store.add(makeRecord(1, { receivedAt: 5 }))).stored).toBe(false); // arrival time is not part of identity
    expect((await store.add(makeRecord(1, { sentAt: 1_723_538_200_000 }))).stored).toBe(true); // a new ts is a new event
    // Duplicates of a sealed record, concurrently: one look-up each, and nothing left pending after.
    expect((await Promise.all([store.add(makeRecord(3)), store.add(makeRecord(3))])).map((r) => r.stored)).toEqual([false, false]);
    expect((store as unknown as { pendingIds: Map<string, unknown> }).pendingIds.size).toBe(0);
    await store.close();
    const reopened = await DeletionStore.open({ dir, segmentSize: 5 });
    expect((await reopened.add(makeRecord(1))).stored).toBe(false);
    expect(reopened.total).toBe(13);
    await reopened.close();
  });

  it('filters by event, entity type, portal, item id and date range, with exact totals', async () => {
    const dir = tempDir();
    const store = await DeletionStore.open({ dir, segmentSize: 7 });
    for (let i = 1; i <= 30; i++) {
      await store.add(
        makeRecord(i, {
          event: i % 3 === 0 ? 'ONCRMDEALDELETE' : 'ONCRMDYNAMICITEMDELETE',
          entityTypeId: i % 3 === 0 ? 2 : 1220,
          portal: i % 2 === 0 ? 'a.bitrix24.com' : 'b.bitrix24.com',
          receivedAt: 1000 * i,
        }),
      );
    }
    const q = (filter: object) => store.query({ filter, offset: 0, limit: 100 });
    expect((await q({ event: 'ONCRMDEALDELETE' })).total).toBe(10);
    expect((await q({ entityTypeId: 1220, portal: 'a.bitrix24.com' })).rows.map((r) => r.itemId)).toEqual([28, 26, 22, 20, 16, 14, 10, 8, 4, 2]);
    expect((await q({ itemId: 17 })).rows.map((r) => r.itemId)).toEqual([17]);
    const range = await q({ from: 5000, to: 12000 });
    expect(range.total).toBe(7);
    expect(range.rows.map((r) => r.itemId)).toEqual([11, 10, 9, 8, 7, 6, 5]);
    const paged = await store.query({ filter: { portal: 'b.bitrix24.com' }, offset: 3, limit: 2 });
    expect(paged).toMatchObject({ total: 15 });
    expect(paged.rows.map((r) => r.itemId)).toEqual([23, 21]);
    expect(store.facets().portals).toEqual(['a.bitrix24.com', 'b.bitrix24.com']);
    await store.close();
  });

  it('recovers the open segment from its journal after a crash, cutting a torn last line', async () => {
    const dir = tempDir();
    const store = await DeletionStore.open({ dir, segmentSize: 100 });
    await fill(store, 1, 20);
    await store.flush();
    // Simulate a crash: no close(), and a write that stopped half-way, where the next record goes
    // (over the journal's zero padding), plus a fragment further on (pages of an unacknowledged write
    // can reach the disk out of order when the power goes).
    const journal = path.join(dir, readdirSync(dir).find((n) => n.startsWith('journal-'))!);
    const end = records(journal).join('\n').length + 1;
    const fd = openSync(journal, 'r+');
    writeSync(fd, '{"id":"half-writ', end);
    writeSync(fd, 'ten":true}\n{"id":"x"}\n', end + 4096);
    closeSync(fd);
    const reopened = await DeletionStore.open({ dir, segmentSize: 100 });
    expect(reopened.total).toBe(20);
    await reopened.add(makeRecord(21));
    await reopened.close();
    const lines = records(journal);
    expect(lines).toHaveLength(21);
    for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
    expect(readFileSync(journal).subarray(lines.join('\n').length + 1).every((byte) => byte === 0)).toBe(true);
  });

  it('keeps the journal zero-padded ahead of the records, and reads none of the padding', async () => {
    const dir = tempDir();
    const store = await DeletionStore.open({ dir, segmentSize: 10_000 });
    await fill(store, 1, 3000);
    await store.flush();
    const journal = path.join(dir, readdirSync(dir).find((n) => n.startsWith('journal-'))!);
    const used = records(journal).join('\n').length + 1;
    const size = statSync(journal).size;
    expect(size).toBeGreaterThan(used); // zeros ahead: the next records overwrite, not grow, the file
    expect(readFileSync(journal).subarray(used).every((byte) => byte === 0)).toBe(true);
    await store.close();
    const reopened = await DeletionStore.open({ dir, segmentSize: 10_000, readOnly: true });
    expect(reopened.total).toBe(3000);
    expect(reopened.health.quarantinedFiles).toEqual([]);
    await reopened.close();
  });

  it('moves a corrupted segment aside at start, reports it, and loads the rest', async () => {
    const dir = tempDir();
    const store = await DeletionStore.open({ dir, segmentSize: 5 });
    await fill(store, 1, 17);
    await store.close();
    const victim = path.join(dir, 'seg-000002.json');
    writeFileSync(victim, '{"format":1,"records":[{"id":'); // damaged: size differs from the manifest
    const reopened = await DeletionStore.open({ dir, segmentSize: 5 });
    expect(reopened.health.quarantinedFiles).toHaveLength(1);
    expect(reopened.health.quarantinedFiles[0]).toContain(path.join('damaged', 'seg-000002.json.'));
    expect(existsSync(victim)).toBe(false);
    expect(existsSync(reopened.health.quarantinedFiles[0]!)).toBe(true); // moved, never deleted
    expect(reopened.total).toBe(12);
    const all = await reopened.query({ filter: {}, offset: 0, limit: 100 });
    expect(all.rows.map((r) => r.itemId)).toEqual([17, 16, 15, 14, 13, 12, 11, 5, 4, 3, 2, 1]);
    await reopened.close();
  });

  it('finishes a segment write interrupted before its rename, from the temp file', async () => {
    const dir = tempDir();
    const store = await DeletionStore.open({ dir, segmentSize: 5 });
    await fill(store, 1, 7);
    await store.close();
    const seg = path.join(dir, 'seg-000001.json');
    const text = readFileSync(seg, 'utf8');
    // The crash left the complete temp file and no target; the journal was not yet deleted either.
    writeFileSync(seg + '.tmp', text);
    await import('node:fs').then((fs) => fs.unlinkSync(seg));
    const reopened = await DeletionStore.open({ dir, segmentSize: 5 });
    expect(reopened.total).toBe(7);
    expect(existsSync(seg)).toBe(true);
    expect(reopened.health.quarantinedFiles).toEqual([]);
    await reopened.close();
  });

  it('drops a half-written segment temp file whose journal is still there, without calling it damage', async () => {
    const dir = tempDir();
    const store = await DeletionStore.open({ dir, segmentSize: 1000 });
    await fill(store, 1, 12);
    await store.flush();
    // A full disk cut the segment write short; the journal (the open one here) holds every record.
    const journal = readdirSync(dir).find((n) => n.startsWith('journal-'))!;
    const temp = path.join(dir, journal.replace(/^journal-(\d+)\.jsonl$/, 'seg-$1.json.tmp'));
    writeFileSync(temp, '{"format":2,"count":12,"strings":["ONCRM');
    const reopened = await DeletionStore.open({ dir, segmentSize: 1000 });
    expect(reopened.health.quarantinedFiles).toEqual([]);
    expect(existsSync(temp)).toBe(false);
    expect(reopened.total).toBe(12);
    await reopened.close();
    // Without its journal the same leftover is all there is of those records: kept aside and reported.
    writeFileSync(path.join(dir, 'seg-000009.json.tmp'), '{"format":2,"count":12,"strings":["ONCRM');
    const again = await DeletionStore.open({ dir, segmentSize: 1000 });
    expect(again.health.quarantinedFiles).toEqual([expect.stringContaining(path.join('damaged', 'seg-000009.json.tmp.'))]);
    await again.close();
  });

  it('seals a journal left behind by a crash during sealing', async () => {
    const dir = tempDir();
    const store = await DeletionStore.open({ dir, segmentSize: 1000 });
    await fill(store, 1, 12);
    await store.flush();
    // A crash after the journal was switched but before the segment was written: two journals.
    const old = readdirSync(dir).find((n) => n.startsWith('journal-'))!;
    writeFileSync(path.join(dir, 'journal-000002.jsonl'), '');
    const reopened = await DeletionStore.open({ dir, segmentSize: 1000 });
    expect(reopened.total).toBe(12);
    expect(existsSync(path.join(dir, old))).toBe(false);
    expect(existsSync(path.join(dir, 'seg-000001.json'))).toBe(true);
    await reopened.add(makeRecord(13));
    expect(reopened.total).toBe(13);
    await reopened.close();
  });

  it('keeps everything without retention, and drops only whole segments older than N days with it', async () => {
    const dir = tempDir();
    const store = await DeletionStore.open({ dir, segmentSize: 5 });
    const day = 86_400_000;
    const now = 100 * day;
    for (let i = 1; i <= 12; i++) await store.add(makeRecord(i, { receivedAt: now - (i <= 5 ? 40 : 10) * day }));
    expect(store.expiredThroughSeq).toBe(0);
    expect(await store.applyRetention(30, now)).toBe(5);
    expect(store.expiredThroughSeq).toBe(5); // what is kept beside the log (frozen snapshots) follows it
    expect(store.total).toBe(7);
    expect(existsSync(path.join(dir, 'seg-000001.json'))).toBe(false);
    expect(await store.applyRetention(30, now)).toBe(0);
    await store.close();
  });

  it('counts today from the tallies and the records', async () => {
    const dir = tempDir();
    const store = await DeletionStore.open({ dir, segmentSize: 4 });
    for (let i = 1; i <= 10; i++) await store.add(makeRecord(i, { receivedAt: i * 100 }));
    expect(await store.count({ from: 450 })).toBe(6);
    expect(await store.count({ entityTypeId: 1220 })).toBe(10);
    expect(await store.count({ entityTypeId: 2 })).toBe(0);
    await store.close();
  });
});
