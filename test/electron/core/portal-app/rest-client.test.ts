/**
 * The OAuth client, token keeper and REST client against the fake portal (real sockets, no mocks of the client).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeBitrix24Portal, type FakePortalOptions } from '../../../helpers/fake-bitrix24-portal.js';
import { OAuthClient, ReconnectNeededError, TokenKeeper, type OAuthAnswer } from '../../../../electron/core/portal-app/oauth-client.js';
import { RestClient } from '../../../../electron/core/portal-app/rest-client.js';
import { RemoteError, httpCall } from '../../../../electron/core/portal-app/http-call.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(options: FakePortalOptions = { limits: null }, tuning: Partial<ConstructorParameters<typeof RestClient>[0]> = {}) {
  const portal = await FakeBitrix24Portal.start(options);
  cleanups.push(() => portal.close());
  const first = portal.issueTokens(1);
  const persisted: OAuthAnswer[] = [];
  const events: string[] = [];
  const oauth = new OAuthClient({ oauthBase: `http://127.0.0.1:${portal.oauthPort}/`, clientId: portal.clientId, clientSecret: portal.clientSecret });
  const keeper = new TokenKeeper({
    pair: { accessToken: first.access_token, refreshToken: first.refresh_token, expiresAt: first.expires * 1000 },
    oauth,
    persist: async (answer) => {
      await new Promise((r) => setTimeout(r, 50));
      persisted.push(answer);
      events.push(`persisted ${answer.accessToken.slice(0, 8)}`);
    },
    onReconnectNeeded: (reason) => events.push(`reconnect: ${reason}`),
  });
  const rest = new RestClient({ restBase: portal.clientEndpoint, keeper, perSecond: 50, concurrency: 10, minBackoffMs: 50, ...tuning });
  return { portal, keeper, rest, persisted, events };
}

describe('REST client and OAuth refresh', () => {
  it('two (and ten) concurrent expired_token answers produce exactly one refresh, used only after it was persisted', async () => {
    const { portal, keeper, rest, persisted, events } = await setup();
    portal.expireAccessTokens();
    portal.oauthDelayMs = 100; // the second 401 arrives while the refresh is in flight
    const answers = await Promise.all(Array.from({ length: 10 }, () => rest.call<{ CODE: string }>('app.info')));
    expect(answers.every((a) => a.result.CODE === portal.clientId)).toBe(true);
    expect(portal.refreshCount).toBe(1);
    expect(keeper.refreshes).toBe(1);
    expect(persisted).toHaveLength(1);
    // Every retried request used the new token, and the first one arrived after the pair was persisted.
    const retried = portal.requests.filter((r) => r.server === 'portal' && r.status === 200);
    expect(new Set(retried.map((r) => r.params['auth']))).toEqual(new Set([persisted[0]!.accessToken]));
    expect(events).toEqual([`persisted ${persisted[0]!.accessToken.slice(0, 8)}`]);
    const refreshAt = portal.requests.find((r) => r.server === 'oauth')!.at;
    expect(Math.min(...retried.map((r) => r.at))).toBeGreaterThanOrEqual(refreshAt + 45);
  });

  it('a dead refresh token (invalid_grant) reports reconnect-needed once and refreshes no more', async () => {
    const { portal, rest, events } = await setup();
    portal.expireAccessTokens();
    portal.revokeRefreshTokens();
    await expect(rest.call('app.info')).rejects.toBeInstanceOf(ReconnectNeededError);
    await expect(rest.call('app.info')).rejects.toBeInstanceOf(ReconnectNeededError);
    expect(events).toEqual(["reconnect: the portal's OAuth server answered invalid_grant"]);
    expect(portal.calls('oauth/token')).toHaveLength(1);
  });

  it('backs off on QUERY_LIMIT_EXCEEDED and gets every answer in the end', async () => {
    const { portal, rest } = await setup({ limits: { burst: 3, perSecond: 10 } }, { perSecond: 100, concurrency: 10, retries: 8 });
    const answers = await Promise.all(Array.from({ length: 8 }, () => rest.call('crm.enum.ownertype')));
    expect(answers).toHaveLength(8);
    expect(portal.requests.some((r) => r.status === 503)).toBe(true);
  });

  it('keeps under its own limit: no 503 from a portal with the documented bucket when the client runs at 2/s', async () => {
    // A bucket of 3 leaves one request of slack for scheduling jitter; at 3/s the client would overflow it.
    const { portal, rest } = await setup({ limits: { burst: 3, perSecond: 2 } }, { perSecond: 2, concurrency: 2, retries: 0 });
    await Promise.all(Array.from({ length: 5 }, () => rest.call('crm.enum.ownertype')));
    expect(portal.requests.filter((r) => r.status === 503)).toEqual([]);
  });

  it('clear() rejects calls still waiting for the limiter and sends nothing more', async () => {
    const { portal, rest } = await setup({ limits: null }, { perSecond: 1, concurrency: 1 });
    const calls = [1, 2, 3].map(() => rest.call('crm.enum.ownertype'));
    await calls[0];
    rest.clear();
    const settled = await Promise.allSettled(calls.slice(1));
    expect(settled.map((s) => s.status)).toEqual(['rejected', 'rejected']);
    await expect(rest.call('app.info')).rejects.toThrow();
    expect(portal.requests.filter((r) => r.server === 'portal')).toHaveLength(1);
  });

  it('runs a batch and returns per-command errors', async () => {
    const { rest } = await setup();
    const answer = await rest.batch({ u: ['user.get', { ID: 7 }], x: ['no.such', {}], f: ['user.get', { FILTER: { ID: [1, 7] } }] });
    expect(answer.result['u']).toMatchObject([{ ID: '7', LAST_NAME: 'Petrov' }]);
    expect(answer.result['f']).toHaveLength(2);
    expect(answer.errors['x']).toMatchObject({ error: 'ERROR_METHOD_NOT_FOUND' });
  });

  it('times out a call that never answers and refuses redirects', async () => {
    const hits: string[] = [];
    const server = http.createServer((req, res) => {
      hits.push(req.url ?? '');
      if (req.url?.startsWith('/redirect')) {
        res.writeHead(302, { Location: 'http://127.0.0.1:9/elsewhere' });
        res.end();
      } // otherwise: never answer
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanups.push(async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    });
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    await expect(httpCall(`${base}/hang`, { json: {} }, { timeoutMs: 300 })).rejects.toMatchObject({ code: 'TIMEOUT' });
    const redirect = await httpCall(`${base}/redirect`, { json: {} }, { timeoutMs: 2000 }).catch((e: unknown) => e);
    expect(redirect).toBeInstanceOf(RemoteError);
    expect(redirect).toMatchObject({ code: 'REDIRECT_REFUSED', status: 302 });
    expect(hits).toEqual(['/hang', '/redirect']);
  });
});
