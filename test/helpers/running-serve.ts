/**
 * A real `serve` for end-to-end tests that read it back: its `/health`, its rows through the dashboard's
 * `queryDeletions` (with the key serve printed), and a stop that expects a clean exit.
 */
import { expect } from 'vitest';
import { DASHBOARD, type DeletionPage } from '../../electron/core/contract.js';
import { request } from './http-client.js';
import { startServe, type ServeProcess } from './serve-process.js';

export interface RunningServe<Health> {
  serve: ServeProcess;
  health(): Promise<Health>;
  /** The newest 100 rows, as the dashboard reads them (names and snapshots joined). */
  rows(): Promise<DeletionPage['rows']>;
  /** SIGTERM, then exit code 0; once. */
  stop(): Promise<void>;
}

/** Starts serve with `args`; `cleanups` gets its stop, for an afterEach to run. */
export async function runServe<Health>(args: string[], cleanups: (() => Promise<unknown> | void)[]): Promise<RunningServe<Health>> {
  const serve = await startServe(args);
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    serve.child.kill('SIGTERM');
    expect(await serve.exited).toEqual({ code: 0, signal: null });
  };
  cleanups.push(stop);
  const dashboard = new URL(await serve.waitFor('dashboard'));
  const key = new URLSearchParams(dashboard.hash.slice(1)).get('key')!;
  return {
    serve,
    stop,
    health: async () => (await request(serve.eventsPort, { method: 'GET', path: '/health' })).json() as Health,
    rows: async () => {
      const body = JSON.stringify({ args: [{ filter: {}, offset: 0, limit: 100 }] });
      const answer = await request(Number(dashboard.port), {
        method: 'POST',
        path: DASHBOARD.callPath + 'queryDeletions',
        headers: { Host: dashboard.host, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), [DASHBOARD.keyHeader]: key },
        body,
      });
      return (answer.json() as { result: DeletionPage }).result.rows;
    },
  };
}
