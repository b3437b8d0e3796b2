import { afterEach, describe, expect, it } from 'vitest';
import { LocaltunnelTestServer, requestVia } from '../../../helpers/localtunnel-server.js';
import { SEED_TOKEN, fixture } from '../../../helpers/fixtures.js';
import { startServe, type ServeProcess } from '../../../helpers/serve-process.js';
import { tempDir } from '../../../helpers/temp-dir.js';
import { request } from '../../../helpers/http-client.js';

const cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function serveWith(args: string[]): Promise<ServeProcess> {
  const serve = await startServe(args);
  cleanups.push(async () => {
    serve.child.kill('SIGTERM');
    await serve.exited;
  });
  return serve;
}

describe('serve with a tunnel', () => {
  it('prints the tunnel URL of --tunnel-host/--subdomain, stores a deletion posted through it, and reports a changed URL', async () => {
    const server = await LocaltunnelTestServer.start({ reserved: ['b24dm-taken'] });
    cleanups.push(() => server.close());
    const dataDir = tempDir();
    const serve = await serveWith(['--data-dir', dataDir, '--port', '0', '--no-dashboard', '--token', SEED_TOKEN, '--tunnel-host', server.host, '--subdomain', 'b24dm-serve']);
    expect(await serve.waitFor('tunnel')).toBe(server.url('b24dm-serve'));
    const host = new URL(server.url('b24dm-serve')).host;

    const answer = await requestVia(server.port, host, 'POST', '/', { 'content-type': 'application/x-www-form-urlencoded' }, Buffer.from(fixture('dynamic-item-delete.form')));
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body.toString())).toEqual({ ok: true, stored: true });
    const health = await request(serve.eventsPort, { method: 'GET', path: '/health' });
    expect(health.json()).toMatchObject({ deletions: 1, tunnel: 'online' });

    serve.child.kill('SIGTERM');
    expect(await serve.exited).toEqual({ code: 0, signal: null });
    // Each state change of the tunnel is one line of the log.
    const tunnelLines = serve.stderr().split('\n').filter((line) => line.includes(' tunnel: '));
    expect(tunnelLines.filter((line) => line.includes('tunnel: connecting'))).toHaveLength(1);
    expect(tunnelLines.filter((line) => line.includes('tunnel: online'))).toHaveLength(1);
    expect(tunnelLines.filter((line) => line.includes('tunnel: connecting'))[0]).toContain(`tunnel: connecting to ${server.host}`);
    expect(serve.stderr()).toMatch(/store: 1 event in 1 durable write since start \(1\.0 a write\); a write took \d+\.\d\d ms on average/);

    // The same data folder, a subdomain someone else holds: the server hands out another URL.
    const again = await serveWith(['--data-dir', dataDir, '--port', '0', '--no-dashboard', '--tunnel-host', server.host, '--subdomain', 'b24dm-taken']);
    const url = await again.waitFor('tunnel');
    expect(url).not.toBe(server.url('b24dm-taken'));
    expect(again.stderr().match(/update the webhook in Bitrix24/g)).toHaveLength(1);
    expect(again.stderr()).toContain(`tunnel: online at ${url}, a different URL than the requested subdomain: update the webhook in Bitrix24 (portals connected as applications follow by themselves)`);
  });

  it('refuses bad tunnel options with a one-line reason and exit code 2', async () => {
    for (const args of [['--tunnel-host', 'ftp://x'], ['--subdomain', 'UPPER_case'], ['--port', '70000'], ['--token', 'short'], ['--bogus']]) {
      const serve = startServe(['--data-dir', tempDir(), ...args]);
      await expect(serve).rejects.toThrow(/serve exited \(2\)/);
    }
  });
});
