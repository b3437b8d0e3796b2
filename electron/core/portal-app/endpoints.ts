/**
 * Which hosts application mode may call: the connected portal's `https://<domain>/rest/` and Bitrix24's
 * OAuth servers. Nothing an incoming request names is ever called unless it is one of these.
 * `allowLoopback` (tests, local development) also admits `http://127.0.0.1:PORT`.
 */

/** Bitrix24's OAuth servers (the install's `server_endpoint` names one). */
export const OAUTH_HOSTS: readonly string[] = ['oauth.bitrix.info', 'oauth.bitrix24.tech'];

const DNS_NAME = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/;
const LOOPBACK = /^127\.0\.0\.1:([1-9][0-9]{0,4})$/;

/** A portal domain as the admin typed it, lower-cased, or null when it is not one. */
export function normalizePortalDomain(input: string, allowLoopback: boolean): string | null {
  const domain = input.trim().toLowerCase().replace(/^https?:\/\//, '').replace(/\/+$/, '');
  if (DNS_NAME.test(domain)) return domain;
  const loop = LOOPBACK.exec(domain);
  if (allowLoopback && loop && Number(loop[1]) <= 65535) return domain;
  return null;
}

export function isLoopbackDomain(domain: string): boolean {
  return LOOPBACK.test(domain);
}

/** The REST base of a portal: `https://<domain>/rest/` (`http://` for a loopback test portal). */
export function restBaseOf(domain: string): string {
  return `${isLoopbackDomain(domain) ? 'http' : 'https'}://${domain}/rest/`;
}

/** The portal's own base URL (`https://<domain>/`), e.g. for its /oauth/authorize/ page. */
export function portalBaseOf(domain: string): string {
  return `${isLoopbackDomain(domain) ? 'http' : 'https'}://${domain}/`;
}

/**
 * The OAuth server base named by a redirect's `server_domain` (`oauth.bitrix.info`), or null when it is
 * not one of Bitrix24's (with `allowLoopback`, also `127.0.0.1:PORT`).
 */
export function oauthBaseOfServerDomain(serverDomain: string, allowLoopback: boolean): string | null {
  const host = serverDomain.trim().toLowerCase();
  if (OAUTH_HOSTS.includes(host)) return `https://${host}/`;
  if (allowLoopback && LOOPBACK.test(host)) return `http://${host}/`;
  return null;
}

/** True when `endpoint` is exactly the REST base of `domain`. */
export function isPortalRestBase(endpoint: string, domain: string): boolean {
  return endpoint.toLowerCase() === restBaseOf(domain);
}

/**
 * The OAuth server base (`https://oauth.bitrix.info/`) named by a `server_endpoint`, or null when it
 * is not one of Bitrix24's (or, with `allowLoopback`, `http://127.0.0.1:PORT/rest/`).
 */
export function oauthBaseOf(serverEndpoint: string, allowLoopback: boolean): string | null {
  let url: URL;
  try {
    url = new URL(serverEndpoint);
  } catch {
    return null;
  }
  if (url.pathname !== '/rest/' || url.search || url.hash || url.username || url.password) return null;
  if (url.protocol === 'https:' && !url.port && OAUTH_HOSTS.includes(url.hostname)) return `https://${url.hostname}/`;
  if (allowLoopback && url.protocol === 'http:' && url.hostname === '127.0.0.1' && url.port) return `http://127.0.0.1:${url.port}/`;
  return null;
}
