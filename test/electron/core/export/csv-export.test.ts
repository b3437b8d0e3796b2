import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { SELF_TEST_PORTAL, type DeletionRecord } from '../../../../electron/core/contract.js';
import { CSV_HEADER, CSV_HEADER_RU, csvCell, csvChunk, exportCsv, neutralizeCell } from '../../../../electron/core/export/csv-export.js';
import { entityTypeLabel } from '../../../../electron/core/events/bitrix-events.js';
import { DeletionStore } from '../../../../electron/core/store/deletion-store.js';
import { startCore } from '../../../helpers/core-harness.js';
import { SEED_TOKEN, WEBHOOK_TOKEN, fixture, fixtureNames } from '../../../helpers/fixtures.js';
import { postEvent } from '../../../helpers/http-client.js';
import { makeRecord } from '../../../helpers/records.js';
import { tempDir } from '../../../helpers/temp-dir.js';

/** A row the plain way, cell by cell (what the exporter wrote before it wrote bytes): the reference. */
function plainLine(r: DeletionRecord): string {
  const cells = [
    new Date(r.receivedAt).toISOString(),
    new Date(r.sentAt).toISOString(),
    neutralizeCell(r.event),
    neutralizeCell(r.entityTypeName ?? entityTypeLabel(r.entityTypeId)),
    String(r.entityTypeId),
    String(r.itemId),
    neutralizeCell(r.portal),
    neutralizeCell(r.memberId ?? ''),
    r.byUser ? 'yes' : 'no',
    r.userId === null ? '' : String(r.userId),
    neutralizeCell(r.userName ?? ''),
    r.portal === SELF_TEST_PORTAL ? 'yes' : '',
    neutralizeCell(r.snapshot?.title ?? ''),
    r.snapshot && r.snapshot.amount !== null ? String(r.snapshot.amount) : '',
    neutralizeCell(r.snapshot?.currency ?? ''),
    neutralizeCell(r.snapshot ? (r.snapshot.responsibleName ?? (r.snapshot.responsibleId === null ? '' : String(r.snapshot.responsibleId))) : ''),
  ];
  return cells.map(csvCell).join(',') + '\r\n';
}

function readCsv(file: string): string[][] {
  const bytes = readFileSync(file);
  expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]); // BOM: Excel reads UTF-8
  return parse(bytes, { bom: true, relax_column_count: false }) as string[][];
}

