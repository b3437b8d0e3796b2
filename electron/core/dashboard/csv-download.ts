/**
 * `POST /api/export` for the dashboard: the same CSV `exportCsv` writes (same header, rows, BOM,
 * quoting and formula neutralising), streamed to the browser as a download instead of to a server path.
 */
import { once } from 'node:events';
import type { ServerResponse } from 'node:http';
import type { DeletionFilter } from '../contract.js';
import { writeCsv, type CsvLanguage, type RecordScanner } from '../export/csv-export.js';

export type { RecordScanner };


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
  language: CsvLanguage = 'en',
): Promise<{ rows: number; complete: boolean }> {
  res.writeHead(200, {
    ...headers,
    'Content-Type': 'text/csv; charset=utf-8',
    'Content-Disposition': `attachment; filename="${csvFileName()}"`,
  });
  let gone = false;
  res.on('close', () => {
    gone = !res.writableFinished;
  });
  let result: { rows: number; complete: boolean };
  try {
    result = await writeCsv(scanner, filter, res, { shouldStop: () => gone, language });
  } catch (error) {
    res.destroy(error instanceof Error ? error : new Error(String(error)));
    throw error;
  }
  if (!result.complete) return result;
  res.end();
  if (!res.writableFinished) await Promise.race([once(res, 'finish'), once(res, 'close')]).catch(() => undefined);
  return { rows: result.rows, complete: res.writableFinished };
}
