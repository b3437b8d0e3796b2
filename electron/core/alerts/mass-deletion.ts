/**
 * Mass-deletion alerts: at least `threshold` deletions by one actor on one portal within `windowMinutes`
 * (an employee leaving and wiping their deals, an automation rule deleting leads by the hundred). One
 * alert per burst: it opens when the rule first holds and grows while the same actor keeps deleting; the
 * burst ends after a quiet window. Times are the portal's (`sentAt`, when the deletion was queued), so a
 * burst drained late from the offline queue is recognised as the burst it was.
 */
import type { DeletionRecord, MassDeletionAlert } from '../contract.js';

export interface MassDeletionRule {
  enabled: boolean;
  /** Deletions that make a burst (default 20). */
  threshold: number;
  /** Within this many minutes (default 10). */
  windowMinutes: number;
}

export const DEFAULT_RULE: MassDeletionRule = { enabled: true, threshold: 20, windowMinutes: 10 };

/** The rule for every portal, and the portals (lower-case domains) that have their own. */
export interface MassDeletionRules extends MassDeletionRule {
  perPortal?: Record<string, MassDeletionRule>;
}

interface Track {
  /** sentAt of the deletions still inside the window, oldest first (at most `threshold`; none once alerted). */
  times: number[];
  /** The burst this actor is in, once the rule held. */
  alert: MassDeletionAlert | null;
  lastAt: number;
}

/** Where `time` goes in ascending `times` (after equal ones): late rows arrive in any order. */
function insertionPoint(times: readonly number[], time: number): number {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (times[mid]! <= time) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Bounded: actors quiet for a window are forgotten on the next add. O(1) work a deletion in the common
 * case (it runs once per group commit, on every stored record): actors are found by portal, then user id
 * (who deleted, as far as the event says: a user id, or none for automation and outgoing webhooks),
 * without building a key string; the window's times are kept sorted as they come, and not kept at all
 * while a burst's alert is open (then only its count grows).
 */
export class MassDeletionWatch {
  private readonly tracks = new Map<string, Map<number | null, Track>>();
  private trackCount = 0;
  private nextId = 1;
  /** The longest window of any rule: actors quiet for twice that are forgotten. */
  private longestWindowMs = 0;

  constructor(private rules: MassDeletionRules) {
    this.setRule(rules);
  }

  setRule(rules: MassDeletionRules): void {
    this.rules = rules;
    let longest = rules.windowMinutes;
    for (const rule of Object.values(rules.perPortal ?? {})) longest = Math.max(longest, rule.windowMinutes);
    this.longestWindowMs = longest * 60_000;
  }

  /** The rule that judges `portal`'s deletions: its own when it has one. */
  ruleFor(portal: string): MassDeletionRule {
    return this.rules.perPortal?.[portal] ?? this.rules;
  }

  private trackOf(portal: string, userId: number | null, sentAt: number, windowMs: number): Track {
    let byUser = this.tracks.get(portal);
    if (byUser === undefined) {
      byUser = new Map();
      this.tracks.set(portal, byUser);
    }
    let track = byUser.get(userId);
    if (track === undefined) this.trackCount++;
    if (track === undefined || sentAt - track.lastAt > windowMs) {
      // A new burst (or the first deletion): what came before is outside any window with this one.
      track = { times: [], alert: null, lastAt: sentAt };
      byUser.set(userId, track);
    }
    return track;
  }

  /**
   * Takes newly stored deletions; returns the alerts they opened (`opened`) and the open alerts they
   * grew (`grown`), each once.
   */
  add(records: readonly DeletionRecord[], now = Date.now()): { opened: MassDeletionAlert[]; grown: MassDeletionAlert[] } {
    const opened: MassDeletionAlert[] = [];
    const grown: MassDeletionAlert[] = [];
    let track: Track | null = null;
    let portal: string | null = null;
    let userId: number | null = null;
    let rule = this.rules as MassDeletionRule;
    let windowMs = 0;
    for (const record of records) {
      if (record.portal !== portal) {
        rule = this.ruleFor(record.portal);
        windowMs = rule.windowMinutes * 60_000;
        track = null;
      }
      if (!rule.enabled) {
        portal = record.portal;
        continue;
      }
      // A group is mostly one actor's: the last track is reused while the actor stays the same.
      if (track === null || record.portal !== portal || record.userId !== userId || record.sentAt - track.lastAt > windowMs) {
        portal = record.portal;
        userId = record.userId;
        track = this.trackOf(portal, userId, record.sentAt, windowMs);
      }
      if (record.sentAt > track.lastAt) track.lastAt = record.sentAt;
      const alert = track.alert;
      if (alert) {
        alert.count++;
        if (record.sentAt > alert.lastAt) alert.lastAt = record.sentAt;
        if (record.sentAt < alert.firstAt) alert.firstAt = record.sentAt;
        if (!opened.includes(alert) && !grown.includes(alert)) grown.push(alert);
        continue;
      }
      const times = track.times;
      if (times.length === 0 || record.sentAt >= times[times.length - 1]!) times.push(record.sentAt);
      else times.splice(insertionPoint(times, record.sentAt), 0, record.sentAt);
      // Drop the times too old for the window ending at the newest.
      const newest = times[times.length - 1]!;
      while (times.length > 0 && newest - times[0]! > windowMs) times.shift();
      if (times.length >= rule.threshold) {
        track.alert = {
          id: `burst-${now}-${this.nextId++}`,
          portal: record.portal,
          userId: record.userId,
          count: times.length,
          firstAt: times[0]!,
          lastAt: newest,
          raisedAt: now,
          threshold: rule.threshold,
          windowMinutes: rule.windowMinutes,
        };
        track.times = [];
        opened.push(track.alert);
      }
    }
    this.forgetQuiet(now, this.longestWindowMs);
    return { opened, grown };
  }

  private forgetQuiet(now: number, windowMs: number): void {
    if (this.trackCount < 1000) return;
    for (const [portal, byUser] of this.tracks) {
      for (const [userId, track] of byUser) {
        if (now - track.lastAt <= 2 * windowMs) continue;
        byUser.delete(userId);
        this.trackCount--;
      }
      if (byUser.size === 0) this.tracks.delete(portal);
    }
  }
}
