/**
 * `POST /api/export` for the dashboard: the same CSV `exportCsv` writes (same header, rows, BOM,
 * quoting and formula neutralising), streamed to the browser as a download instead of to a server path.
 */
import { once } from 'node:events';
import type { ServerResponse } from 'node:http';
import { stringify } from 'csv-stringify';
import type { DeletionFilter, DeletionRecord } from '../contract.js';
import { CSV_HEADER, csvRow } from '../export/csv-export.js';

/** Whatever yields matching records oldest first, a batch at a time (DeletionStore.scan). */
export interface RecordScanner {
  scan(filter: DeletionFilter): AsyncIterable<DeletionRecord[]>;
}

/** `deletions-YYYY-MM-DD.csv` for the local date of `now`. */
export function csvFileName(now: Date = new Date()): string {
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `deletions-${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}.csv`;
}

/**
 * Streams the matching deletions as a CSV attachment. Stops reading the log as soon as the client goes
 * away; a failure after the first byte can only be reported by cutting the response short.
 */
export async function streamCsv(
  res: ServerResponse,
  scanner: RecordScanner,
  filter: DeletionFilter,
  headers: Record<string, string>,
): Promise<{ rows: number; complete: boolean }> {
  res.writeHead(200, {
    ...headers,
    'Content-Type': 'text/csv; charset=utf-8',
    'Content-Disposition': `attachment; filename="${csvFileName()}"`,
  });
  const csv = stringify({ bom: true, header: true, columns: [...CSV_HEADER], record_delimiter: 'windows' });
  csv.pipe(res);
  let gone = false;
  res.on('close', () => {
    gone = !res.writableFinished;
  });
  let rows = 0;
  try {
    for await (const batch of scanner.scan(filter)) {
      for (const record of batch) {
        if (gone) break;
        if (!csv.write(csvRow(record))) await Promise.race([once(csv, 'drain'), once(res, 'close')]);
      }
      if (gone) break;
      rows += batch.length;
    }
  } catch (error) {
    csv.destroy();
    res.destroy(error instanceof Error ? error : new Error(String(error)));
    throw error;
  }
  if (gone) {
    csv.destroy();
    return { rows, complete: false };
  }
  csv.end();
  if (!res.writableFinished) await Promise.race([once(res, 'finish'), once(res, 'close')]).catch(() => undefined);
  return { rows, complete: res.writableFinished };
}
