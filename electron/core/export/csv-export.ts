/**
 * CSV export of the deletion log: streamed segment by segment (memory stays flat whatever the size),
 * UTF-8 with BOM so Excel reads Cyrillic, RFC 4180 quoting by csv-stringify, and cells that a
 * spreadsheet would run as a formula neutralised.
 */
import { createWriteStream } from 'node:fs';
import { rename, unlink } from 'node:fs/promises';
import { once } from 'node:events';
import { stringify } from 'csv-stringify';
import type { DeletionFilter, DeletionRecord } from '../contract.js';
import { entityTypeLabel } from '../events/bitrix-events.js';
import type { DeletionStore } from '../store/deletion-store.js';

export const CSV_HEADER = [
  'Received at (UTC)',
  'Sent at (UTC)',
  'Event',
  'Entity type',
  'Entity type id',
  'Item id',
  'Portal',
  'Member id',
  'Made by a user',
  'User id',
] as const;

/** Spreadsheets run cells starting with these as formulas (CSV injection). */
const FORMULA_START = /^[=+\-@\t\r]/;

/** Prefixes a quote to a cell a spreadsheet would otherwise evaluate. */
export function neutralizeCell(value: string): string {
  return FORMULA_START.test(value) ? `'${value}` : value;
}

/** One CSV row of a deletion, in CSV_HEADER order. */
export function csvRow(r: DeletionRecord): string[] {
  return [
    new Date(r.receivedAt).toISOString(),
    new Date(r.sentAt).toISOString(),
    neutralizeCell(r.event),
    neutralizeCell(entityTypeLabel(r.entityTypeId)),
    String(r.entityTypeId),
    String(r.itemId),
    neutralizeCell(r.portal),
    neutralizeCell(r.memberId ?? ''),
    r.byUser ? 'yes' : 'no',
    r.userId === null ? '' : String(r.userId),
  ];
}

/** Writes the deletions matching `filter`, oldest first, as CSV to `file` (through a temp file). */
export async function exportCsv(
  store: DeletionStore,
  filter: DeletionFilter,
  file: string,
  onProgress?: (rows: number) => void,
): Promise<{ rows: number }> {
  const temp = `${file}.partial`;
  const out = createWriteStream(temp, { mode: 0o600 });
  const csv = stringify({ bom: true, header: true, columns: [...CSV_HEADER], record_delimiter: 'windows' });
  csv.pipe(out);
  let rows = 0;
  try {
    for await (const batch of store.scan(filter)) {
      for (const record of batch) {
        if (!csv.write(csvRow(record))) await once(csv, 'drain');
      }
      rows += batch.length;
      onProgress?.(rows);
    }
    csv.end();
    await once(out, 'close');
    await rename(temp, file);
    return { rows };
  } catch (error) {
    csv.destroy();
    out.destroy();
    await unlink(temp).catch(() => undefined);
    throw error;
  }
}
