/**
 * ONAPPINSTALL, checked before anything is requested: the portal must be one whose install is expected,
 * `client_endpoint` exactly `https://<that portal>/rest/`, `server_endpoint` one of Bitrix24's OAuth
 * servers, and the fields well-formed. Only then are the tokens proven, by `app.info` on the configured
 * portal (never on a host the request named) answering with the app's client_id.
 */
import type { ParsedObject } from '../events/parse-body.js';
import { httpCall, type HttpCall } from './http-call.js';
import { isPortalRestBase, oauthBaseOf, restBaseOf } from './endpoints.js';
import type { OAuthAnswer } from './oauth-client.js';

export interface InstallClaim {
  domain: string;
  pair: OAuthAnswer;
  oauthBase: string;
  memberId: string;
  applicationToken: string;
}

const TOKEN = /^[\x21-\x7e]{8,512}$/;
const MEMBER_ID = /^[A-Za-z0-9_-]{1,64}$/;

const text = (obj: ParsedObject, key: string): string | undefined => {
  const v = obj[key];
  return typeof v === 'string' ? v : undefined;
};

/** Reads and checks an ONAPPINSTALL body for an expected portal; the refusal says why (never echoing a token). */
export function checkInstall(body: ParsedObject, isExpected: (domain: string) => boolean, allowLoopback: boolean): { ok: true; claim: InstallClaim } | { ok: false; reason: string; domain: string | null } {
  const auth = body['auth'];
  if (!auth || typeof auth !== 'object') return { ok: false, reason: 'auth is missing', domain: null };
  const domain = text(auth, 'domain')?.toLowerCase() ?? null;
  if (!domain || !isExpected(domain)) return { ok: false, reason: `no install is expected for portal ${domain ?? '(none)'}`, domain };
  const clientEndpoint = text(auth, 'client_endpoint');
  if (!clientEndpoint || !isPortalRestBase(clientEndpoint, domain)) return { ok: false, reason: `client_endpoint is not ${restBaseOf(domain)}`, domain };
  const oauthBase = oauthBaseOf(text(auth, 'server_endpoint') ?? '', allowLoopback);
  if (!oauthBase) return { ok: false, reason: "server_endpoint is not one of Bitrix24's OAuth servers", domain };
  const accessToken = text(auth, 'access_token');
  const refreshToken = text(auth, 'refresh_token');
  const applicationToken = text(auth, 'application_token');
  const memberId = text(auth, 'member_id');
  if (!accessToken || !TOKEN.test(accessToken) || !refreshToken || !TOKEN.test(refreshToken)) return { ok: false, reason: 'the OAuth tokens are missing or malformed', domain };
  if (!applicationToken || !TOKEN.test(applicationToken)) return { ok: false, reason: 'auth[application_token] is missing or malformed', domain };
  if (!memberId || !MEMBER_ID.test(memberId)) return { ok: false, reason: 'auth[member_id] is missing or malformed', domain };
  const expires = Number(text(auth, 'expires'));
  const expiresIn = Number(text(auth, 'expires_in') ?? 3600);
  const userId = Number(text(auth, 'user_id'));
  return {
    ok: true,
    claim: {
      domain,
      oauthBase,
      memberId,
      applicationToken,
      pair: {
        accessToken,
        refreshToken,
        expiresAt: Number.isFinite(expires) && expires > 0 ? expires * 1000 : Date.now() + (Number.isFinite(expiresIn) ? expiresIn : 3600) * 1000,
        memberId,
        clientEndpoint,
        serverEndpoint: text(auth, 'server_endpoint') ?? null,
        scope: text(auth, 'scope') ?? null,
        userId: Number.isSafeInteger(userId) && userId > 0 ? userId : null,
      },
    },
  };
}

/** True when the configured portal's `app.info`, asked with the claimed access token, names `clientId`. */
export async function proveTokens(domain: string, accessToken: string, clientId: string, options: { timeoutMs?: number; http?: HttpCall } = {}): Promise<boolean> {
  const answer = await (options.http ?? httpCall)(`${restBaseOf(domain)}app.info.json`, { json: { auth: accessToken } }, { timeoutMs: options.timeoutMs ?? 15_000 });
  const result = answer['result'];
  if (!result || typeof result !== 'object') return false;
  const r = result as Record<string, unknown>;
  return r['client_id'] === clientId || r['CODE'] === clientId;
}