describe('CSV export', () => {
  it('exports stored fixtures, oldest first, and parses back into the expected rows', async () => {
    const { core, port } = await startCore({ tokens: [SEED_TOKEN, WEBHOOK_TOKEN] });
    for (const name of fixtureNames('form')) expect((await postEvent(port, fixture(name))).status).toBe(200);
    const out = path.join(tempDir(), 'all.csv');
    expect(await core.exportCsv({ filter: {}, path: out })).toEqual({ rows: 4, path: out });
    const [header, ...rows] = readCsv(out);
    expect(header).toEqual([...CSV_HEADER]);
    const received = rows.map((r) => r[0]);
    expect([...received].sort()).toEqual(received);
    const byItem = Object.fromEntries(rows.map((r) => [r[5], r.slice(1)]));
    expect(byItem['23']).toEqual(['2024-08-13T08:35:49.000Z', 'ONCRMDYNAMICITEMDELETE', 'Smart process 1220', '1220', '23', 'some-domain.bitrix24.com', 'a223c6b3710f85df22e9377d6c4f7553', 'yes', '', '', '', '', '', '', '']);
    expect(byItem['24']).toEqual(['2024-08-13T08:35:50.000Z', 'ONCRMDYNAMICITEMDELETE', 'Smart process 1220', '1220', '24', 'some-domain.bitrix24.com', 'a223c6b3710f85df22e9377d6c4f7553', 'no', '', '', '', '', '', '', '']);
    expect(byItem['4512']).toEqual(['2024-08-13T08:38:21.000Z', 'ONCRMDEALDELETE', 'Deal', '2', '4512', 'some-domain.bitrix24.com', 'a223c6b3710f85df22e9377d6c4f7553', 'no', '', '', '', '', '', '', '']);
    expect(byItem['905']).toEqual(['2024-09-22T15:28:46.000Z', 'ONCRMDYNAMICITEMDELETE', 'Invoice', '31', '905', 'some-domain.bitrix24.com', 'a223c6b3710f85df22e9377d6c4f7553', 'yes', '1', '', '', '', '', '', '']);
    const text = readFileSync(out, 'utf8');
    expect(text).toContain('\r\n'); // RFC 4180 line ends
    expect(text).not.toContain(SEED_TOKEN);

    const deals = path.join(tempDir(), 'deals.csv');
    await core.exportCsv({ filter: { entityTypeId: 2 }, path: deals });
    expect(readCsv(deals).slice(1).map((r) => r[5])).toEqual(['4512']);
  });

  it('makes formula-looking cells inert and quotes what needs quoting', async () => {
    const dir = tempDir();
    const store = await DeletionStore.open({ dir, fsync: false });
    // Validation keeps such values out of the log; the export defends on its own anyway.
    await store.add(makeRecord(1, { portal: "=cmd|' /C calc'!A0", memberId: '+1,"two"\nthree' }));
    await store.add(makeRecord(2, { portal: '@SUM(A1)', memberId: '-2' }));
    await store.add(makeRecord(3, { portal: 'компания.bitrix24.ru', memberId: '\tx' }));
    const out = path.join(dir, 'x.csv');
    expect(await exportCsv(store, {}, out)).toEqual({ rows: 3 });
    const rows = readCsv(out).slice(1);
    expect(rows.map((r) => [r[6], r[7]])).toEqual([
      ["'=cmd|' /C calc'!A0", '\'+1,"two"\nthree'],
      ["'@SUM(A1)", "'-2"],
      ['компания.bitrix24.ru', "'\tx"],
    ]);
    for (const value of ['=1', '+1', '-1', '@1', '\t1', '\r1']) expect(neutralizeCell(value).startsWith("'")).toBe(true);
    expect(neutralizeCell('1-2')).toBe('1-2');
    await store.close();
  });

  it('writes the same bytes as a plain cell-by-cell formatting, for any record', () => {
    const text = fc.oneof(fc.string({ maxLength: 12 }), fc.string({ unit: 'grapheme', maxLength: 6 }), fc.constantFrom('=1', '-2', '+x', '@y', '\tz', 'a,"b"\r\nc', 'компания', '', SELF_TEST_PORTAL));
    const number = fc.oneof(fc.nat(), fc.integer(), fc.constantFrom(0, 9, 10, 99, 100, Number.MAX_SAFE_INTEGER, -1, 1.5, 1e21));
    const time = fc.oneof(fc.integer({ min: 0, max: 253_402_300_799_999 }), fc.constantFrom(0, 999, 1000, 86_399_999, 86_400_000, 1_723_538_149_000, 253_402_300_799_999));
    const record: fc.Arbitrary<DeletionRecord> = fc.record({
      id: fc.constant('x'), seq: fc.nat(), event: text, handlerId: fc.constant(null), itemId: number, entityTypeId: number,
      sentAt: time, receivedAt: time, portal: text, memberId: fc.option(text, { nil: null }), clientEndpoint: fc.constant(null),
      byUser: fc.boolean(), userId: fc.option(number, { nil: null }), tokenFp: fc.constant('abcdef12'),
      userName: fc.option(text, { nil: undefined }), entityTypeName: fc.option(text, { nil: undefined }),
      snapshot: fc.option(fc.record({
        title: fc.option(text, { nil: null }), amount: fc.option(fc.oneof(number, fc.double({ noNaN: true, noDefaultInfinity: true })), { nil: null }),
        currency: fc.option(text, { nil: null }), responsibleId: fc.option(fc.nat(), { nil: null }),
        responsibleName: fc.option(text, { nil: undefined }), updatedAt: fc.constant(null), takenAt: fc.constant(0),
      }, { requiredKeys: ['title', 'amount', 'currency', 'responsibleId', 'updatedAt', 'takenAt'] }), { nil: undefined }),
    }, { requiredKeys: ['id', 'seq', 'event', 'handlerId', 'itemId', 'entityTypeId', 'sentAt', 'receivedAt', 'portal', 'memberId', 'clientEndpoint', 'byUser', 'userId', 'tokenFp'] });
    fc.assert(
      fc.property(fc.array(record, { maxLength: 30 }), (records) => {
        expect(csvChunk(records).toString('utf8')).toBe(records.map(plainLine).join(''));
      }),
      { numRuns: 2000 },
    );
    // Every time of day, through the writer's own digit code.
    const day = 1_723_507_200_000;
    const times = Array.from({ length: 5000 }, (_, i) => day + i * 17_280 + (i % 1000));
    const rows = times.map((t) => ({ ...makeRecord(1), seq: 1, receivedAt: t, sentAt: t }));
    expect(csvChunk(rows).toString().split('\r\n').slice(0, -1).map((l) => l.split(',')[0])).toEqual(times.map((t) => new Date(t).toISOString()));
  });

  it('writes the header alone for an empty log, and leaves no partial file when it fails', async () => {
    const dir = tempDir();
    const store = await DeletionStore.open({ dir, fsync: false });
    const out = path.join(dir, 'empty.csv');
    expect(await exportCsv(store, {}, out)).toEqual({ rows: 0 });
    expect(readCsv(out)).toEqual([[...CSV_HEADER]]);
    await store.add(makeRecord(1));
    await expect(exportCsv(store, {}, path.join(dir, 'missing-folder', 'x.csv'))).rejects.toThrow(/ENOENT/);
    await store.close();
  });

  it('speaks Russian when asked: the header, yes/no and our type names; a portal\'s own names and the data stay as they are', async () => {
    const dir = tempDir();
    const store = await DeletionStore.open({ dir: path.join(dir, 'log') });
    await store.add(makeRecord(4501, { entityTypeId: 2, event: 'ONCRMDEALDELETE', byUser: true, userId: 7 }));
    await store.add(makeRecord(57, { entityTypeId: 1038, byUser: false, userId: null }));
    const named = { scan: (filter: object) => (async function* () {
      for await (const batch of store.scan(filter)) yield batch.map((r) => (r.itemId === 57 ? { ...r, entityTypeName: 'Equipment purchase' } : r));
    })() };
    const out = path.join(dir, 'ru.csv');
    expect(await exportCsv(named, {}, out, undefined, 'ru')).toEqual({ rows: 2 });
    const [header, ...rows] = readCsv(out);
    expect(header).toEqual([...CSV_HEADER_RU]);
    expect(CSV_HEADER_RU).toHaveLength(CSV_HEADER.length);
    const deal = rows.find((r) => r[5] === '4501')!;
    expect([deal[3], deal[8], deal[9]]).toEqual(['Сделка', 'да', '7']);
    const item = rows.find((r) => r[5] === '57')!;
    expect([item[3], item[8]]).toEqual(['Equipment purchase', 'нет']);
    expect(csvChunk([{ ...makeRecord(1, { entityTypeId: 1220 }), seq: 1 }], 'ru').toString()).toContain(',Смарт-процесс 1220,');
    await store.close();
  });
});
