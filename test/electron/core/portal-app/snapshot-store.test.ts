/**
 * The snapshot store on real temp folders: live buckets (append, latest wins, tombstones, compaction
 * when dead lines dominate), frozen snapshots by seq (lookup, restart, out-of-order seqs), a torn or
 * corrupt last line tolerated, and uninstall dropping live snapshots only.
 */
import { appendFileSync, existsSync, readFileSync, readdirSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SnapshotStore, portalFolder, type StoredSnapshot } from '../../../../electron/core/portal-app/snapshot-store.js';
import { tempDir } from '../../../helpers/temp-dir.js';

const PORTAL = 'acme.bitrix24.com';
const snap = (title: string, extra: Partial<StoredSnapshot> = {}): StoredSnapshot => ({ title, amount: 100.5, currency: 'USD', responsibleId: 7, updatedAt: 1_700_000_000_000, takenAt: 1_700_000_001_000, ...extra });
const bucketFile = (dir: string, type: number, id: number): string => path.join(dir, 'snapshots', 'live', portalFolder(PORTAL), String(type), `${id >> 10}.jsonl`);

describe('SnapshotStore', () => {
  it('appends, reads the latest version of an item, drops with a tombstone', async () => {
    const dir = tempDir();
    const store = await SnapshotStore.open(dir);
    await store.put(PORTAL, 2, [{ id: 5, snapshot: snap('Deal 5') }, { id: 2000, snapshot: snap('Deal 2000') }]);
    await store.put(PORTAL, 2, [{ id: 5, snapshot: snap('Deal 5 renamed', { amount: null, currency: null }) }]);
    expect(await store.get(PORTAL, 2, 5)).toEqual(snap('Deal 5 renamed', { amount: null, currency: null }));
    expect(await store.get(PORTAL, 2, 2000)).toMatchObject({ title: 'Deal 2000' });
    expect(await store.get(PORTAL, 1, 5)).toBeNull(); // another type
    expect(readFileSync(bucketFile(dir, 2, 5), 'utf8').trim().split('\n')).toHaveLength(2); // appended, not rewritten
    await store.drop(PORTAL, 2, [5]);
    expect(await store.get(PORTAL, 2, 5)).toBeNull();
    expect(readdirSync(path.dirname(bucketFile(dir, 2, 5))).sort()).toEqual(['0.jsonl', '1.jsonl']); // one file per 1,024 ids
  });

  it('compacts a bucket once its dead lines dominate, and only then', async () => {
    const dir = tempDir();
    const store = await SnapshotStore.open(dir);
    await store.put(PORTAL, 1, Array.from({ length: 100 }, (_, i) => ({ id: i + 1, snapshot: snap(`Lead ${i + 1}`) })));
    expect(store.stats.compactions).toBe(0);
    for (let round = 0; round < 3; round++) await store.put(PORTAL, 1, [{ id: 1, snapshot: snap(`Lead 1 v${round}`) }]);
    expect(store.stats.compactions).toBe(0); // 103 lines for 100 live items
    for (let round = 0; round < 100; round++) await store.put(PORTAL, 1, [{ id: 2, snapshot: snap(`Lead 2 v${round}`) }]);
    expect(store.stats.compactions).toBe(1);
    const lines = readFileSync(bucketFile(dir, 1, 1), 'utf8').trim().split('\n');
    expect(lines.length).toBeLessThan(110);
    expect(await store.get(PORTAL, 1, 2)).toMatchObject({ title: 'Lead 2 v99' });
    expect(await store.get(PORTAL, 1, 1)).toMatchObject({ title: 'Lead 1 v2' });
    expect(await store.get(PORTAL, 1, 100)).toMatchObject({ title: 'Lead 100' });
    // Tombstones count as dead lines too.
    await store.drop(PORTAL, 1, Array.from({ length: 90 }, (_, i) => i + 1));
    expect(store.stats.compactions).toBe(2);
    expect(readFileSync(bucketFile(dir, 1, 1), 'utf8').trim().split('\n')).toHaveLength(10);
  });

  it('freezes a snapshot beside a row (by seq), drops the live one, and finds it again after a restart', async () => {
    const dir = tempDir();
    let store = await SnapshotStore.open(dir);
    await store.put(PORTAL, 2, [{ id: 42, snapshot: snap('Big deal') }, { id: 43, snapshot: snap('Other deal') }]);
    expect(await store.freeze(1001, PORTAL, 2, 42)).toMatchObject({ title: 'Big deal' });
    expect(await store.freeze(1002, PORTAL, 2, 999)).toBeNull(); // nothing known: nothing frozen
    expect(await store.get(PORTAL, 2, 42)).toBeNull();
    expect((await store.frozen([1001, 1002, 5])).get(1001)).toEqual(snap('Big deal'));
    // A second deletion of another item later, in a far seq range (another block file).
    await store.freeze(70_000, PORTAL, 2, 43);
    store = await SnapshotStore.open(dir); // restart: nothing is read until asked
    const found = await store.frozen([1001, 70_000, 1002]);
    expect([...found.keys()].sort((a, b) => a - b)).toEqual([1001, 70_000]);
    expect(found.get(70_000)).toMatchObject({ title: 'Other deal' });
    // Seqs frozen out of order are found too.
    await store.writeFrozen([{ seq: 900, portal: PORTAL, entityTypeId: 1, itemId: 1, snapshot: snap('Earlier') }]);
    expect((await store.frozen([900, 1001])).size).toBe(2);
    store = await SnapshotStore.open(dir);
    expect((await store.frozen([900, 1001])).get(900)).toMatchObject({ title: 'Earlier' });
  });

  it('tolerates a torn last line (live and frozen) and a corrupt line, and cuts them before appending', async () => {
    const dir = tempDir();
    let store = await SnapshotStore.open(dir);
    await store.put(PORTAL, 2, [{ id: 7, snapshot: snap('Seven') }]);
    appendFileSync(bucketFile(dir, 2, 7), '{"id":7,"t":"torn'); // a crash mid-append
    store = await SnapshotStore.open(dir);
    expect(await store.get(PORTAL, 2, 7)).toMatchObject({ title: 'Seven' });
    await store.put(PORTAL, 2, [{ id: 8, snapshot: snap('Eight') }]);
    expect(readFileSync(bucketFile(dir, 2, 7), 'utf8')).not.toContain('torn');
    expect(await store.get(PORTAL, 2, 8)).toMatchObject({ title: 'Eight' });
    appendFileSync(bucketFile(dir, 2, 7), 'not json at all\n');
    expect(await store.get(PORTAL, 2, 8)).toMatchObject({ title: 'Eight' });

    // Frozen: a torn index entry and a data line without its entry (crash between the two appends).
    await store.writeFrozen([{ seq: 10, portal: PORTAL, entityTypeId: 2, itemId: 7, snapshot: snap('Ten') }]);
    const idx = path.join(dir, 'snapshots', 'frozen', '0.idx');
    const data = path.join(dir, 'snapshots', 'frozen', '0.jsonl');
    appendFileSync(data, '{"seq":11,"p":"x"');
    appendFileSync(idx, Buffer.alloc(7));
    store = await SnapshotStore.open(dir);
    expect((await store.frozen([10, 11])).get(10)).toMatchObject({ title: 'Ten' });
    await store.writeFrozen([{ seq: 12, portal: PORTAL, entityTypeId: 2, itemId: 8, snapshot: snap('Twelve') }]);
    expect(statSync(idx).size).toBe(40);
    store = await SnapshotStore.open(dir);
    const both = await store.frozen([10, 11, 12]);
    expect([...both.keys()]).toEqual([10, 12]);
    expect(both.get(12)).toMatchObject({ title: 'Twelve' });
    // An index entry whose data is gone (a copied folder) is dropped before the next append.
    truncateSync(data, statSync(data).size - 5);
    await store.writeFrozen([{ seq: 13, portal: PORTAL, entityTypeId: 2, itemId: 9, snapshot: snap('Thirteen') }]);
    store = await SnapshotStore.open(dir);
    expect([...(await store.frozen([10, 12, 13])).keys()]).toEqual([10, 13]);
  });

  it('forgets a portal: live snapshots go, frozen ones stay', async () => {
    const dir = tempDir();
    const store = await SnapshotStore.open(dir);
    await store.put(PORTAL, 2, [{ id: 1, snapshot: snap('One') }, { id: 2, snapshot: snap('Two') }]);
    await store.freeze(5, PORTAL, 2, 1);
    await store.forgetPortal(PORTAL);
    expect(existsSync(path.join(dir, 'snapshots', 'live', portalFolder(PORTAL)))).toBe(false);
    expect(await store.get(PORTAL, 2, 2)).toBeNull();
    expect((await store.frozen([5])).get(5)).toMatchObject({ title: 'One' });
    writeFileSync(path.join(dir, 'snapshots', 'frozen', 'junk.txt'), 'x'); // stray files are ignored
    expect((await (await SnapshotStore.open(dir)).frozen([5])).size).toBe(1);
  });

  it('freezes a mass deletion in one pass: each bucket read once, one append per block and per bucket', async () => {
    const dir = tempDir();
    const store = await SnapshotStore.open(dir);
    await store.put(PORTAL, 2, Array.from({ length: 3000 }, (_, i) => ({ id: i + 1, snapshot: snap(`Deal ${i + 1}`) })));
    await store.put(PORTAL, 2, [{ id: 10, snapshot: snap('Deal 10 renamed') }]);
    appendFileSync(bucketFile(dir, 2, 11), '{"id":11,"t":"corrupt\n'); // a damaged newer line: the older one serves
    const rows = Array.from({ length: 2500 }, (_, i) => ({ seq: 500 + i, portal: PORTAL, entityTypeId: 2, itemId: i + 1 }));
    const frozen = await store.freezeMany([...rows, { seq: 9999, portal: PORTAL, entityTypeId: 2, itemId: 777_777 }]);
    expect(frozen.size).toBe(2500);
    expect(frozen.get(509)).toMatchObject({ title: 'Deal 10 renamed' });
    expect(frozen.get(510)).toMatchObject({ title: 'Deal 11' });
    expect(await store.get(PORTAL, 2, 2500)).toBeNull();
    expect(await store.get(PORTAL, 2, 2501)).toMatchObject({ title: 'Deal 2501' });
    const again = await (await SnapshotStore.open(dir)).frozen(rows.map((r) => r.seq));
    expect(again.size).toBe(2500);
    expect(again.get(2999)).toMatchObject({ title: 'Deal 2500' });
  });

  it('retention: frozen snapshots of removed rows go (a block below the cut removed, the block across it rewritten)', async () => {
    const dir = tempDir();
    const store = await SnapshotStore.open(dir);
    const BLOCK = 2 ** 16;
    const seqs = [1, 2, BLOCK - 1, BLOCK, BLOCK + 5, BLOCK + 6, 2 * BLOCK + 1];
    await store.writeFrozen(seqs.map((seq) => ({ seq, portal: PORTAL, entityTypeId: 2, itemId: seq, snapshot: snap(`Deal ${seq}`) })));
    const frozenDir = path.join(dir, 'snapshots', 'frozen');
    expect(readdirSync(frozenDir).sort()).toEqual(['0.idx', '0.jsonl', '1.idx', '1.jsonl', '2.idx', '2.jsonl']);
    expect(await store.dropFrozenThrough(BLOCK + 5)).toBe(5);
    expect(readdirSync(frozenDir).sort()).toEqual(['1.idx', '1.jsonl', '2.idx', '2.jsonl']);
    expect(readFileSync(path.join(frozenDir, '1.jsonl'), 'utf8')).not.toContain(`Deal ${BLOCK + 5}`);
    const left = await store.frozen(seqs);
    expect([...left.keys()].sort((a, b) => a - b)).toEqual([BLOCK + 6, 2 * BLOCK + 1]);
    // After a restart, from the files alone; and the rewritten block takes appends as before.
    const again = await SnapshotStore.open(dir);
    await again.writeFrozen([{ seq: BLOCK + 9, portal: PORTAL, entityTypeId: 2, itemId: 9, snapshot: snap('Deal 9') }]);
    const read = await again.frozen([BLOCK, BLOCK + 6, BLOCK + 9, 2 * BLOCK + 1]);
    expect([...read.values()].map((s) => s.title)).toEqual([`Deal ${BLOCK + 6}`, 'Deal 9', `Deal ${2 * BLOCK + 1}`]);
    expect(await again.dropFrozenThrough(3 * BLOCK)).toBe(3);
    expect(readdirSync(frozenDir)).toEqual([]);
  });
});
