/**
 * Shared pieces of the tunnel tests: a stand-in event listener, a loopback probe, state recording,
 * and a guard that fails a test when anything escaped as an unhandled error.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import type { TunnelState } from '../../../../electron/core/contract.js';
import type { ProbeGet } from '../../../../electron/core/tunnel/liveness-probe.js';
import { TunnelSupervisor, type TunnelSupervisorOptions } from '../../../../electron/core/tunnel/tunnel-supervisor.js';
import type { LocaltunnelTestServer } from '../../../helpers/localtunnel-server.js';

/** One request as the stand-in listener saw it. */
export interface SeenRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** Stands in for the event listener: GET /health answers 200 JSON, POST echoes its body back. Port 0: any. */
export async function startListener(port = 0): Promise<{ port: number; seen: SeenRequest[]; close: () => Promise<void> }> {
  const seen: SeenRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      if (req.method === 'GET' && req.url === '/health') {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      } else if (req.method === 'POST') {
        res.writeHead(200, { 'content-type': req.headers['content-type'] ?? 'application/octet-stream' }).end(body);
      } else {
        res.writeHead(404).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    seen,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The probe's GET sent to the tunnel server on loopback with the public URL's Host (no DNS here). */
export const loopbackProbe: ProbeGet = (url, headers, signal) =>
  new Promise((resolve, reject) => {
    const target = new URL(url);
    const req = http.get({ host: '127.0.0.1', port: Number(target.port), path: target.pathname, headers: { ...headers, host: target.host }, agent: false, signal }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
  });

/** A state as recorded, with when it arrived. */
export interface Recorded {
  at: number;
  state: TunnelState;
}

/** A supervisor against `server` and `localPort`, recording its states and log. */
export function supervise(server: LocaltunnelTestServer, localPort: number, options: Partial<TunnelSupervisorOptions> = {}) {
  const states: Recorded[] = [];
  const log: string[] = [];
  const supervisor = new TunnelSupervisor({
    host: server.host,
    subdomain: 'b24dm-test',
    localPort,
    probeGet: loopbackProbe,
    log: (level, msg) => log.push(`${level} ${msg}`),
    onState: (state) => states.push({ at: Date.now(), state }),
    ...options,
  });
  return { supervisor, states, log, statuses: () => states.map((r) => r.state.status) };
}

/** Polls until `check` is true. */
export async function waitFor(check: () => boolean, timeoutMs: number, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The last recorded state. */
export function last(states: Recorded[]): TunnelState | undefined {
  return states.at(-1)?.state;
}

/** Fails the current test if an error escaped unhandled while it ran (on top of Vitest's own check). */
export function failOnUnhandledErrors(): void {
  const escaped: unknown[] = [];
  const record = (err: unknown): void => {
    escaped.push(err);
  };
  beforeAll(() => {
    process.on('uncaughtException', record);
    process.on('unhandledRejection', record);
  });
  afterAll(() => {
    process.off('uncaughtException', record);
    process.off('unhandledRejection', record);
  });
  afterEach(() => {
    expect(escaped.splice(0)).toEqual([]);
  });
}
