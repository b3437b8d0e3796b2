/**
 * The append-only journal of the open segment: one JSON record per line. A group of records is
 * written with one durable write; only then are their requests acknowledged.
 *
 * Why it looks the way it does (bench/write-cost.ts and `npm run bench` measure it):
 * - The file is zero-filled ahead of the records, and records overwrite the zeros. An append that
 *   grows the file makes every flush also commit the file system's metadata journal (a second device
 *   write, done by a kernel thread that must be scheduled); an overwrite flushes the data alone.
 * - It is opened with O_DSYNC, so a record reaches the disk in one `write` rather than `write` plus
 *   `fdatasync`: one system call, and on the fast path no thread-pool round trip at all.
 * - That write runs on the event loop while it is quick (well under a millisecond on an SSD, less
 *   than handing it to the thread pool and being woken when it is done). On a disk slow enough to
 *   stall the loop (a quarter of recent flushes over SLOW_MS) writes move to the thread pool for a while.
 * Readers treat the first NUL byte as the end of the journal: JSON never contains a raw NUL.
 */
import { closeSync, constants, fdatasync, fdatasyncSync, ftruncateSync, openSync, readFileSync, write, writeSync } from 'node:fs';
import { promisify } from 'node:util';

const writeAsync = promisify(write);
const fdatasyncAsync = promisify(fdatasync);

/**
 * O_DSYNC where the platform has it. Windows has no such open flag in Node (`fs.constants` lacks it):
 * there each write is followed by an fdatasync (FlushFileBuffers) instead.
 */
export const OS_DSYNC: number | undefined = constants.O_DSYNC;

/**
 * Zeros added ahead of the records: 64 KiB first, doubling up to 1 MiB (a 5,000-record segment is ~2 MB
 * of journal), so a small journal never holds more padding than records, which matters on a full disk.
 */
const FIRST_EXTEND_BYTES = 64 << 10;
const MAX_EXTEND_BYTES = 1 << 20;
/** A durable write slower than this blocks the event loop too long... */
const SLOW_MS = 2;
/**
 * ...when SLOW_WRITES of the last SLOW_WINDOW writes on the loop were that slow: a slow disk is slow
 * often, not once. (Switching on a single slow write sent most appends to the pool on this VM, whose
 * writes take over 2 ms a few times a second: 3-9 switches in a 6 s run. In five interleaved pairs with
 * wrk that rule did 7.7-12.3k events/s, writes kept on the loop 10.7-12.4k.)
 */
const SLOW_WINDOW = 32;
export const SLOW_WRITES = 8;
/** Appends that go through the thread pool before writes on the loop are tried again. */
const ASYNC_APPENDS_AFTER_SLOW = 1000;

/** One buffer of zeros for every fill, allocated on first use (1 MiB a fill would churn the allocator). */
let zeros: Buffer | null = null;

export interface JournalContents {
  lines: string[];
  /** Bytes of an unfinished write cut off (a crash or failure mid-write: never acknowledged). */
  truncatedBytes: number;
}

/** Reads the complete lines of a journal; the caller decides what to do with lines that fail to parse. */
export function readJournal(file: string): JournalContents {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { lines: [], truncatedBytes: 0 };
    throw error;
  }
  const firstNul = bytes.indexOf(0);
  const end = bytes.lastIndexOf(0x0a, firstNul === -1 ? bytes.length - 1 : firstNul) + 1;
  // Anything after the last complete line that is not zero padding is a write that did not finish.
  let lastData = bytes.length;
  while (lastData > end && bytes[lastData - 1] === 0) lastData--;
  let torn = 0;
  for (let i = end; i < lastData; i++) if (bytes[i] !== 0) torn++;
  const lines = bytes.toString('utf8', 0, end).split('\n');
  lines.pop();
  return { lines, truncatedBytes: torn };
}

export class Journal {
  private readonly fd: number;
  /** Bytes of records (the logical end). */
  private size: number;
  /** Bytes in the file: records plus zero padding. */
  private capacity: number;
  private extending: Promise<void> | null = null;
  private nextExtend = FIRST_EXTEND_BYTES;
  private asyncAppendsLeft = 0;
  /** Appends that went through the thread pool (for tests). */
  pooledAppends = 0;
  private closed = false;
  private closing: Promise<void> | null = null;

  /** Flush after each write: fsync is on but the platform has no O_DSYNC. */
  private readonly flushEachWrite: boolean;

