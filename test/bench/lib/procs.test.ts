import { describe, expect, it } from 'vitest';
import { writesFromLog } from '../../../bench/lib/procs.js';
import { describeWriteStats } from '../../../electron/core/store/deletion-store.js';

describe('writesFromLog', () => {
  it("reads back the store's line about its group commits from a serve log, or null without one", () => {
    const line = describeWriteStats({ writes: 6281, events: 59088, totalMs: 1798.3, maxMs: 12.34 }, true);
    const log = `2026-11-27T03:00:00.000Z info SIGTERM: stopping\n2026-11-27T03:00:00.100Z info ${line}\n2026-11-27T03:00:00.200Z info stopped; log flushed\n`;
    expect(writesFromLog(log)).toEqual({ line, events: 59088, writes: 6281, perWrite: 9.4, meanMs: 0.29, maxMs: 12.3 });
    expect(writesFromLog(describeWriteStats({ writes: 1, events: 1, totalMs: 0.4, maxMs: 0.4 }, false))).toMatchObject({ events: 1, writes: 1, meanMs: 0.4 });
    expect(writesFromLog('2026-11-27T03:00:00.000Z info stopped; log flushed\n')).toBeNull();
  });
});
