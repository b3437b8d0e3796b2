import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { LocaltunnelTestServer, requestVia } from '../../../helpers/localtunnel-server.js';
import { failOnUnhandledErrors, last, startListener, supervise, waitFor } from './harness.js';

failOnUnhandledErrors();

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('traffic through the tunnel (real @n8n/localtunnel client, protocol server on loopback)', () => {
  it('answers a POST sent to Host: <id>.<domain> through the tunnel, byte-exact, as an ordinary request', async () => {
    const server = await LocaltunnelTestServer.start();
    cleanups.push(() => server.close());
    const listener = await startListener();
    cleanups.push(listener.close);
    const { supervisor, states } = supervise(server, listener.port, { subdomain: 'b24dm-bytes' });
    cleanups.push(() => supervisor.stop());

    supervisor.start();
    await waitFor(() => last(states)?.status === 'online', 5000, 'online');
    expect(states.map((r) => r.state)).toEqual([
      { status: 'connecting', host: server.host },
      { status: 'online', url: server.url('b24dm-bytes'), urlChanged: false, previousUrl: null, since: expect.any(Number) },
    ]);
    const host = new URL(server.url('b24dm-bytes')).host;

    // Every byte value, invalid UTF-8 sequences, and enough random bytes to span many TCP chunks.
    const binary = Buffer.concat([Buffer.from(Array.from({ length: 256 }, (_, i) => i)), Buffer.from([0xc3, 0x28, 0xff, 0xfe, 0xed, 0xa0, 0x80]), randomBytes(512 * 1024)]);
    const answer = await requestVia(server.port, host, 'POST', '/', { 'content-type': 'application/octet-stream' }, binary);
    expect(answer.status).toBe(200);
    expect(answer.body.equals(binary)).toBe(true);
    const seen = listener.seen.filter((r) => r.method === 'POST');
    expect(seen).toHaveLength(1);
    expect(seen[0]!.url).toBe('/');
    expect(seen[0]!.headers.host).toBe(host);
    expect(seen[0]!.headers['content-length']).toBe(String(binary.length));
    expect(seen[0]!.body.equals(binary)).toBe(true);

    // A real Bitrix24 deletion event, as the portal posts it.
    const form = readFileSync('test/fixtures/dynamic-item-delete.form');
    const formAnswer = await requestVia(server.port, host, 'POST', '/', { 'content-type': 'application/x-www-form-urlencoded' }, form);
    expect(formAnswer.body.equals(form)).toBe(true);
    expect(formAnswer.headers['content-type']).toBe('application/x-www-form-urlencoded');

    // Concurrent requests share the tunnel's sockets without mixing bodies.
    const bodies = Array.from({ length: 24 }, () => randomBytes(8 * 1024 + Math.floor(Math.random() * 8192)));
    const answers = await Promise.all(bodies.map((b) => requestVia(server.port, host, 'POST', '/', { 'content-type': 'application/octet-stream' }, b)));
    answers.forEach((a, i) => expect(a.body.equals(bodies[i]!)).toBe(true));

    // The health path the probe uses, through the tunnel.
    const health = await requestVia(server.port, host, 'GET', '/health', { 'bypass-tunnel-reminder': '1' });
    expect(health.status).toBe(200);
    expect(JSON.parse(health.body.toString())).toEqual({ ok: true });

    expect(server.registrations).toEqual([{ requested: 'b24dm-bytes', id: 'b24dm-bytes' }]);
    expect(server.maxLiveGroups).toBe(1);

    await supervisor.stop();
    expect(supervisor.state).toEqual({ status: 'off' });
    await waitFor(() => server.liveGroups() === 0, 2000, 'server to see the sockets closed');
  });
});
