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

/** Who deleted, as far as the event says: a user id, or none (automation, or an outgoing webhook). */
function actorOf(record: DeletionRecord): string {
  return `${record.portal}\u0000${record.userId ?? ''}`;
}

interface Track {
  /** sentAt of the deletions still inside the window, oldest first. */
  times: number[];
  /** The burst this actor is in, once the rule held. */
  alert: MassDeletionAlert | null;
  lastAt: number;
}

/** Bounded: actors quiet for a window are forgotten on the next add. */
export class MassDeletionWatch {
  private readonly tracks = new Map<string, Track>();
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

  /**
   * Takes newly stored deletions; returns the alerts they opened (`opened`) and the open alerts they
   * grew (`grown`), each once.
   */
  add(records: readonly DeletionRecord[], now = Date.now()): { opened: MassDeletionAlert[]; grown: MassDeletionAlert[] } {
    const opened: MassDeletionAlert[] = [];
    const grown = new Set<MassDeletionAlert>();
    for (const record of records) {
      const rule = this.ruleFor(record.portal);
      if (!rule.enabled) continue;
      const windowMs = rule.windowMinutes * 60_000;
      const key = actorOf(record);
      let track = this.tracks.get(key);
      if (!track || record.sentAt - track.lastAt > windowMs) {
        // A new burst (or the first deletion): what came before is outside any window with this one.
        track = { times: [], alert: null, lastAt: record.sentAt };
        this.tracks.set(key, track);
      }
      track.lastAt = Math.max(track.lastAt, record.sentAt);
      track.times.push(record.sentAt);
      if (track.alert) {
        track.alert.count++;
        track.alert.lastAt = Math.max(track.alert.lastAt, record.sentAt);
        track.alert.firstAt = Math.min(track.alert.firstAt, record.sentAt);
        if (!opened.includes(track.alert)) grown.add(track.alert);
        continue;
      }
      // Late rows arrive in any order: keep the window's times sorted, then drop those too old for it.
      track.times.sort((a, b) => a - b);
      const newest = track.times[track.times.length - 1]!;
      while (track.times.length > 0 && newest - track.times[0]! > windowMs) track.times.shift();
      if (track.times.length >= rule.threshold) {
        track.alert = {
          id: `burst-${now}-${this.nextId++}`,
          portal: record.portal,
          userId: record.userId,
          count: track.times.length,
          firstAt: track.times[0]!,
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
    return { opened, grown: [...grown] };
  }

  private forgetQuiet(now: number, windowMs: number): void {
    if (this.tracks.size < 1000) return;
    for (const [key, track] of this.tracks) if (now - track.lastAt > 2 * windowMs) this.tracks.delete(key);
  }
}
