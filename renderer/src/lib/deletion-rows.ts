/**
 * The rows of the live table for one filter: a count and pages of ~200 rows fetched on demand.
 *
 * Rows are kept by their position counted from the OLDEST matching deletion (`pos`), not by their
 * index in the newest-first view. New deletions only ever join at the newest end, so a position never
 * changes when rows arrive: cached pages stay valid, a row keeps its React key, and the table can keep
 * what the user looks at still by shifting its scroll offset by the number of rows added. A page asked
 * for with `{offset, limit}` lands at `pos = total - 1 - offset - k`, using the `total` the core
 * answered with, so a page stays correct even when pushes and answers cross.
 */
import type { DeletionFilter, DeletionPage, DeletionQuery, DeletionRecord } from '../../../electron/core/contract';
import { matchesFilter, normalizeFilter } from './filter';

/** Rows per request. */
export const PAGE_SIZE = 200;
/** Requests in flight at once (fast scrolling asks for many pages; only the latest wishes are kept). */
const MAX_IN_FLIGHT = 3;
/** Pages kept on either side of the viewport once the cache is large. */
const KEEP_PAGES_AROUND = 6;
/** Rows cached before far pages are dropped. */
const MAX_CACHED_ROWS = 24 * PAGE_SIZE;
/** How long a pushed row is shown as new. */
const FRESH_MS = 4000;
/** Pause before asking the core whether we missed anything (coalesces bursts of status pushes). */
const HEAD_CHECK_DELAY_MS = 1000;

export interface DeletionRowsSnapshot {
  /** Deletions matching the filter. */
  total: number;
  /** The first answer arrived. */
  ready: boolean;
  /** Why the first answer failed, if it did. */
  error: unknown;
  /** Changes whenever anything shown may have changed. */
  version: number;
}

export type QueryFn = (query: DeletionQuery) => Promise<DeletionPage>;

export class DeletionRows {
  readonly filter: DeletionFilter;
  private readonly rows = new Map<number, DeletionRecord>();
  private readonly fresh = new Map<number, number>();
  private readonly inFlight = new Set<number>();
  private readonly listeners = new Set<() => void>();
  private wanted: number[] = [];
  private centerPage = 0;
  private buffered: DeletionRecord[] = [];
  private total = 0;
  private newestSeq = 0;
  private ready = false;
  private error: unknown = null;
  /** Bumped by start/dispose: answers of an older run are dropped. */
  private run = 0;
  private headTimer: ReturnType<typeof setTimeout> | null = null;
  /** Newest seq the core reported that no push has brought yet. */
  private suspectSeq: number | null = null;
  private snapshot: DeletionRowsSnapshot = { total: 0, ready: false, error: null, version: 0 };

  constructor(
    private readonly query: QueryFn,
    filter: DeletionFilter,
    private readonly now: () => number = Date.now,
  ) {
    this.filter = normalizeFilter(filter);
  }

