import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Journal, SLOW_WRITES, readJournal } from '../../../../electron/core/store/journal.js';
import { tempDir } from '../../../helpers/temp-dir.js';

const line = (i: number): string => JSON.stringify({ i, pad: 'x'.repeat(i % 300) }) + '\n';

describe('Journal', () => {
  it('writes on the event loop while the disk is fast, and through the thread pool once a quarter of recent writes were slow', async () => {
    for (const slowMs of [1000, -1]) {
      const file = path.join(tempDir(), 'journal-000001.jsonl');
      const journal = new Journal(file, 0, true, slowMs);
      let expected = '';
      for (let i = 0; i < 4000; i++) {
        await journal.append(line(i));
        expected += line(i);
      }
      // -1: every write counts as slow. SLOW_WRITES of them on the loop send the next 1000 to the pool,
      // then the loop is tried again: 8 + 1000 + 8 + 1000 + 8 + 1000 + 8 + 968 pooled.
      expect(journal.pooledAppends).toBe(slowMs < 0 ? 4000 - 4 * SLOW_WRITES : 0);
      await journal.close();
      expect(readJournal(file)).toEqual({ lines: expected.split('\n').slice(0, -1), truncatedBytes: 0 });
      expect(statSync(file).size).toBeGreaterThan(Buffer.byteLength(expected)); // zero padding ahead
    }
  });

  it('flushes after each write where the platform has no O_DSYNC (Windows), on both paths', async () => {
    for (const slowMs of [1000, -1]) {
      const file = path.join(tempDir(), 'journal-000001.jsonl');
      const journal = new Journal(file, 0, true, slowMs, undefined);
      for (let i = 0; i < 300; i++) await journal.append(line(i));
      await journal.close();
      expect(readJournal(file)).toEqual({ lines: Array.from({ length: 300 }, (_, i) => line(i).trimEnd()), truncatedBytes: 0 });
    }
  });

  it('reopens at the last complete line, dropping the padding and a torn tail, and appends after it', async () => {
    const file = path.join(tempDir(), 'journal-000001.jsonl');
    const first = new Journal(file, 0, false);
    const written = line(1) + line(2) + '{"torn":';
    await first.append(written);
    await first.close();
    // Closing waited for the zero-fill the append started (64 KiB): one landing after the reopen below
    // would zero the new records.
    expect(statSync(file).size).toBe(Buffer.byteLength(written) + 64 * 1024);
    const read = readJournal(file);
    expect(read.lines).toEqual([line(1), line(2)].map((l) => l.trimEnd()));
    expect(read.truncatedBytes).toBe('{"torn":'.length);
    const validBytes = Buffer.byteLength(line(1) + line(2));
    const second = new Journal(file, validBytes, false);
    await second.append(line(3));
    await second.close();
    expect(readJournal(file)).toEqual({ lines: [line(1), line(2), line(3)].map((l) => l.trimEnd()), truncatedBytes: 0 });
    expect(readFileSync(file).subarray(validBytes + line(3).length).every((b) => b === 0)).toBe(true);
  });

  it('reads a missing journal as empty and refuses appends once closed', async () => {
    expect(readJournal(path.join(tempDir(), 'none.jsonl'))).toEqual({ lines: [], truncatedBytes: 0 });
    const journal = new Journal(path.join(tempDir(), 'j.jsonl'), 0, false);
    await journal.close();
    await expect(journal.append(line(1))).rejects.toThrow(/closed/);
  });
});
