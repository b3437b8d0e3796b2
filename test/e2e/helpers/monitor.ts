/**
 * A real `serve` for the browser to talk to: spawned on its own data dir, without a tunnel, with the
 * seed fixtures' token accepted, plus small helpers to post deletions and call the dashboard from Node.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CallName, CallResult } from '../../../electron/core/contract.js';
import { DASHBOARD } from '../../../electron/core/contract.js';
import { SEED_TOKEN } from '../../helpers/fixtures.js';
import { postEvent, request, type RawResponse } from '../../helpers/http-client.js';
import { startServe, type ServeProcess } from '../../helpers/serve-process.js';

export interface Monitor {
  serve: ServeProcess;
  dataDir: string;
  eventsPort: number;
  /** The printed dashboard URL, key included (never put it in a screenshot). */
  dashboardUrl: string;
  dashboardPort: number;
  key: string;
  /** Posts a body to the event listener; throws unless it was stored (2xx). */
  post(body: string, contentType?: string): Promise<RawResponse>;
  /** A contract call over the dashboard's HTTP transport. */
  call<N extends CallName>(name: N, ...args: unknown[]): Promise<CallResult<N>>;
  stop(): Promise<void>;
}

export interface MonitorOptions {
  /** Use this folder (it is emptied first and removed on stop) instead of a fresh temp one. */
  dataDir?: string;
  /** The folder already holds what the test wants (seeded): keep it instead of emptying it. */
  seeded?: boolean;
  /** Accepted application tokens (default: the seed fixtures' token). */
  tokens?: string[];
  /** Event listener port (default: any free port). */
  port?: number;
}

export async function startMonitor(options: MonitorOptions = {}): Promise<Monitor> {
  let dataDir: string;
  if (options.dataDir) {
    if (!options.seeded) rmSync(options.dataDir, { recursive: true, force: true });
    dataDir = options.dataDir;
  } else {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'b24dm-e2e-'));
  }
  const tokens = options.tokens ?? [SEED_TOKEN];
  const serve = await startServe([
    '--data-dir',
    dataDir,
    '--port',
    String(options.port ?? 0),
    '--no-tunnel',
    '--dashboard-port',
    '0',
    ...tokens.flatMap((t) => ['--token', t]),
  ]);
  const dashboardUrl = await serve.waitFor('dashboard');
  const url = new URL(dashboardUrl);
  const key = new URLSearchParams(url.hash.slice(1)).get('key');
  if (!key) throw new Error(`serve printed a dashboard URL without a key: ${url.origin}/`);
  const dashboardPort = Number(url.port);

  const post = async (body: string, contentType = 'application/x-www-form-urlencoded'): Promise<RawResponse> => {
    const res = await postEvent(serve.eventsPort, body, contentType);
    if (res.status < 200 || res.status > 299) throw new Error(`the event listener answered ${res.status}: ${res.text}`);
    return res;
  };

  const call = async <N extends CallName>(name: N, ...args: unknown[]): Promise<CallResult<N>> => {
    const body = JSON.stringify({ args });
    const res = await request(dashboardPort, {
      method: 'POST',
      path: DASHBOARD.callPath + name,
      headers: {
        Host: `127.0.0.1:${dashboardPort}`,
        'Content-Type': 'application/json',
        'Content-Length': Buffer.byteLength(body),
        [DASHBOARD.keyHeader]: key,
      },
      body,
    });
    if (res.status !== 200) throw new Error(`${name} answered ${res.status}: ${res.text}`);
    return (res.json() as { result: CallResult<N> }).result;
  };

  let stopped: Promise<void> | null = null;
  const stop = (): Promise<void> =>
    (stopped ??= (async () => {
      if (serve.child.exitCode === null && serve.child.signalCode === null) {
        serve.child.kill('SIGTERM');
        const timer = setTimeout(() => serve.child.kill('SIGKILL'), 10_000);
        await serve.exited;
        clearTimeout(timer);
      }
      rmSync(dataDir, { recursive: true, force: true });
    })());

  return { serve, dataDir, eventsPort: serve.eventsPort, dashboardUrl, dashboardPort, key, post, call, stop };
}
