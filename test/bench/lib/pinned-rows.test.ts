import { describe, expect, it } from 'vitest';
import { pinnedRows } from '../../../bench/lib/pinned-rows.js';
import type { PinnedResult, PinnedServerResult } from '../../../bench/lib/pinned.js';

const server = (rps: number, cpu: number): PinnedServerResult => ({ runs: [], cpuUs: { user: cpu / 2, sys: cpu / 2, total: cpu }, rps, stored: null, writes: null });

describe('pinnedRows', () => {
  it('says why every pinned row was skipped', () => {
    const rows = pinnedRows({ skipped: 'wrk is not installed' }, '100k', 10);
    expect(rows.map((r) => [r.id, r.met])).toEqual([['P0', 'skipped'], ['P1', 'skipped'], ['P2', 'skipped'], ['P3', 'skipped']]);
    expect(rows[1]!.measured).toContain('wrk is not installed');
  });

  it('judges the targets on the median ratio and on serve minus bare', () => {
    const result: PinnedResult = {
      rounds: 3,
      durationS: 5,
      connections: 10,
      servers: { bare: server(80_000, 12), nofsync: server(50_000, 20), durable: server(30_000, 30) },
      ratios: { nofsync: [0.7, 0.5, 0.62], durable: [0.3, 0.4, 0.38], nofsyncMedian: 0.62, durableMedian: 0.38 },
      ownCpuUs: { nofsync: 8, durable: 18 },
    };
    const met = Object.fromEntries(pinnedRows(result, '100k', 10).map((r) => [r.id, r.met]));
    expect(met).toEqual({ P0: 'n/a', P1: 'yes', P2: 'no', P3: 'no' });
  });
});
