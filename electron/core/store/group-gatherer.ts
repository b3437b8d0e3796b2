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

/** A sender, marked with the number of the last group it sent in (under the gatherer's own key). */
type Marked = Record<symbol, number | undefined>;

export class GroupGatherer {
  /**
   * Who sent in which group is a number on the sender (the group it last sent in), and the gatherer keeps
   * counts: no Set of senders a group, and an arrival costs a property read and write (the Sets' adds and
   * deletes were 0.8 µs an event in a durable profile).
   */
  private readonly mark = Symbol('group a sender last sent in');
  /** Number of the group being gathered (records queued since the last group was taken). */
  private group = 0;
  /** Distinct senders of the group being gathered, of the last group taken, and of the one before. */
  private inCurrent = 0;
  private inLast = 0;
  private inBeforeLast = 0;
  /** Senders of the last two groups not back yet: those whose mark is `group - 1` and `group - 2`. */
  private lastAway = 0;
  private beforeLastAway = 0;
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
  arrive(sender: object): void {
    if (!this.waitForSenders) return;
    const marked = sender as Marked;
    const was = marked[this.mark];
    if (was === this.group) return;
    marked[this.mark] = this.group;
    this.inCurrent++;
    if (was === this.group - 1) this.lastAway--;
    else if (was === this.group - 2) this.beforeLastAway--;
    else return;
    if (this.release !== null && this.lastAway + this.beforeLastAway === 0) this.finish();
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
        if (this.inLast + this.inBeforeLast < GATHER_MIN_SENDERS) return resolve();
        if (this.lastAway + this.beforeLastAway === 0) return resolve();
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
    this.group++;
    this.inBeforeLast = this.inLast;
    this.inLast = this.inCurrent;
    this.inCurrent = 0;
    // The last group's senders not back yet now count for the one before it; the current group's all count as away.
    this.beforeLastAway = this.lastAway;
    this.lastAway = this.inLast;
  }

  private timedOut(): void {
    if (this.release === null) return; // the wait it was armed for ended early
    this.unwaitedGroups = GROUPS_AFTER_TIMEOUT;
    this.finish();
  }

  private finish(): void {
    const release = this.release;
    this.release = null;
    release?.();
  }
}
