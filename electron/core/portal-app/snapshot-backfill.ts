/**
 * The snapshot backfill of one application portal: every item of every type of the deletion family
 * (types from `crm.enum.ownertype`, smart processes included) read with `crm.item.list` into the live
 * snapshots, one `batch` of up to 50 pages at a time, its progress kept in
 * `snapshots/backfill/<portal>.json` after every batch so a restart resumes where it stopped.
 *
 * Paging. Each batch asks for the pages after a cursor (the highest id stored so far):
 * `filter: {'>id': cursor}, order: {id: 'ASC'}, start: 0, 50, 100, ...` (50 pages, 2,500 items a
 * request, inside the portal's burst). Offsets alone (`start` over the whole list) would skip items when
 * some are deleted while paging, and could not resume after a restart without counting again; a cursor
 * alone (one page a request) would take 2,000 requests for 100k items, over 16 minutes at 2/s. Here the
 * offsets only reach within one batch, which the portal runs at one moment; every page reports the count
 * of items above the cursor (`total`), so if a deletion inside the batch shifted the offsets, the count
 * changes and the batch is cut at the last page before the change. New items have higher ids and only
 * extend the list. The cursor moves only after the batch's snapshots are on disk: no page finished is
 * ever fetched again, only the one in flight at a stop.
 */
import path from 'node:path';
import { mkdir } from 'node:fs/promises';
import type { SnapshotBackfillState } from '../contract.js';
import { DurableJsonFile } from '../store/durable-json-file.js';
import { silentLogger, type Logger } from '../util/logger.js';
import { isSnapshotType, itemsOfAnswer, selectFor, snapshotOfItem } from './item-snapshots.js';
import type { RestClient } from './rest-client.js';
import { SNAPSHOTS_DIR, portalFolder, type SnapshotStore, type StoredSnapshot } from './snapshot-store.js';

const PAGE = 50;

interface TypeProgress {
  entityTypeId: number;
  /** Highest id stored; the next batch reads above it. */
  cursor: number;
  done: number;
  total: number | null;
  finished: boolean;
}

interface BackfillFile {
  format: 1;
  startedAt: number | null;
  finishedAt: number | null;
  types: TypeProgress[];
}

export interface BackfillOptions {
  dataDir: string;
  domain: string;
  rest: RestClient;
  snapshots: SnapshotStore;
  fsync?: boolean;
  log?: Logger;
  /** Pages a batch (default 50, the most `batch` takes). */
  pagesPerBatch?: number;
  now?: () => number;
}

const fmt = (n: number): string => n.toLocaleString('en-US');

/** Where a portal's backfill progress is kept. */
export function backfillFile(dataDir: string, domain: string): string {
  return path.join(dataDir, SNAPSHOTS_DIR, 'backfill', `${portalFolder(domain)}.json`);
}

export class SnapshotBackfill {
  private status: SnapshotBackfillState['status'] = 'running';
  private reason: string | null = null;
  private lastLogAt = 0;
  private readonly log: Logger;
  private readonly now: () => number;

  private constructor(
    private readonly options: BackfillOptions,
    private data: BackfillFile,
    private readonly file: DurableJsonFile<BackfillFile>,
  ) {
    this.log = options.log ?? silentLogger;
    this.now = options.now ?? Date.now;
    if (data.finishedAt !== null && data.types.every((t) => t.finished)) this.status = 'done';
  }

  /** Loads the progress kept for the portal (none: starts from the beginning). */
  static async load(options: BackfillOptions): Promise<SnapshotBackfill> {
    const name = backfillFile(options.dataDir, options.domain);
    await mkdir(path.dirname(name), { recursive: true });
    const file = new DurableJsonFile<BackfillFile>(name, { fsync: options.fsync ?? true });
    let data: BackfillFile = { format: 1, startedAt: null, finishedAt: null, types: [] };
    try {
      const read = await file.read();
      if (read && read.format === 1 && Array.isArray(read.types)) data = read;
    } catch {
      /* unreadable: start again (snapshots already stored are simply rewritten) */
    }
    return new SnapshotBackfill(options, data, file);
  }

  /** The portal's types were read this run (discoverTypes). */
  discovered = false;

  get finished(): boolean {
    return this.discovered && this.status === 'done';
  }

  /** What the status shows. */
  get state(): SnapshotBackfillState {
    const types = this.data.types.map((t) => ({ entityTypeId: t.entityTypeId, done: t.done, total: t.total, finished: t.finished }));
    return {
      status: this.status,
      done: types.reduce((n, t) => n + t.done, 0),
      total: types.length && types.every((t) => t.total !== null) ? types.reduce((n, t) => n + t.total!, 0) : null,
      types,
      startedAt: this.data.startedAt,
      finishedAt: this.data.finishedAt,
      reason: this.reason,
    };
  }

  /** Paused (a REST error, a back-off): the reason shows until the next batch goes through. */
  pause(reason: string, failed = false): void {
    if (this.status === 'done') return;
    this.status = failed ? 'failed' : 'paused';
    this.reason = reason;
  }

