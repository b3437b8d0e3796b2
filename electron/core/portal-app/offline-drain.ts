/**
 * Drains a portal's offline queue (`event.offline.get`) into the log through the same path online
 * events take (payload readers, record builder, the pipeline's store), so a deletion received both
 * online and from the queue is stored once. With the plan feature `rest_offline_extended`, rows are
 * reserved (`clear=0`) and cleared on the portal only after they are durably stored; without it the
 * portal deletes rows as they are read (the only mode it offers).
 */
import { EVENT_NAME_PATTERN, classifyEvent } from '../events/bitrix-events.js';
import { PayloadError, readDeletion } from '../events/payload.js';
import { buildRecord, type UnsequencedRecord } from '../events/deletion-record.js';
import type { ParsedObject } from '../events/parse-body.js';
import type { PipelineAnswer } from '../pipeline/event-pipeline.js';
import { randomBytes } from 'node:crypto';
import type { RestClient } from './rest-client.js';

export interface DrainTarget {
  domain: string;
  memberId: string | null;
  clientEndpoint: string;
  /** Fingerprint of the app's application token (what online records carry). */
  tokenFp: string;
}

export interface DrainResult {
  /** Rows taken from the queue. */
  rows: number;
  stored: number;
  duplicates: number;
  /** Rows that were not deletions or were malformed (cleared, not stored). */
  skipped: number;
  /** The reservation used: pass it to the next drain, so rows reserved by a failed one come back. */
  processId: string | null;
}

const PAGE = 50;

/** Leaves of a JSON value as strings, in a null-prototype tree, as the form parser would give them. */
function toParsed(value: unknown, depth = 0): ParsedObject | string | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value !== 'object') return String(value);
  if (depth > 3) return undefined;
  const out: ParsedObject = Object.create(null) as ParsedObject;
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (k === '__proto__' || k === 'constructor' || k === 'prototype') continue;
    const leaf = toParsed(v, depth + 1);
    if (leaf !== undefined) out[k] = leaf;
  }
  return out;
}

/** One queue row as a record, or null when it is not a deletion or cannot be read. */
export function recordFromOfflineRow(row: unknown, target: DrainTarget, receivedAt: number): UnsequencedRecord | null {
  if (!row || typeof row !== 'object') return null;
  const r = row as Record<string, unknown>;
  const event = typeof r['EVENT_NAME'] === 'string' ? r['EVENT_NAME'].toUpperCase() : '';
  if (!EVENT_NAME_PATTERN.test(event)) return null;
  const kind = classifyEvent(event);
  if (kind.kind === 'other') return null;
  const at = typeof r['TIMESTAMP_X'] === 'string' ? Date.parse(r['TIMESTAMP_X']) : NaN;
  if (!Number.isFinite(at)) return null;
  const extra = r['EVENT_ADDITIONAL'] && typeof r['EVENT_ADDITIONAL'] === 'object' ? (r['EVENT_ADDITIONAL'] as Record<string, unknown>) : {};
  const userId = extra['user_id'] === undefined || extra['user_id'] === null || extra['user_id'] === '' ? undefined : String(extra['user_id']);
  const data = toParsed(r['EVENT_DATA']);
  const auth: ParsedObject = Object.create(null) as ParsedObject;
  auth['domain'] = target.domain;
  auth['client_endpoint'] = target.clientEndpoint;
  if (target.memberId) auth['member_id'] = target.memberId;
  if (userId !== undefined) auth['user_id'] = userId;
  const body: ParsedObject = Object.create(null) as ParsedObject;
  body['event'] = event;
  body['ts'] = String(Math.floor(at / 1000));
  if (data !== undefined) body['data'] = data;
  body['auth'] = auth;
  try {
    const fields = readDeletion(body, kind);
    // Offline rows carry no OAuth tokens; the acting user is EVENT_ADDITIONAL.user_id.
    return buildRecord(event, null, { ...fields, byUser: fields.userId !== null }, target.tokenFp, receivedAt);
  } catch (error) {
    if (error instanceof PayloadError) return null;
    throw error;
  }
}

export interface DrainDeps {
  rest: RestClient;
  target: DrainTarget;
  /** The plan has `rest_offline_extended`: reserve with clear=0, clear after storing. */
  reserve: boolean;
  store: (record: UnsequencedRecord) => Promise<PipelineAnswer>;
  now?: () => number;
  maxRounds?: number;
  /** The previous drain's reservation (rows it reserved and did not clear come back with it). */
  processId?: string | null;
  /** Told the reservation before anything is read (persist it: a crash mid-drain must not strand rows). */
  onProcessId?: (processId: string) => void;
  /** Told of rows that are not deletions (add/update events: their items are fetched for snapshots). */
  onOtherRow?: (event: string, data: unknown) => void;
  /** Pages of 50 read in one `batch` request when reserving (default 25: 1,250 rows a request). */
  pagesPerBatch?: number;
}

