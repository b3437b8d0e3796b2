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

/** Takes every row the queue holds now; throws (leaving reserved rows on the portal) when the log cannot store them. */
export async function drainOffline(deps: {
  rest: RestClient;
  target: DrainTarget;
  reserve: boolean;
  store: (record: UnsequencedRecord) => Promise<PipelineAnswer>;
  now?: () => number;
  maxPages?: number;
  /** The previous drain's reservation (rows it reserved and did not clear are returned again). */
  processId?: string | null;
  /** Told the reservation as soon as the portal names it (before anything can fail). */
  onProcessId?: (processId: string) => void;
}): Promise<DrainResult> {
  const result: DrainResult = { rows: 0, stored: 0, duplicates: 0, skipped: 0, processId: deps.processId ?? null };
  let processId: string | undefined = deps.processId ?? undefined;
  for (let page = 0; page < (deps.maxPages ?? 10_000); page++) {
    const answer = await deps.rest.call<{ process_id?: unknown; events?: unknown }>('event.offline.get', {
      clear: deps.reserve ? 0 : 1,
      limit: PAGE,
      ...(processId && { process_id: processId }),
    });
    const events = Array.isArray(answer.result?.events) ? (answer.result.events as unknown[]) : [];
    if (typeof answer.result?.process_id === 'string' && /^[\x21-\x7e]{1,100}$/.test(answer.result.process_id) && answer.result.process_id !== processId) {
      processId = answer.result.process_id;
      result.processId = processId;
      deps.onProcessId?.(processId);
    }
    if (events.length === 0) break;
    const receivedAt = (deps.now ?? Date.now)();
    const records = events.map((row) => recordFromOfflineRow(row, deps.target, receivedAt));
    const answers = await Promise.all(records.map((record) => (record ? deps.store(record) : null)));
    for (const a of answers) {
      if (a === null) result.skipped++;
      else if (a.status !== 200) throw new Error(`the log cannot store queued deletions (${'error' in a.body ? a.body.error : a.status}); they stay on the portal`);
      else if ('duplicate' in a.body && a.body.duplicate) result.duplicates++;
      else result.stored++;
    }
    result.rows += events.length;
    if (deps.reserve && processId) {
      const ids = events.flatMap((row) => {
        const id = row && typeof row === 'object' ? (row as Record<string, unknown>)['ID'] : undefined;
        return typeof id === 'string' || typeof id === 'number' ? [String(id)] : [];
      });
      await deps.rest.call('event.offline.clear', { process_id: processId, id: ids });
    }
    if (events.length < PAGE) break;
  }
  return result;
}
