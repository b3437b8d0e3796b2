/**
 * What the app's web contents may do: load only our renderer, open no windows, navigate nowhere,
 * get no permissions, and open only allow-listed https links, in the user's browser.
 */
import { shell, type Session, type WebContents } from 'electron';
import type { Logger } from '../core/util/logger.js';
import { authorizationNavigation } from './authorize-window.js';

/** Bitrix24 portals and sites (cloud zones), the REST docs, and the project's home. */
const BITRIX24_HOST = /^(?:[a-z0-9-]+\.)*bitrix24\.(?:com|ru|de|eu|es|fr|it|pl|uk|by|kz|ua|in|jp|cn|vn|id|co|mx|com\.br|com\.tr|net)$/;
const OTHER_HOSTS: ReadonlySet<string> = new Set(['github.com', 'www.github.com']);

/** True for https links the app may hand to the system browser (no credentials, no odd ports). */
export function isAllowedExternalUrl(raw: string): boolean {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return false;
  }
  if (url.protocol !== 'https:' || url.username !== '' || url.password !== '' || url.port !== '') return false;
  const host = url.hostname.toLowerCase();
  return BITRIX24_HOST.test(host) || OTHER_HOSTS.has(host);
}

/** Opens an allow-listed link in the system browser; anything else is dropped (and logged). */
export function openExternalIfAllowed(url: string, log?: Logger): boolean {
  if (!isAllowedExternalUrl(url)) {
    log?.warn(`blocked a link to ${url.slice(0, 200)}`);
    return false;
  }
  void shell.openExternal(url);
  return true;
}

/** The renderer's file:// pages get this policy as a header too (the page carries it as a meta tag). */
export const RENDERER_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'none'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** Denies every permission request and check, and sets the CSP header on our file:// responses. */
export function setupSessionSecurity(ses: Session, log?: Logger): void {
  ses.setPermissionRequestHandler((_contents, permission, callback) => {
    log?.warn(`denied permission request: ${permission}`);
    callback(false);
  });
  ses.setPermissionCheckHandler(() => false);
  ses.setDevicePermissionHandler(() => false);
  ses.webRequest.onHeadersReceived((details, callback) => {
    if (!details.url.startsWith('file:')) return callback({});
    callback({
      responseHeaders: {
        ...details.responseHeaders,
        // Spelled out (equal to RENDERER_CSP, which a test checks) so Electronegativity can evaluate it.
        'Content-Security-Policy': [
          "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'none'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
        ],
      },
    });
  });
}

/**
 * Locks down one web contents (every one the app creates, via app 'web-contents-created'): no new
 * windows, no navigation away from the loaded page, no <webview>. Allow-listed links open externally.
 */
export function guardWebContents(contents: WebContents, log?: Logger): void {
  contents.setWindowOpenHandler(({ url }) => {
    openExternalIfAllowed(url, log);
    return { action: 'deny' };
  });
  contents.on('will-navigate', (event, url) => {
    // The one exception: an authorization window may move within Bitrix24 (authorize-window.ts).
    if (authorizationNavigation(contents, url) === 'allow') return;
    event.preventDefault();
    if (authorizationNavigation(contents, url) === null) openExternalIfAllowed(url, log);
  });
  contents.on('will-redirect', (event, url) => {
    if (authorizationNavigation(contents, url) === 'allow') return;
    event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
}
