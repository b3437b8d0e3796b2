/**
 * The authorization-code fallback, for a portal whose ONAPPINSTALL was missed: the address the portal
 * redirected to (pasted back in `serve`, caught by the desktop app) is checked before anything is
 * called: the `state` we issued, the portal it names, and an OAuth server that is one of Bitrix24's.
 * Only then is the code (valid 30 s) exchanged there, and the tokens proven by `app.info` on the
 * configured portal.
 */
import { isPortalRestBase, oauthBaseOfServerDomain } from './endpoints.js';
import { proveTokens } from './install.js';
import { OAuthClient, type OAuthAnswer } from './oauth-client.js';

export interface RedirectExchange {
  domain: string;
  /** What the admin pasted: the whole address, or just its query. */
  redirected: string;
  /** The state of the authorize URL we gave out (null when none is outstanding). */
  issuedState: string | null;
  clientId: string;
  clientSecret: string;
  allowLoopback: boolean;
  timeoutMs?: number;
}

/** Exchanges a redirect's code for a proven token pair; throws with a one-line reason otherwise. */
export async function exchangeRedirect(args: RedirectExchange): Promise<{ pair: OAuthAnswer; oauthBase: string; memberId: string }> {
  let params: URLSearchParams;
  try {
    params = new URL(args.redirected.trim()).searchParams;
  } catch {
    params = new URLSearchParams(args.redirected.trim().replace(/^\?/, ''));
  }
  if (!args.issuedState || params.get('state') !== args.issuedState) {
    throw new Error('that address does not answer the last authorization asked for (state differs or expired): open the authorize URL again');
  }
  const code = params.get('code') ?? '';
  if (!/^[\x21-\x7e]{8,512}$/.test(code)) throw new Error('the address holds no authorization code');
  const named = params.get('domain');
  if (named !== null && named.toLowerCase() !== args.domain) throw new Error(`the address is for ${named}, not ${args.domain}`);
  const oauthBase = oauthBaseOfServerDomain(params.get('server_domain') ?? 'oauth.bitrix.info', args.allowLoopback);
  if (!oauthBase) throw new Error("the address names an OAuth server that is not one of Bitrix24's");

  const pair = await new OAuthClient({ oauthBase, clientId: args.clientId, clientSecret: args.clientSecret, timeoutMs: args.timeoutMs }).exchangeCode(code);
  if (pair.clientEndpoint !== null && !isPortalRestBase(pair.clientEndpoint, args.domain)) throw new Error('the OAuth server answered for another portal');
  if (!(await proveTokens(args.domain, pair.accessToken, args.clientId, { timeoutMs: args.timeoutMs }))) throw new Error('the portal did not confirm the tokens');
  const memberId = pair.memberId ?? params.get('member_id') ?? '';
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(memberId)) throw new Error('the portal named no member_id');
  return { pair, oauthBase, memberId };
}
