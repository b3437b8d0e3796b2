/**
 * The pinned comparison as benchmark table rows (targets of issue 16) and as printed lines.
 */
import type { PinnedResult, PinnedServerResult } from './pinned.js';

export interface BenchRow {
  id: string;
  scenario: string;
  measured: string;
  ratio: string;
  target: string;
  met: 'yes' | 'no' | 'n/a' | 'skipped';
  value: number | null;
  unit: string;
}

/** Targets: serve --no-fsync ≥ 0.6× bare, durable ≥ 0.5× bare, durable's own CPU an event ≤ 15 µs. */
export const PINNED_TARGETS = { nofsyncRatio: 0.6, durableRatio: 0.5, ownCpuUs: 15 } as const;

const rate = (s: PinnedServerResult): string => `${Math.round(s.rps).toLocaleString('en-US')} req/s`;
const cpu = (s: PinnedServerResult): string => `${s.cpuUs.total.toFixed(1)} µs CPU a request (${s.cpuUs.user.toFixed(1)} user + ${s.cpuUs.sys.toFixed(1)} kernel)`;
const list = (values: number[]): string => values.map((v) => v.toFixed(2)).join(', ');

/** The rows, or rows marked skipped with the reason when the pinned phase could not run. */
export function pinnedRows(result: PinnedResult | { skipped: string }, historyLabel: string, connections: number): BenchRow[] {
  const where = `wrk on core 0, server on core 1, ${connections} conn`;
  const rows: { id: string; scenario: string; target: string }[] = [
    { id: 'P0', scenario: `Pinned (${where}): bare node:http`, target: '(ceiling)' },
    { id: 'P1', scenario: `Pinned: serve --no-fsync, ${historyLabel} history`, target: `≥ ${PINNED_TARGETS.nofsyncRatio}× bare` },
    { id: 'P2', scenario: `Pinned: serve durable (fsync), ${historyLabel} history`, target: `≥ ${PINNED_TARGETS.durableRatio}× bare` },
    { id: 'P3', scenario: `Pinned: durable serve's own CPU an event (its CPU a request − bare's)`, target: `≤ ${PINNED_TARGETS.ownCpuUs} µs` },
  ];
  if ('skipped' in result) return rows.map((r) => ({ ...r, measured: `skipped: ${result.skipped}`, ratio: '', met: 'skipped', value: null, unit: '' }));
  const { bare, nofsync, durable } = result.servers;
  const rounds = `median of ${result.rounds} interleaved round${result.rounds === 1 ? '' : 's'}`;
  const yes = (ok: boolean): 'yes' | 'no' => (ok ? 'yes' : 'no');
  return [
    { ...rows[0]!, measured: rate(bare), ratio: cpu(bare), met: 'n/a', value: bare.rps, unit: 'req/s' },
    {
      ...rows[1]!,
      measured: rate(nofsync),
      ratio: `${result.ratios.nofsyncMedian.toFixed(2)}× bare, ${rounds} (${list(result.ratios.nofsync)}); ${cpu(nofsync)}, own ${result.ownCpuUs.nofsync.toFixed(1)} µs`,
      met: yes(result.ratios.nofsyncMedian >= PINNED_TARGETS.nofsyncRatio),
      value: result.ratios.nofsyncMedian,
      unit: '× bare',
    },
    {
      ...rows[2]!,
      measured: rate(durable),
      ratio: `${result.ratios.durableMedian.toFixed(2)}× bare, ${rounds} (${list(result.ratios.durable)}); ${cpu(durable)}`,
      met: yes(result.ratios.durableMedian >= PINNED_TARGETS.durableRatio),
      value: result.ratios.durableMedian,
      unit: '× bare',
    },
    {
      ...rows[3]!,
      measured: `${result.ownCpuUs.durable.toFixed(1)} µs`,
      ratio: `${durable.cpuUs.total.toFixed(1)} − ${bare.cpuUs.total.toFixed(1)} µs${durable.writes ? `; ${durable.writes.perWrite.toFixed(1)} events a durable write` : ''}`,
      met: yes(result.ownCpuUs.durable <= PINNED_TARGETS.ownCpuUs),
      value: result.ownCpuUs.durable,
      unit: 'µs',
    },
  ];
}

/** Lines for the run log: each server's rate, CPU a request, and the figures the targets are judged on. */
export function describePinned(result: PinnedResult): string[] {
  const { bare, nofsync, durable } = result.servers;
  const lines = [
    `pinned, ${result.rounds} round${result.rounds === 1 ? '' : 's'} of ${result.durationS} s, ${result.connections} connections (CPU over all rounds / answers):`,
    `  bare node:http:   ${rate(bare)}, ${cpu(bare)}`,
    `  serve --no-fsync: ${rate(nofsync)}, ${cpu(nofsync)}; ${result.ratios.nofsyncMedian.toFixed(2)}× bare (rounds ${list(result.ratios.nofsync)}); own CPU an event ${result.ownCpuUs.nofsync.toFixed(1)} µs`,
    `  serve durable:    ${rate(durable)}, ${cpu(durable)}; ${result.ratios.durableMedian.toFixed(2)}× bare (rounds ${list(result.ratios.durable)}); own CPU an event ${result.ownCpuUs.durable.toFixed(1)} µs`,
  ];
  for (const [name, s] of [['serve --no-fsync', nofsync], ['serve durable', durable]] as const) {
    const total = s.runs.reduce((a, r) => a + r.total, 0);
    if (s.stored !== null) lines.push(`  ${name}: ${s.stored.toLocaleString('en-US')} stored for ${total.toLocaleString('en-US')} answers counted${s.writes ? `; its log at stop: ${s.writes.line}` : ''}`);
  }
  return lines;
}
