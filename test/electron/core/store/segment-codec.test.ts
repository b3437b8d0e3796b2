import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DeletionRecord } from '../../../../electron/core/contract.js';
import { DeletionStore } from '../../../../electron/core/store/deletion-store.js';
import { decodeSegment, encodeSegment } from '../../../../electron/core/store/segment-codec.js';
import { makeRecord } from '../../../helpers/records.js';
import { tempDir } from '../../../helpers/temp-dir.js';

/** Records with every kind of value a column can hold: nulls, non-ASCII, falling timestamps. */
function variedRecords(n: number): DeletionRecord[] {
  return Array.from({ length: n }, (_, i) => ({
    seq: 1000 + i * (i % 3 === 0 ? 1 : 7),
    ...makeRecord(i + 1, {
      event: i % 4 === 0 ? 'ONCRMDEALDELETE' : 'ONCRMDYNAMICITEMDELETE_1220',
      handlerId: i % 5 === 0 ? null : i,
      entityTypeId: i % 4 === 0 ? 2 : 1220,
      sentAt: 1_723_538_149 + (i % 7) * 1000 - (i % 2) * 3000, // not monotonic: deltas go negative
      receivedAt: 1_723_538_150_000 + i * 13,
      portal: i % 3 === 0 ? 'компания.bitrix24.ru' : 'a.bitrix24.com',
      memberId: i % 6 === 0 ? null : `member-${i % 2}`,
      clientEndpoint: i % 6 === 1 ? null : 'https://a.bitrix24.com/rest/',
      byUser: i % 2 === 0,
      userId: i % 2 === 0 ? i : null,
      tokenFp: i % 9 === 0 ? '"quoted",fp' : 'abcdef12',
    }),
  }));
}

describe('segment codec', () => {
  it('round-trips every field through JSON exactly, including nulls and negative deltas', () => {
    const records = variedRecords(500);
    const decoded = decodeSegment(JSON.parse(JSON.stringify(encodeSegment(records))));
    expect(decoded).toEqual(records);
    expect(decoded.map((r) => Object.keys(r).join())).toEqual(records.map((r) => Object.keys(r).join()));
    expect(decodeSegment(JSON.parse(JSON.stringify(encodeSegment([]))))).toEqual([]);
  });

  it('is several times smaller than the array of objects it replaced', () => {
    const records = variedRecords(5000);
    const v1 = JSON.stringify({ format: 1, records }).length;
    const v2 = JSON.stringify(encodeSegment(records)).length;
    expect(v2 * 3).toBeLessThan(v1);
  });

  it('still reads format 1 segments', () => {
    const records = variedRecords(10);
    expect(decodeSegment({ format: 1, records })).toEqual(records);
  });

  it('refuses a damaged segment with a specific reason instead of returning part of it', () => {
    const good = (): Record<string, unknown> => JSON.parse(JSON.stringify(encodeSegment(variedRecords(20)))) as Record<string, unknown>;
    const cases: [string, (f: Record<string, unknown>) => unknown, RegExp][] = [
      ['not an object', () => 'text', /not a segment/],
      ['null', () => null, /not a segment/],
      ['unknown format', (f) => ({ ...f, format: 3 }), /unknown segment format 3/],
      ['format 1 without records', () => ({ format: 1 }), /without records/],
      ['bad count', (f) => ({ ...f, count: -1 }), /bad record count/],
      ['short column', (f) => ({ ...f, itemId: (f.itemId as number[]).slice(1) }), /column itemId/],
      ['missing column', (f) => ({ ...f, tokenFp: undefined }), /column tokenFp/],
      ['string table not strings', (f) => ({ ...f, strings: [1, 2] }), /bad string table/],
      ['index outside the table', (f) => ({ ...f, portal: (f.portal as number[]).map(() => 99) }), /portal of row 0 points outside/],
      ['wrong type in a row', (f) => ({ ...f, id: (f.id as string[]).map((v, i) => (i === 7 ? 7 : v)) }), /row 7 is malformed/],
      ['non-numeric delta', (f) => ({ ...f, seq: (f.seq as number[]).map((v, i) => (i === 3 ? 'x' : v)) }), /row 3 is malformed/],
    ];
    for (const [name, damage, reason] of cases) expect(() => decodeSegment(damage(good())), name).toThrow(reason);
  });

  it('lets the store open a log sealed by an earlier build (format 1) and add to it', async () => {
    const dir = tempDir();
    const store = await DeletionStore.open({ dir, segmentSize: 5, fsync: false });
    for (let i = 1; i <= 12; i++) await store.add(makeRecord(i));
    await store.close();
    // Rewrite the sealed segments as format 1 and drop the derived files, as an old build left them.
    for (const name of readdirSync(dir).filter((n) => /^seg-\d+\.json$/.test(n))) {
      const file = path.join(dir, name);
      writeFileSync(file, JSON.stringify({ format: 1, records: decodeSegment(JSON.parse(readFileSync(file, 'utf8'))) }));
    }
    for (const name of readdirSync(dir).filter((n) => n === 'manifest.json' || n.endsWith('.ids'))) writeFileSync(path.join(dir, name), 'x');
    const reopened = await DeletionStore.open({ dir, segmentSize: 5, fsync: false });
    expect(reopened.health.quarantinedFiles).toEqual(['manifest.json'].map((n) => expect.stringContaining(n)));
    expect(reopened.total).toBe(12);
    expect((await reopened.add(makeRecord(3))).stored).toBe(false); // found through the regenerated index
    expect((await reopened.add(makeRecord(13))).stored).toBe(true);
    const page = await reopened.query({ filter: {}, offset: 0, limit: 100 });
    expect(page.rows.map((r) => r.itemId)).toEqual([13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
    await reopened.close();
  });
});
