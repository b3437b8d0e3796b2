import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { LocaltunnelTestServer, requestVia } from '../../../helpers/localtunnel-server.js';
import { failOnUnhandledErrors, last, sleep, startListener, supervise, waitFor } from './harness.js';

failOnUnhandledErrors();

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(serverOptions: Parameters<typeof LocaltunnelTestServer.start>[0] = {}) {
  const server = await LocaltunnelTestServer.start(serverOptions);
  const listener = await startListener();
  cleanups.push(() => server.close(), listener.close);
  return { server, listener };
}

const fast = { registerTimeoutMs: 500, backoff: { baseMs: 100, capMs: 400 }, releaseWaitMs: 100, probeIntervalMs: 0 };

describe('tunnel registration', () => {
  it('times out a registration that never answers, retries with backoff, abandons every attempt, never two tunnels', async () => {
    const { server, listener } = await setup();
    server.hangRegistration = true;
    const { supervisor, states } = supervise(server, listener.port, fast);
    cleanups.push(() => supervisor.stop());
    supervisor.start();
    await waitFor(() => states.filter((r) => r.state.status === 'reconnecting').length >= 3, 5000, 'three timeouts');

    const all = states.map((r) => r.state);
    all.slice(0, 6).forEach((state, i) => {
      if (i % 2 === 0) expect(state).toEqual({ status: 'connecting', host: server.host });
      else expect(state).toMatchObject({ status: 'reconnecting', attempt: (i + 1) / 2, reason: `no registration from ${server.host}: no tunnel within 500 ms` });
    });
    // Each attempt gave up after its timeout, and only then was the next one made.
    for (let i = 1; i < 6; i += 2) expect(states[i]!.at - states[i - 1]!.at).toBeGreaterThanOrEqual(450);
    expect(server.maxOpenHung).toBe(1);

    server.hangRegistration = false;
    await waitFor(() => last(states)?.status === 'online', 5000, 'online once the server answers');
    expect(last(states)).toMatchObject({ url: server.url('b24dm-test'), urlChanged: false, previousUrl: null });
    // Every hung request was closed by the client: an abandoned attempt cannot register later.
    await waitFor(() => server.openHung === 0, 1000, 'hung requests closed');
    await sleep(1500);
    expect(server.registrations).toHaveLength(1);
    expect(server.maxLiveGroups).toBe(1);
    expect(last(states)?.status).toBe('online');
    const answer = await requestVia(server.port, new URL(server.url('b24dm-test')).host, 'POST', '/', {}, Buffer.from('ok'));
    expect(answer.body.toString()).toBe('ok');
  });

  it('reports the URL the server handed out instead of a taken subdomain (first run: no previous URL)', async () => {
    const { server, listener } = await setup({ reserved: ['b24dm-taken'] });
    const { supervisor, states, log } = supervise(server, listener.port, { ...fast, subdomain: 'b24dm-taken' });
    cleanups.push(() => supervisor.stop());
    supervisor.start();
    await waitFor(() => last(states)?.status === 'online', 5000, 'online');
    const given = server.registrations[0]!.id;
    expect(given).not.toBe('b24dm-taken');
    expect(last(states)).toEqual({ status: 'online', url: server.url(given), urlChanged: true, previousUrl: null, since: expect.any(Number) });
    expect(log.some((l) => l.startsWith('warn') && l.includes('update the webhook in Bitrix24'))).toBe(true);
  });

  it('reports urlChanged with the previous URL when the subdomain was taken while the server was away', async () => {
    let server = await LocaltunnelTestServer.start();
    cleanups.push(() => server.close());
    const listener = await startListener();
    cleanups.push(listener.close);
    const { supervisor, states } = supervise(server, listener.port, { ...fast, subdomain: 'b24dm-mine' });
    cleanups.push(() => supervisor.stop());
    supervisor.start();
    await waitFor(() => last(states)?.status === 'online', 5000, 'online');
    const before = server.url('b24dm-mine');

    const port = server.port;
    await server.close();
    server = await LocaltunnelTestServer.start({ port, reserved: ['b24dm-mine'] });
    const count = states.length;
    await waitFor(() => states.length > count && last(states)?.status === 'online', 8000, 'online again');
    const given = server.registrations[0]!.id;
    expect(given).not.toBe('b24dm-mine');
    expect(last(states)).toEqual({ status: 'online', url: server.url(given), urlChanged: true, previousUrl: before, since: expect.any(Number) });

    // The new URL is the one that works.
    const answer = await requestVia(server.port, new URL(server.url(given)).host, 'POST', '/', {}, Buffer.from('moved'));
    expect(answer.body.toString()).toBe('moved');
  });

  it('retries with the full backoff when the server answers registrations with an error', async () => {
    const { server, listener } = await setup();
    const busy = http.createServer((_req, res) => res.writeHead(503, { 'content-type': 'application/json' }).end('{"message":"busy"}'));
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => busy.close(() => resolve())));
    const host = `http://127.0.0.1:${(busy.address() as AddressInfo).port}`;
    const { supervisor, states } = supervise(server, listener.port, { ...fast, host, backoff: { baseMs: 100, capMs: 100_000 }, unreachableRetryMs: 150 });
    cleanups.push(() => supervisor.stop());
    supervisor.start();
    await waitFor(() => states.filter((r) => r.state.status === 'reconnecting').length >= 4, 5000, 'four failures');
    const retries = states.filter((r) => r.state.status === 'reconnecting');
    expect(retries[0]!.state).toMatchObject({ attempt: 1, reason: `${host} answered 503: busy` });
    // The server was reached, so the unreachable cap (150 ms) does not apply: 4th retry waits 400-800 ms.
    const fourth = retries[3]!;
    expect((fourth.state as { nextTryAt: number }).nextTryAt - fourth.at).toBeGreaterThanOrEqual(395);
  });

  it('update() closes the old tunnel before opening one for the new subdomain', async () => {
    const { server, listener } = await setup();
    const { supervisor, states } = supervise(server, listener.port, { ...fast, subdomain: 'b24dm-first' });
    cleanups.push(() => supervisor.stop());
    supervisor.start();
    await waitFor(() => last(states)?.status === 'online', 5000, 'online');
    supervisor.update({ subdomain: 'b24dm-second' });
    await waitFor(() => last(states)?.status === 'online' && (last(states) as { url: string }).url.includes('second'), 5000, 'online at the new subdomain');
    expect(states.map((r) => r.state.status)).toEqual(['connecting', 'online', 'connecting', 'online']);
    expect(last(states)).toMatchObject({ url: server.url('b24dm-second'), urlChanged: true, previousUrl: server.url('b24dm-first') });
    expect(server.maxLiveGroups).toBe(1);
    expect(server.liveGroups()).toBe(1);
    // An update that changes nothing does not reconnect.
    supervisor.update({ subdomain: 'b24dm-second', host: server.host });
    await sleep(200);
    expect(states).toHaveLength(4);
  });

  it('fails without retrying on a configuration error, and starts once it is fixed', async () => {
    const { server, listener } = await setup();
    const { supervisor, states } = supervise(server, listener.port, { ...fast, host: 'ftp://example.com' });
    cleanups.push(() => supervisor.stop());
    supervisor.start();
    await waitFor(() => states.length > 0, 1000, 'a state');
    expect(supervisor.state).toEqual({ status: 'failed', reason: 'tunnel server URL must start with http:// or https:// ("ftp://example.com")' });

    supervisor.update({ host: server.host, subdomain: 'Not Valid!' });
    await waitFor(() => states.length > 1, 1000, 'a second state');
    expect(supervisor.state).toMatchObject({ status: 'failed', reason: expect.stringContaining('invalid subdomain "Not Valid!"') });
    await sleep(300);
    expect(server.registrationRequests).toBe(0);

    supervisor.update({ subdomain: '' });
    await waitFor(() => last(states)?.status === 'online', 5000, 'online');
    // No subdomain asked for: whatever the server hands out is not a change.
    expect(last(states)).toMatchObject({ url: server.url(server.registrations[0]!.id), urlChanged: false, previousUrl: null });
  });

  it('keeps reconnecting while the server is unreachable, and stop() leaves no tunnel, timer or request behind', async () => {
    const { server, listener } = await setup();
    const port = server.port;
    await server.close();
    const timersBefore = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const { supervisor, states } = supervise(server, listener.port, { ...fast, host: `http://127.0.0.1:${port}` });
    supervisor.start();
    await waitFor(() => states.filter((r) => r.state.status === 'reconnecting').length >= 3, 5000, 'three failures');
    expect(states.find((r) => r.state.status === 'reconnecting')?.state).toMatchObject({ reason: `cannot reach http://127.0.0.1:${port}: connect ECONNREFUSED 127.0.0.1:${port}` });
    await supervisor.stop();
    expect(supervisor.state).toEqual({ status: 'off' });
    expect(last(states)).toEqual({ status: 'off' });
    // Other parts of the process (sockets closing, the test server) hold short timers of their own, so
    // wait for the count to settle back; a supervisor timer that kept re-arming would never let it.
    await waitFor(() => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length <= timersBefore, 3000, 'timers released');

    // Nothing was left to try again: a server that appears now sees no request.
    const revived = await LocaltunnelTestServer.start({ port });
    cleanups.push(() => revived.close());
    await sleep(600);
    expect(revived.registrationRequests).toBe(0);
  });

  it('stop() while online closes the tunnel and cancels the probe', async () => {
    const { server, listener } = await setup();
    const { supervisor, states } = supervise(server, listener.port, { ...fast, probeIntervalMs: 50 });
    supervisor.start();
    await waitFor(() => last(states)?.status === 'online', 5000, 'online');
    await sleep(200);
    await supervisor.stop();
    expect(supervisor.state).toEqual({ status: 'off' });
    await waitFor(() => server.liveGroups() === 0, 2000, 'sockets closed on the server');
    const probes = listener.seen.filter((r) => r.url === '/health').length;
    await sleep(300);
    expect(listener.seen.filter((r) => r.url === '/health').length).toBe(probes);

    // It can be started again.
    supervisor.start();
    await waitFor(() => last(states)?.status === 'online', 5000, 'online again');
    await supervisor.stop();
  });
});
