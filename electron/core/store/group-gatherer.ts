/**
 * How long a group commit waits to fill up before it is written, decided by who is sending.
 *
 * Under a steady stream, senders answered by one durable write send again at once; a group written
 * without them makes ten keep-alive senders settle into two alternating groups of ~5, and every event
 * pays for twice the durable writes. So a group waits until every sender of the last two groups has
 * sent again (a sender is the caller's object for one connection, e.g. its socket), or GATHER_LIMIT_MS.
 *
 * The wait used to be a spin of setImmediate turns for up to 0.25 ms, and with ten connections (groups
 * of 10) it always ran to the end waiting for 20 records: serve's loop turned over and over with nothing
 * to do (`npm run bench:profile`: `(program)`, `gather`, `processImmediate` and `now` together were the
 * largest cost of an event after the write). Now the loop sleeps in its poll for the next request, and
 * the arrival of the last awaited sender ends the wait.
 */

/** Waiting starts only behind this many senders (fewer: a trickle, nothing to gain). */
export const GATHER_MIN_SENDERS = 4;
/** At most this long (Node's shortest timer): a sender that stopped costs one group this much once. */
export const GATHER_LIMIT_MS = 1;
/**
 * After a wait ran out, this many groups are written without waiting: senders that are not back within
 * a millisecond are not in a tight loop (a paced stream), and waiting for them would only add latency.
 */
export const GROUPS_AFTER_TIMEOUT = 16;

export class GroupGatherer {
  /** Senders of the records queued since the last group was taken. */
  private current = new Set<unknown>();
  /** Senders of the last two groups taken. */
  private last = new Set<unknown>();
  private beforeLast = new Set<unknown>();
  /** Senders the wait in progress still expects. */
  private awaited = new Set<unknown>();
  private release: (() => void) | null = null;
  private timer: NodeJS.Timeout | null = null;
  private unwaitedGroups = 0;

  /**
   * `waitForSenders` false: one loop turn only. Without fsync a group's write is a copy into the page
   * cache (0.02 ms), nothing worth waiting for; waiting left serve's loop idle 38% of a --no-fsync
   * profile (`npm run bench:profile -- --no-fsync`), and one pinned run on a quiet machine did 38.5k
   * events/s without it. Tests lengthen `limitMs` so that a slow machine's loop turns cannot end a wait early.
   */
  constructor(
    private readonly waitForSenders = true,
    private readonly limitMs = GATHER_LIMIT_MS,
  ) {}

  /** A sender's record arrived (queued, or found to be a duplicate: either way it is back). */
  arrive(sender: unknown): void {
    if (!this.waitForSenders) return;
    this.current.add(sender);
    if (this.release !== null && this.awaited.delete(sender) && this.awaited.size === 0) this.finish();
  }

  /**
   * Resolves after one loop turn (records read in the same poll phase join the group), or later when
   * the last two groups' senders are not all back yet: when they are, or after GATHER_LIMIT_MS.
   */
  wait(): Promise<void> {
    return new Promise((resolve) => {
      setImmediate(() => {
        if (this.unwaitedGroups > 0) {
          this.unwaitedGroups--;
          return resolve();
        }
        if (this.last.size + this.beforeLast.size < GATHER_MIN_SENDERS) return resolve();
        for (const sender of this.last) if (!this.current.has(sender)) this.awaited.add(sender);
        for (const sender of this.beforeLast) if (!this.current.has(sender)) this.awaited.add(sender);
        if (this.awaited.size === 0) return resolve();
        this.release = resolve;
        // One timer, re-armed for each wait (a new Timeout per group was a visible cost); when a wait
        // ends early the timer is left to fire and finds nothing to end.
        // Not unref'd: a store flushing at stop waits on this, and nothing else may keep the process up.
        if (this.timer === null) this.timer = setTimeout(() => this.timedOut(), this.limitMs);
        else this.timer.refresh();
      });
    });
  }

  /** The queued records are taken for writing: their senders become the last group's. */
  taken(): void {
    this.beforeLast = this.last;
    this.last = this.current;
    this.current = new Set();
  }

  private timedOut(): void {
    if (this.release === null) return; // the wait it was armed for ended early
    this.unwaitedGroups = GROUPS_AFTER_TIMEOUT;
    this.finish();
  }

  private finish(): void {
    this.awaited.clear();
    const release = this.release;
    this.release = null;
    release?.();
  }
}
