/**
 * The activity view's compute time through a real `serve`: `getActivity` called over the dashboard's
 * HTTP transport (as the page calls it), timed from the client, for the filters the view asks most:
 * everything, one type, one portal, and the last two days (hours). Shared by `npm run bench` (row A1)
 * and `npm run bench:activity`.
 */
import { DASHBOARD, type Activity, type DeletionFilter } from '../../electron/core/contract.js';

export interface ActivityTiming {
  /** The first call after start (it may wait for the tallies being read in the background). */
  firstMs: number;
  /** Every later call, in order. */
  samplesMs: number[];
  medianMs: number;
  maxMs: number;
  /** Deletions the unfiltered call counted (a check that it covered the history). */
  total: number;
  buckets: number;
}

async function callActivity(dashboardUrl: string, filter: DeletionFilter): Promise<{ ms: number; activity: Activity }> {
  const url = new URL(dashboardUrl);
  const key = new URLSearchParams(url.hash.slice(1)).get('key') ?? '';
  const started = performance.now();
  const response = await fetch(`${url.origin}${DASHBOARD.callPath}getActivity`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', [DASHBOARD.keyHeader]: key },
    body: JSON.stringify({ args: [{ filter, timeZone: 'Europe/Moscow' }] }),
  });
  const body = (await response.json()) as { result?: Activity; error?: { message: string } };
  const ms = performance.now() - started;
  if (!body.result) throw new Error(`getActivity failed: ${body.error?.message ?? response.status}`);
  return { ms, activity: body.result };
}

/** Times `rounds` rounds of the four filters (after one first call); `endMs` is about the history's end. */
export async function timeActivity(dashboardUrl: string, endMs: number, rounds = 5): Promise<ActivityTiming> {
  const first = await callActivity(dashboardUrl, {});
  const twoDays = Math.floor((endMs - 2 * 86_400_000) / 86_400_000) * 86_400_000;
  const filters: DeletionFilter[] = [{}, { entityTypeId: 2 }, { portal: first.activity.topPortals[0]?.portal ?? 'x' }, { from: twoDays }];
  const samplesMs: number[] = [];
  for (let r = 0; r < rounds; r++) for (const filter of filters) samplesMs.push((await callActivity(dashboardUrl, filter)).ms);
  const sorted = [...samplesMs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const medianMs = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { firstMs: first.ms, samplesMs, medianMs, maxMs: sorted.at(-1)!, total: first.activity.total, buckets: first.activity.buckets.length };
}

/** One line for the log. */
export function describeActivityTiming(t: ActivityTiming): string {
  return `getActivity over HTTP: median ${t.medianMs.toFixed(1)} ms, max ${t.maxMs.toFixed(1)} ms over ${t.samplesMs.length} calls (4 filters: all, one type, one portal, the last two days by the hour); first call after start ${t.firstMs.toFixed(0)} ms; ${t.total.toLocaleString('en-US')} deletions in ${t.buckets} days`;
}
