/**
 * A bad request pipelined behind a good one on the same connection. The good one's deletion is being
 * stored when the parser meets the bad one: its answer must still go out (first, in order), then the
 * 400, then the connection closes. Before, the 400 was written at once and the connection closed, so
 * the sender never learnt its deletion was stored (the listener fuzzer found it with FUZZ_SEED=721125254).
 */
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { startCore } from '../../../helpers/core-harness.js';
import { SEED_TOKEN, fixture } from '../../../helpers/fixtures.js';

const post = (body: string): string =>
  `POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;

/** Writes `bytes` on one connection; resolves with everything the listener sent, once it closed. */
function exchange(port: number, bytes: string): Promise<{ reply: string; closed: boolean }> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(bytes, 'latin1'));
    let reply = '';
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ reply, closed: false });
    }, 5_000);
    socket.on('data', (chunk: Buffer) => (reply += chunk.toString('latin1')));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ reply, closed: true });
    });
  });
}

const statuses = (reply: string): number[] => [...reply.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => Number(m[1]));

describe('pipelined requests', () => {
  it.each([
    ['a request line with a NUL', 'GET / HTTP/1.1\u0000\r\nHost: 127.0.0.1\r\n\r\n'],
    ['a broken chunked body', 'POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nevent=x\r\n0\r\n\r\n'],
    ['a header without a colon', 'POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nNoColon\r\n\r\n'],
  ])('answers a stored deletion, then 400s %s sent right behind it, then closes', async (_name, bad) => {
    const { core, port } = await startCore({ tokens: [SEED_TOKEN] });
    const { reply, closed } = await exchange(port, post(fixture('dynamic-item-delete.form')) + bad);
    expect(statuses(reply)).toEqual([200, 400]);
    expect(reply).toContain('"stored":true');
    expect(closed).toBe(true);
    expect(core.store.total).toBe(1);
  });

  it('still answers a bad request alone at once', async () => {
    const { core, port } = await startCore({ tokens: [SEED_TOKEN] });
    const started = Date.now();
    const { reply, closed } = await exchange(port, 'GET / HTTP/1.1\u0000\r\nHost: 127.0.0.1\r\n\r\n');
    expect(statuses(reply)).toEqual([400]);
    expect(closed).toBe(true);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(core.store.total).toBe(0);
  });
});