  /** Reads the portal's types and adds those not yet known (a new smart process starts the backfill again). */
  async discoverTypes(): Promise<void> {
    const { result } = await this.options.rest.call('crm.enum.ownertype');
    const ids = (Array.isArray(result) ? result : []).map((r: unknown) => Number((r as Record<string, unknown>)?.['ID'])).filter((id) => Number.isSafeInteger(id) && isSnapshotType(id));
    let added = false;
    for (const entityTypeId of ids) {
      if (this.data.types.some((t) => t.entityTypeId === entityTypeId)) continue;
      this.data.types.push({ entityTypeId, cursor: 0, done: 0, total: null, finished: false });
      added = true;
    }
    this.discovered = true;
    if (added || this.data.startedAt === null) {
      if (this.data.startedAt === null) this.log.info(`snapshots: ${this.options.domain} backfill started (${this.data.types.length} types)`);
      this.data.startedAt ??= this.now();
      this.data.finishedAt = null;
      this.status = 'running';
      await this.file.write(this.data);
    }
  }

  /** One batch of pages of the first unfinished type; false when every type is finished. */
  async step(): Promise<boolean> {
    const type = this.data.types.find((t) => !t.finished);
    if (!type) return this.finish();
    const uncounted = this.data.types.filter((t) => !t.finished && t.total === null);
    if (uncounted.length > 1) return this.count(uncounted.slice(0, 50));
    const remaining = type.total === null ? null : Math.max(0, type.total - type.done);
    // Pages wanted: all 50 until the count is known, then only as many as the count says (plus one).
    const pages = Math.max(1, Math.min(this.options.pagesPerBatch ?? PAGE, remaining === null ? PAGE : Math.ceil(remaining / PAGE) + 1));
    const params = (start: number): Record<string, unknown> => ({
      entityTypeId: type.entityTypeId,
      select: selectFor(type.entityTypeId),
      order: { id: 'ASC' },
      filter: { '>id': type.cursor },
      start,
    });
    const answer = await this.options.rest.batch(Object.fromEntries(Array.from({ length: pages }, (_, i) => [`p${i}`, ['crm.item.list', params(i * PAGE)]])));
    const failed = answer.errors['p0'] ?? Object.values(answer.errors)[0];
    if (failed) throw new Error(`crm.item.list (type ${type.entityTypeId}) failed: ${failed.error} ${failed.error_description}`);
    const takenAt = this.now();
    const firstTotal = typeof answer.total['p0'] === 'number' ? answer.total['p0'] : null;
    const taken: { id: number; snapshot: StoredSnapshot }[] = [];
    let end = false;
    for (let i = 0; i < pages; i++) {
      // A count that changed inside the batch: a deletion shifted the offsets; stop before this page.
      if (i > 0 && firstTotal !== null && answer.total[`p${i}`] !== undefined && answer.total[`p${i}`] !== firstTotal) break;
      const items = itemsOfAnswer(answer.result[`p${i}`]);
      for (const item of items) {
        const snap = snapshotOfItem(item, takenAt);
        if (snap && snap.id > type.cursor) taken.push(snap);
      }
      if (items.length < PAGE) {
        end = true;
        break;
      }
    }
    if (taken.length) await this.options.snapshots.put(this.options.domain, type.entityTypeId, taken);
    if (firstTotal !== null) type.total = type.done + firstTotal;
    type.done += taken.length;
    if (taken.length) type.cursor = Math.max(type.cursor, ...taken.map((t) => t.id));
    if (end || (firstTotal !== null && taken.length >= firstTotal)) {
      type.finished = true;
      type.total = type.done;
    }
    this.status = 'running';
    this.reason = null;
    await this.file.write(this.data);
    this.logProgress(false);
    return this.data.types.some((t) => !t.finished) || this.finish();
  }

  /**
   * The count of every type not started yet, in one `batch` (one id each, newest first: the answer's
   * `total` is what is wanted), so progress has a total from the first batch on.
   */
  private async count(types: TypeProgress[]): Promise<boolean> {
    const answer = await this.options.rest.batch(
      Object.fromEntries(types.map((t) => [`t${t.entityTypeId}`, ['crm.item.list', { entityTypeId: t.entityTypeId, select: ['id'], order: { id: 'DESC' }, filter: { '>id': t.cursor }, start: 0 }]])),
    );
    for (const t of types) {
      const total = answer.total[`t${t.entityTypeId}`];
      const failed = answer.errors[`t${t.entityTypeId}`];
      if (failed) throw new Error(`crm.item.list (type ${t.entityTypeId}) failed: ${failed.error} ${failed.error_description}`);
      t.total = t.done + (typeof total === 'number' ? total : itemsOfAnswer(answer.result[`t${t.entityTypeId}`]).length);
    }
    this.status = 'running';
    this.reason = null;
    await this.file.write(this.data);
    return true;
  }

  private async finish(): Promise<boolean> {
    if (this.data.finishedAt === null) {
      this.data.finishedAt = this.now();
      await this.file.write(this.data);
      this.status = 'done';
      this.logProgress(true);
    }
    this.status = 'done';
    this.reason = null;
    return false;
  }

  /** At most a line every 10 s, and one at the end. */
  private logProgress(finished: boolean): void {
    const now = this.now();
    if (!finished && now - this.lastLogAt < 10_000) return;
    this.lastLogAt = now;
    const { done, total } = this.state;
    if (finished) {
      const seconds = this.data.startedAt ? ((this.data.finishedAt! - this.data.startedAt) / 1000).toFixed(1) : '?';
      this.log.info(`snapshots: ${this.options.domain} backfill done: ${fmt(done)} items in ${seconds} s`);
    } else {
      this.log.info(`snapshots: ${this.options.domain} backfill ${fmt(done)}/${total === null ? '?' : fmt(total)}${total ? ` (${Math.floor((done / total) * 100)}%)` : ''}`);
    }
  }
}