function rowsOf(result: unknown): unknown[] {
  const events = result && typeof result === 'object' ? (result as Record<string, unknown>)['events'] : undefined;
  return Array.isArray(events) ? events.slice(0, PAGE) : [];
}

/** Rows handed to the store at a time: one group commit each, so online events between them wait for small writes only. */
const STORE_CHUNK = 50;

/** Stores the rows through the pipeline's path; throws (rows stay on the portal) when the log refuses one. */
async function storeRows(rows: unknown[], deps: DrainDeps, result: DrainResult): Promise<void> {
  const receivedAt = (deps.now ?? Date.now)();
  const records = rows.map((row) => recordFromOfflineRow(row, deps.target, receivedAt));
  if (deps.onOtherRow) {
    records.forEach((record, i) => {
      const row = rows[i] as Record<string, unknown> | null;
      if (record === null && row && typeof row === 'object' && typeof row['EVENT_NAME'] === 'string') deps.onOtherRow!(row['EVENT_NAME'].toUpperCase(), row['EVENT_DATA']);
    });
  }
  const answers: (PipelineAnswer | null)[] = [];
  for (let i = 0; i < records.length; i += STORE_CHUNK) {
    answers.push(...(await Promise.all(records.slice(i, i + STORE_CHUNK).map((record) => (record ? deps.store(record) : null)))));
  }
  for (const a of answers) {
    if (a === null) result.skipped++;
    else if (a.status !== 200) throw new Error(`the log cannot store queued deletions (${'error' in a.body ? a.body.error : a.status}); they stay on the portal`);
    else if ('duplicate' in a.body && a.body.duplicate) result.duplicates++;
    else result.stored++;
  }
  result.rows += rows.length;
}

/**
 * Takes every row the queue holds now. Reserving, it reads up to `pagesPerBatch` pages of 50 in one
 * `batch` request, each page under its own process_id derived from one reservation (`<id>.<page>`:
 * rows reserved by one page are not handed to the next), stores them, then clears them in one more
 * `batch`: 10,000 rows cost 16 requests, well inside the portal's burst. Without reservation the portal
 * deletes rows as it hands them out, so it reads one page at a time to risk no more than 50.
 */
export async function drainOffline(deps: DrainDeps): Promise<DrainResult> {
  const result: DrainResult = { rows: 0, stored: 0, duplicates: 0, skipped: 0, processId: null };
  const maxRounds = deps.maxRounds ?? 10_000;
  if (!deps.reserve) {
    for (let round = 0; round < maxRounds; round++) {
      const rows = rowsOf((await deps.rest.call('event.offline.get', { clear: 1, limit: PAGE })).result);
      if (rows.length === 0) break;
      await storeRows(rows, deps, result);
      if (rows.length < PAGE) break;
    }
    return result;
  }
  const base = deps.processId && /^[A-Za-z0-9_-]{1,60}$/.test(deps.processId) ? deps.processId : `b24dm-${randomBytes(8).toString('hex')}`;
  result.processId = base;
  if (base !== deps.processId) deps.onProcessId?.(base);
  const pages = Math.min(50, Math.max(1, deps.pagesPerBatch ?? 25));
  for (let round = 0; round < maxRounds; round++) {
    const reads = await deps.rest.batch(
      Object.fromEntries(Array.from({ length: pages }, (_, i) => [`p${i}`, ['event.offline.get', { clear: 0, limit: PAGE, process_id: `${base}.${i}` }]])),
    );
    const failed = Object.values(reads.errors)[0];
    if (failed) throw new Error(`event.offline.get failed: ${failed.error} ${failed.error_description}`);
    const perPage = Array.from({ length: pages }, (_, i) => rowsOf(reads.result[`p${i}`]));
    const rows = perPage.flat();
    if (rows.length === 0) break;
    await storeRows(rows, deps, result);
    const clears = perPage.flatMap((pageRows, i): [string, [string, Record<string, unknown>]][] => {
      const ids = pageRows.flatMap((row) => {
        const id = row && typeof row === 'object' ? (row as Record<string, unknown>)['ID'] : undefined;
        return typeof id === 'string' || typeof id === 'number' ? [String(id)] : [];
      });
      return ids.length ? [[`c${i}`, ['event.offline.clear', { process_id: `${base}.${i}`, id: ids }]]] : [];
    });
    const cleared = await deps.rest.batch(Object.fromEntries(clears));
    const clearFailed = Object.values(cleared.errors)[0];
    if (clearFailed) throw new Error(`event.offline.clear failed: ${clearFailed.error} ${clearFailed.error_description} (the rows are stored; the next drain finds them again and they are duplicates)`);
    if (perPage.some((pageRows) => pageRows.length < PAGE)) break;
  }
  return result;
}
