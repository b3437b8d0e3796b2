/**
 * The append-only journal of the open segment: one JSON record per line. A group of records is
 * appended with one write and one fdatasync; only then are their requests acknowledged.
 */
import { closeSync, fdatasync, ftruncate, ftruncateSync, openSync, readFileSync, writeSync } from 'node:fs';
import { promisify } from 'node:util';

const fdatasyncAsync = promisify(fdatasync);
const ftruncateAsync = promisify(ftruncate);

export interface JournalContents {
  lines: string[];
  /** Bytes of an unfinished last line cut off (a write interrupted by a crash: never acknowledged). */
  truncatedBytes: number;
}

/** Reads the complete lines of a journal; the caller decides what to do with lines that fail to parse. */
export function readJournal(file: string): JournalContents {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { lines: [], truncatedBytes: 0 };
    throw error;
  }
  const end = text.lastIndexOf('\n') + 1;
  const lines = text.slice(0, end).split('\n');
  lines.pop();
  return { lines, truncatedBytes: Buffer.byteLength(text.slice(end)) };
}

export class Journal {
  private readonly fd: number;
  private size: number;
  private closed = false;

  /** Opens (creating) a journal; `validBytes` cuts off a torn tail left by a crash. */
  constructor(
    readonly file: string,
    validBytes: number | null,
    private readonly fsync: boolean,
  ) {
    this.fd = openSync(file, 'a+', 0o600);
    if (validBytes !== null) {
      // Appends go to the end whatever the position, so cut the torn tail before the first one.
      ftruncateSync(this.fd, validBytes);
      this.size = validBytes;
    } else {
      this.size = 0;
    }
  }

  /**
   * Appends text durably. The write itself is synchronous: copying a few KB into the page cache takes
   * ~20 µs, less than a thread-pool round trip (~100+ µs here), and the event loop needs the bytes
   * placed before the next batch anyway. Only the fdatasync, the slow part, runs off the loop.
   * On failure the file is cut back so no torn line stays behind.
   */
  async append(text: string): Promise<void> {
    if (this.closed) throw new Error('journal is closed');
    const buffer = Buffer.from(text, 'utf8');
    try {
      let written = 0;
      while (written < buffer.length) written += writeSync(this.fd, buffer, written, buffer.length - written);
      if (this.fsync) await fdatasyncAsync(this.fd);
      this.size += buffer.length;
    } catch (error) {
      await ftruncateAsync(this.fd, this.size).catch(() => undefined);
      throw error;
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
  }
}
