import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { backoffDelay } from '../../../../electron/core/tunnel/backoff.js';
import { checkHealth, httpProbeGet } from '../../../../electron/core/tunnel/liveness-probe.js';
import { isValidSubdomain, randomSubdomain } from '../../../../electron/core/tunnel/subdomain.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('backoffDelay', () => {
  const production = { baseMs: 1000, capMs: 60_000 };

  it('doubles from the base up to the cap, with jitter in the upper half of each step', () => {
    const low = (n: number) => backoffDelay(n, production, () => 0);
    const high = (n: number) => backoffDelay(n, production, () => 1);
    expect([1, 2, 3, 4, 5, 6, 7, 8].map(high)).toEqual([1000, 2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000]);
    expect([1, 2, 3].map(low)).toEqual([500, 1000, 2000]);
    expect(low(50)).toBe(30_000);
    expect(high(10_000)).toBe(60_000);
  });

  it('never returns zero, NaN or more than the cap', () => {
    for (let attempt = 0; attempt < 2000; attempt += 7) {
      const delay = backoffDelay(attempt, production);
      expect(delay).toBeGreaterThanOrEqual(500);
      expect(delay).toBeLessThanOrEqual(60_000);
    }
  });
});

describe('subdomains', () => {
  it('generates random subdomains the localtunnel server accepts', () => {
    const names = new Set(Array.from({ length: 50 }, randomSubdomain));
    expect(names.size).toBe(50);
    for (const name of names) expect(isValidSubdomain(name)).toBe(true);
    expect(isValidSubdomain('Upper')).toBe(false);
    expect(isValidSubdomain('abc')).toBe(false);
    expect(isValidSubdomain('-abcd')).toBe(false);
  });
});

describe('checkHealth with the default GET', () => {
  async function listen(server: http.Server | net.Server): Promise<number> {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    return (server.address() as AddressInfo).port;
  }
  const never = new AbortController().signal;

  it('is alive on 200 and sends Bypass-Tunnel-Reminder', async () => {
    let seen: http.IncomingHttpHeaders = {};
    const port = await listen(http.createServer((req, res) => ((seen = req.headers), res.end('{}'))));
    expect(await checkHealth(`http://127.0.0.1:${port}/`, httpProbeGet, 1000, never)).toEqual({ verdict: 'alive' });
    expect(seen['bypass-tunnel-reminder']).toBe('1');
  });

  it('is dead on another status, or when the server accepts and never answers', async () => {
    const port = await listen(http.createServer((_req, res) => res.writeHead(504).end()));
    expect(await checkHealth(`http://127.0.0.1:${port}`, httpProbeGet, 1000, never)).toEqual({
      verdict: 'dead',
      detail: `GET http://127.0.0.1:${port}/health answered 504`,
    });
    const sockets: net.Socket[] = [];
    const silent = net.createServer((s) => sockets.push(s));
    const silentPort = await listen(silent);
    cleanups.push(() => sockets.forEach((s) => s.destroy()));
    expect(await checkHealth(`http://127.0.0.1:${silentPort}`, httpProbeGet, 200, never)).toMatchObject({ verdict: 'dead', detail: expect.stringContaining('no answer within 200 ms') });
  });

  it('cannot tell when the public server cannot be reached at all', async () => {
    const closed = net.createServer();
    const port = await listen(closed);
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    cleanups.pop();
    expect(await checkHealth(`http://127.0.0.1:${port}`, httpProbeGet, 1000, never)).toMatchObject({ verdict: 'unknown', detail: expect.stringContaining('ECONNREFUSED') });
  });

  it('settles at once when cancelled, even if the GET ignores its signal', async () => {
    const cancel = new AbortController();
    const started = Date.now();
    const result = checkHealth('http://x.test', () => new Promise<number>(() => {}), 10_000, cancel.signal);
    cancel.abort(new Error('stopped'));
    expect(await result).toMatchObject({ verdict: 'dead', detail: expect.stringContaining('stopped') });
    expect(Date.now() - started).toBeLessThan(500);
  });
});
