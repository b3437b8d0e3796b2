/**
 * Idle connections to the event listener. The tunnel client (@n8n/localtunnel TunnelCluster) holds a
 * few long-lived connections to the listener and pipes `local → remote`: when the listener closes an
 * idle one, the client ends its socket to the tunnel server too and opens a new pair. A request the
 * tunnel server writes into that socket while the close is on its way is lost (the portal gets an error
 * and never retries). So the listener must not recycle idle keep-alive connections after a few seconds.
 * (The soak saw the same race directly: one "socket hang up" in 150,000 keep-alive posts.)
 */
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { startCore } from '../../../helpers/core-harness.js';
import { SEED_TOKEN, fixture } from '../../../helpers/fixtures.js';

const IDLE_MS = 7_000;

describe('event listener keep-alive', () => {
  it(`keeps an idle keep-alive connection open for ${IDLE_MS / 1000} s and answers the next request on it`, async () => {
    const { core, port } = await startCore({ tokens: [SEED_TOKEN] });
    const body = fixture('dynamic-item-delete.form');
    const requestText = (b: string): string => `POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${Buffer.byteLength(b)}\r\n\r\n${b}`;
    const socket = net.connect(port, '127.0.0.1');
    let received = '';
    let closedAt: number | null = null;
    socket.on('data', (c: Buffer) => (received += c.toString('latin1')));
    socket.on('close', () => (closedAt = Date.now()));
    socket.on('error', () => undefined);
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write(requestText(body));
    await expect.poll(() => received.includes('"stored":true'), { timeout: 5_000 }).toBe(true);
    const keepAlive = /keep-alive: timeout=(\d+)/i.exec(received)?.[1];
    const idleStart = Date.now();
    await new Promise((r) => setTimeout(r, IDLE_MS));
    expect(closedAt, `the listener closed the idle connection after ${closedAt === null ? '-' : closedAt - idleStart} ms (Keep-Alive: timeout=${keepAlive})`).toBeNull();
    const second = fixture('smart-invoice-delete-with-user.form');
    socket.write(requestText(second));
    await expect.poll(() => (received.match(/HTTP\/1\.1 200/g) ?? []).length, { timeout: 5_000 }).toBe(2);
    expect(core.store.total).toBe(2);
    socket.destroy();
  }, 20_000);
});