  // ---- React binding ---------------------------------------------------------------------------

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  };

  getSnapshot = (): DeletionRowsSnapshot => this.snapshot;

  private changed(): void {
    this.snapshot = { total: this.total, ready: this.ready, error: this.error, version: this.snapshot.version + 1 };
    for (const listener of [...this.listeners]) listener();
  }

  // ---- life --------------------------------------------------------------------------------------

  /** Loads the count and the newest page. Safe to call again after dispose (React strict mode). */
  async start(): Promise<void> {
    const run = ++this.run;
    this.error = null;
    try {
      const page = await this.query({ filter: this.filter, offset: 0, limit: PAGE_SIZE });
      if (run !== this.run) return;
      this.rows.clear();
      this.fresh.clear();
      this.total = page.total;
      this.place(0, page);
      this.newestSeq = Math.max(this.newestSeq, page.rows[0]?.seq ?? 0);
      this.ready = true;
      const early = this.buffered;
      this.buffered = [];
      this.addRecords(early);
    } catch (error) {
      if (run !== this.run) return;
      this.error = error;
    }
    this.changed();
  }

  dispose(): void {
    this.run++;
    this.inFlight.clear();
    this.wanted = [];
    if (this.headTimer) clearTimeout(this.headTimer);
    this.headTimer = null;
  }

  // ---- reading -----------------------------------------------------------------------------------

  /** The row at `index` (0 = newest), when loaded. */
  rowAt(index: number): DeletionRecord | undefined {
    return this.rows.get(this.total - 1 - index);
  }

  /** Stable identity of the row at `index` (does not change when newer rows arrive). */
  keyAt(index: number): number {
    return this.total - 1 - index;
  }

  /** True for a row pushed in the last few seconds. */
  isFresh(index: number): boolean {
    const at = this.fresh.get(this.total - 1 - index);
    return at !== undefined && this.now() - at < FRESH_MS;
  }

  /** Rows held in memory (for tests and diagnostics). */
  get cachedRows(): number {
    return this.rows.size;
  }

  /** Asks for rows `first`..`last` (indexes, inclusive) and the pages next to them. */
  need(first: number, last: number): void {
    if (!this.ready || this.total === 0 || last < first) return;
    const lastPage = Math.floor((this.total - 1) / PAGE_SIZE);
    const high = Math.floor((this.total - 1 - Math.max(0, first)) / PAGE_SIZE);
    const low = Math.floor(Math.max(0, this.total - 1 - last) / PAGE_SIZE);
    this.centerPage = Math.floor((low + high) / 2);
    const wanted: number[] = [];
    for (let page = Math.max(0, low - 1); page <= Math.min(lastPage, high + 1); page++) {
      if (!this.inFlight.has(page) && !this.complete(page)) wanted.push(page);
    }
    // Visible pages first, the neighbours after.
    wanted.sort((a, b) => Number(a < low || a > high) - Number(b < low || b > high) || Math.abs(a - this.centerPage) - Math.abs(b - this.centerPage));
    this.wanted = wanted;
    this.pump();
  }

  private complete(page: number): boolean {
    const end = Math.min((page + 1) * PAGE_SIZE, this.total);
    for (let pos = page * PAGE_SIZE; pos < end; pos++) if (!this.rows.has(pos)) return false;
    return true;
  }

  private pump(): void {
    while (this.inFlight.size < MAX_IN_FLIGHT && this.wanted.length > 0) {
      const page = this.wanted.shift()!;
      if (this.inFlight.has(page) || this.complete(page)) continue;
      void this.load(page);
    }
  }

  private async load(page: number): Promise<void> {
    const run = this.run;
    const lowPos = page * PAGE_SIZE;
    const highPos = Math.min((page + 1) * PAGE_SIZE, this.total) - 1;
    if (highPos < lowPos) return;
    const offset = this.total - 1 - highPos;
    this.inFlight.add(page);
    try {
      const answer = await this.query({ filter: this.filter, offset, limit: highPos - lowPos + 1 });
      if (run !== this.run) return;
      this.place(offset, answer);
      this.evict();
      this.changed();
    } catch {
      // A page that failed stays missing; scrolling asks for it again.
    } finally {
      if (run === this.run) {
        this.inFlight.delete(page);
        this.pump();
      }
    }
  }

  private place(offset: number, page: DeletionPage): void {
    const top = page.total - 1 - offset;
    for (let k = 0; k < page.rows.length; k++) this.rows.set(top - k, page.rows[k]!);
  }

  private evict(): void {
    if (this.rows.size <= MAX_CACHED_ROWS) return;
    for (const pos of this.rows.keys()) {
      if (Math.abs(Math.floor(pos / PAGE_SIZE) - this.centerPage) > KEEP_PAGES_AROUND) this.rows.delete(pos);
    }
  }

  /**
   * Asks again for the held pages around the viewport: what the core joins to rows when they are read
   * (application mode's names) may have changed since they were fetched or pushed.
   */
  reloadHeld(): void {
    if (!this.ready) return;
    const pages = new Set<number>();
    for (const pos of this.rows.keys()) {
      const page = Math.floor(pos / PAGE_SIZE);
      if (Math.abs(page - this.centerPage) <= 1) pages.add(page);
    }
    for (const page of pages) if (!this.inFlight.has(page)) void this.load(page);
  }

  // ---- live updates ------------------------------------------------------------------------------

  /** Takes a `deletionsAdded` push; returns how many rows joined this view. */
  push(records: readonly DeletionRecord[]): number {
    const matching = records.filter((r) => matchesFilter(r, this.filter));
    if (matching.length === 0) return 0;
    if (!this.ready) {
      this.buffered.push(...matching);
      return 0;
    }
    const added = this.addRecords(matching);
    if (added > 0) {
      this.evict();
      this.changed();
    }
    return added;
  }

  /** Appends records at the newest end, skipping any the first answer already counted. */
  private addRecords(records: readonly DeletionRecord[]): number {
    const now = this.now();
    let added = 0;
    for (const r of [...records].sort((a, b) => a.seq - b.seq)) {
      if (r.seq <= this.newestSeq) continue;
      this.rows.set(this.total, r);
      this.fresh.set(this.total, now);
      this.total++;
      this.newestSeq = r.seq;
      added++;
    }
    if (this.fresh.size > 500) for (const [pos, at] of this.fresh) if (now - at >= FRESH_MS) this.fresh.delete(pos);
    if (added > 0 && this.suspectSeq !== null && this.newestSeq >= this.suspectSeq) this.suspectSeq = null;
    return added;
  }

  /**
   * Asks the core, soon, whether this view still agrees with it: pushes can be lost (the dashboard's
   * stream reconnected) and retention removes the oldest rows. Called on every status push.
   */
  scheduleHeadCheck(delayMs = HEAD_CHECK_DELAY_MS): void {
    if (!this.ready || this.headTimer) return;
    this.headTimer = setTimeout(() => {
      this.headTimer = null;
      void this.headCheck();
    }, delayMs);
  }

  /** Compares the newest row and the count with the core's, and repairs the view when they differ. */
  async headCheck(): Promise<void> {
    const run = this.run;
    let page: DeletionPage;
    try {
      page = await this.query({ filter: this.filter, offset: 0, limit: 1 });
    } catch {
      return;
    }
    if (run !== this.run) return;
    const seq = page.rows[0]?.seq ?? 0;
    if (seq === this.newestSeq) {
      this.suspectSeq = null;
      // Same newest row, another count: old rows went away, so every position moved.
      if (page.total !== this.total) this.resync(page.total);
      return;
    }
    if (seq < this.newestSeq) return; // the core answered before our latest push was stored
    if (this.suspectSeq === null || seq < this.suspectSeq) {
      // Newer rows than we have: most likely their push is on its way. Look again in a moment.
      this.suspectSeq = seq;
      this.scheduleHeadCheck(1500);
      return;
    }
    // Still missing after a while: the pushes were lost. Count the rows in; their pages load on demand.
    this.suspectSeq = null;
    if (page.total > this.total) {
      this.total = page.total;
      this.newestSeq = seq;
      this.place(0, page);
      this.changed();
    } else {
      this.newestSeq = seq;
      this.resync(page.total);
    }
  }

  private resync(total: number): void {
    this.rows.clear();
    this.fresh.clear();
    this.wanted = [];
    this.total = total;
    this.run++; // answers computed against the old positions must not land
    this.inFlight.clear();
    this.changed();
  }
}
