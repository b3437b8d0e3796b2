/**
 * Desktop notifications: one per deletion, but a burst (more than 3 within 2 s) becomes a single
 * summary per 2 s so a mass deletion does not bury the screen. Follows settings.notifications.
 */
import { Notification } from 'electron';
import type { DeletionRecord, Settings } from '../core/contract.js';
import { entityTypeLabel } from '../core/events/bitrix-events.js';
import { describeError, silentLogger, type Logger } from '../core/util/logger.js';
import { actorText } from '../core/alerts/alert-webhook.js';
import type { ShellCore } from './ipc.js';

export const BURST = { count: 3, windowMs: 2_000 };

/**
 * An application portal's deletion is told once its item snapshot is beside it (frozen just after the row
 * is stored, usually within milliseconds): the notification can then say which deal it was. Never longer.
 */
export const SNAPSHOT_WAIT_MS = 800;

export type Planned = { kind: 'single'; record: DeletionRecord } | { kind: 'summary'; count: number };

/**
 * Decides what to show for arriving deletions. Up to BURST.count deletions within BURST.windowMs are
 * shown one by one; past that, the rest are counted and `flush` (called BURST.windowMs later) sums them up.
 */
export class BurstPlanner {
  private recent: number[] = [];
  private pending = 0;

  /** Plans the notifications for a batch; `needsFlush` asks the caller to call flush() after the window. */
  add(records: readonly DeletionRecord[], now: number): { show: Planned[]; needsFlush: boolean } {
    this.recent = this.recent.filter((t) => now - t < BURST.windowMs);
    const show: Planned[] = [];
    for (const record of records) {
      this.recent.push(now);
      if (this.pending === 0 && this.recent.length <= BURST.count) show.push({ kind: 'single', record });
      else this.pending++;
    }
    return { show, needsFlush: this.pending > 0 };
  }

  /** The summary of what was held back, if anything. */
  flush(): Planned | null {
    const count = this.pending;
    this.pending = 0;
    return count > 0 ? { kind: 'summary', count } : null;
  }
}

/**
 * Title and body of one notification, with the names application mode joined (the type as the portal
 * calls it, who deleted). Only an application portal's event tells that no user deleted (automation);
 * an outgoing webhook never names the user, so then nothing is said about who.
 */
export function notificationText(planned: Planned, appPortals: ReadonlySet<string> = new Set()): { title: string; body: string } {
  if (planned.kind === 'summary') {
    return { title: `${planned.count} more CRM deletion${planned.count === 1 ? '' : 's'}`, body: 'Open the monitor to see them all.' };
  }
  const r = planned.record;
  const who = r.userName ? `by ${r.userName}` : r.userId !== null ? `by user ${r.userId}` : appPortals.has(r.portal) ? 'by automation' : r.byUser ? 'by a user' : null;
  const where = who ? `${r.portal}, ${who}` : r.portal;
  return { title: `Deleted: ${r.entityTypeName ?? entityTypeLabel(r.entityTypeId)} #${r.itemId}`, body: r.snapshot?.title ? `“${r.snapshot.title}”\n${where}` : where };
}

export interface NotificationOptions {
  core: ShellCore;
  /** Brings the window up when a notification is clicked. */
  showWindow: () => void;
  log?: Logger;
}

/** Shows notifications for new deletions while settings.notifications is on; returns the undo. */
export function setupNotifications(options: NotificationOptions): () => void {
  const { core } = options;
  const log = options.log ?? silentLogger;
  const planner = new BurstPlanner();
  let enabled = false;
  let flushTimer: NodeJS.Timeout | null = null;
  let appPortals: ReadonlySet<string> = new Set();
  /** Deletions waiting for their snapshot: cleared with the rest on undo. */
  const waiting = new Set<NodeJS.Timeout>();

  const show = (planned: Planned): void => {
    if (!enabled || !Notification.isSupported()) return;
    const notification = new Notification({ ...notificationText(planned, appPortals), silent: false });
    notification.on('click', options.showWindow);
    notification.show();
  };
  /** The row read again (with its snapshot and names, when the core has them by now); the row as pushed otherwise. */
  const withSnapshot = async (record: DeletionRecord): Promise<DeletionRecord> => {
    try {
      const page = await core.queryDeletions({ filter: { portal: record.portal, itemId: record.itemId, entityTypeId: record.entityTypeId }, offset: 0, limit: 10 });
      return page.rows.find((row) => row.id === record.id) ?? record;
    } catch (error) {
      log.warn(`notifications: deletion not read again: ${describeError(error)}`);
      return record;
    }
  };
  const flush = (): void => {
    flushTimer = null;
    const summary = planner.flush();
    if (summary) show(summary);
  };

  const offAdded = core.on('deletionsAdded', (records) => {
    if (!enabled) return;
    const { show: planned, needsFlush } = planner.add(records, Date.now());
    for (const p of planned) {
      if (p.kind === 'single' && !p.record.snapshot && appPortals.has(p.record.portal)) {
        const timer = setTimeout(() => {
          waiting.delete(timer);
          void withSnapshot(p.record).then((record) => show({ kind: 'single', record }));
        }, SNAPSHOT_WAIT_MS);
        waiting.add(timer);
      } else show(p);
    }
    if (needsFlush && !flushTimer) flushTimer = setTimeout(flush, BURST.windowMs);
  });
  const apply = (settings: Settings): void => {
    enabled = settings.notifications;
  };
  const offSettings = core.on('settingsChanged', apply);
  // A mass deletion is shown even while per-deletion notifications are off: it is the one to act on.
  const offBurst = core.on('massDeletion', (alert) => {
    if (!Notification.isSupported()) return;
    const minutes = Math.max(1, Math.round((alert.lastAt - alert.firstAt) / 60_000));
    const notification = new Notification({
      title: `Mass deletion on ${alert.portal}`,
      body: `${alert.count} CRM items deleted by ${actorText(alert)} in ${minutes} min.`,
      urgency: 'critical',
    });
    notification.on('click', options.showWindow);
    notification.show();
  });
  const offStatus = core.on('statusChanged', (status) => {
    appPortals = new Set((status.apps ?? []).map((a) => a.domain));
  });
  core.getSettings().then(apply, (error: unknown) => log.warn(`notifications: no settings: ${describeError(error)}`));

  return () => {
    offAdded();
    offSettings();
    offStatus();
    offBurst();
    if (flushTimer) clearTimeout(flushTimer);
    for (const timer of waiting) clearTimeout(timer);
  };
}