  /** Opens (creating) a journal; `validBytes` cuts off a torn tail left by a crash. */
  constructor(
    readonly file: string,
    validBytes: number,
    private readonly fsync: boolean,
    /** Tests lower `slowMs` to take the thread-pool path, and set `dsync` to take Windows' path. */
    private readonly slowMs = SLOW_MS,
    dsync: number | undefined = OS_DSYNC,
  ) {
    this.flushEachWrite = fsync && dsync === undefined;
    this.fd = openSync(file, constants.O_RDWR | constants.O_CREAT | (fsync && dsync !== undefined ? dsync : 0), 0o600);
    // Cut the torn tail and the old padding: a shorter write over a torn line would leave part of it.
    ftruncateSync(this.fd, validBytes);
    this.size = validBytes;
    this.capacity = validBytes;
  }

  /**
   * Appends text durably (when fsync is on). On failure the attempted range is zeroed again, so no
   * torn line stays behind, and the next append goes to the same place.
   */
  async append(text: string): Promise<void> {
    if (this.closed) throw new Error('journal is closed');
    const buffer = Buffer.from(text, 'utf8');
    // Never write into a stretch that is being zero-filled: the zeros could land after the records.
    while (this.extending && this.size + buffer.length > this.capacity) await this.extending;
    const at = this.size;
    try {
      if (!this.fsync || this.asyncAppendsLeft === 0) {
        const started = performance.now();
        writeFully(this.fd, buffer, at);
        if (this.flushEachWrite) fdatasyncSync(this.fd);
        if (this.fsync) this.noteLoopWrite(performance.now() - started > this.slowMs);
      } else {
        this.asyncAppendsLeft--;
        this.pooledAppends++;
        let written = 0;
        while (written < buffer.length) written += (await writeAsync(this.fd, buffer, written, buffer.length - written, at + written)).bytesWritten;
        if (this.flushEachWrite) await fdatasyncAsync(this.fd);
      }
    } catch (error) {
      try {
        writeFully(this.fd, Buffer.alloc(buffer.length), at);
      } catch {
        // The disk refuses writes altogether; recovery cuts whatever part of the line got through.
      }
      throw error;
    }
    this.size = at + buffer.length;
    this.capacity = Math.max(this.capacity, this.size);
    // Fill the next stretch once half of the last one is used.
    if (!this.extending && this.capacity - this.size < this.nextExtend / 2) this.extend();
  }

  /** Which of the last SLOW_WINDOW writes on the loop were slow (a ring), and how many. */
  private readonly slowRing = new Uint8Array(SLOW_WINDOW);
  private slowAt = 0;
  private slowCount = 0;

  private noteLoopWrite(slow: boolean): void {
    this.slowCount += (slow ? 1 : 0) - this.slowRing[this.slowAt]!;
    this.slowRing[this.slowAt] = slow ? 1 : 0;
    this.slowAt = (this.slowAt + 1) % SLOW_WINDOW;
    if (this.slowCount < SLOW_WRITES) return;
    this.asyncAppendsLeft = ASYNC_APPENDS_AFTER_SLOW;
    this.slowRing.fill(0);
    this.slowCount = 0;
  }

  /** Zero-fills the next stretch in the thread pool, ahead of the appends that will overwrite it. */
  private extend(): void {
    const at = this.capacity;
    const length = this.nextExtend;
    this.nextExtend = Math.min(MAX_EXTEND_BYTES, length * 2);
    zeros ??= Buffer.alloc(MAX_EXTEND_BYTES);
    this.extending = writeAsync(this.fd, zeros, 0, length, at)
      .then(async ({ bytesWritten }) => {
        // The zeros must be on disk before records overwrite them, or flushing a record would also
        // have to commit the file's new size and blocks (the cost the padding is there to avoid).
        if (this.flushEachWrite) await fdatasyncAsync(this.fd);
        this.capacity = Math.max(this.capacity, at + bytesWritten);
      })
      .catch(() => undefined) // a full disk: appends then grow the file themselves, and fail there
      .finally(() => {
        this.extending = null;
      });
  }

  /**
   * Closes the journal once a zero-fill still running has landed. Awaited before the file is opened
   * again: a fill landing after a new journal's first records would zero them. (Closing the descriptor
   * under the fill instead could let a new file reuse the number and receive the zeros.)
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.closed = true;
      if (this.extending) await this.extending;
      closeSync(this.fd);
    })();
    return this.closing;
  }
}

function writeFully(fd: number, buffer: Buffer, position: number): void {
  let written = 0;
  while (written < buffer.length) written += writeSync(fd, buffer, written, buffer.length - written, position + written);
}
