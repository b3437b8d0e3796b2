/**
 * Checks of what the user types, mirroring the core's argument schemas (electron/core/contract-schemas.ts;
 * a test compares the two) so mistakes are shown next to the field, in the user's language. The core
 * still validates everything; its errors are shown too.
 */
import type { MessageKey } from '../i18n/en';

/** localtunnel subdomains: 4-63 lower-case letters, digits and hyphens, no hyphen at either end. */
const SUBDOMAIN = /^[a-z0-9](?:[a-z0-9-]{2,61}[a-z0-9])$/;
const PORTAL = /^[a-z0-9](?:[a-z0-9.-]{0,251}[a-z0-9])?$/;
const TOKEN_CHARS = /^[\x21-\x7e]+$/;

export function tokenError(token: string): MessageKey | null {
  const t = token.trim();
  if (t.length < 8) return 'token.err.short';
  if (t.length > 256) return 'token.err.long';
  if (!TOKEN_CHARS.test(t)) return 'token.err.chars';
  return null;
}

/** Portal domain as typed: an empty field means "any portal". A pasted https:// prefix or path is dropped. */
export function normalizePortal(text: string): string {
  return text
    .trim()
    .toLowerCase()
    .replace(/^https?:\/\//, '')
    .replace(/\/.*$/, '');
}

/** A portal domain (a token may be for any portal: empty is fine). */
export function portalError(text: string): MessageKey | null {
  const portal = normalizePortal(text);
  return portal === '' || PORTAL.test(portal) ? null : 'token.err.portal';
}

/**
 * The portal of an application: required, and it may carry a port (a test portal on 127.0.0.1, which
 * only `serve --allow-loopback-portal` accepts: the core decides).
 */
export function appPortalError(text: string): MessageKey | null {
  const [host = '', port, ...rest] = normalizePortal(text).split(':');
  if (host === '' || rest.length > 0 || (port !== undefined && !/^\d{1,5}$/.test(port))) return 'token.err.portal';
  return PORTAL.test(host) ? null : 'token.err.portal';
}

/** The local application's client_id as Bitrix24 shows it (`local.<hex>.<digits>`; printable, no spaces). */
export function clientIdError(text: string): MessageKey | null {
  return TOKEN_CHARS.test(text.trim()) && text.trim().length <= 200 ? null : 'apps.err.clientId';
}

/** The application key (client_secret): printable, no spaces. */
export function clientSecretError(text: string): MessageKey | null {
  return TOKEN_CHARS.test(text.trim()) && text.trim().length <= 200 ? null : 'apps.err.clientSecret';
}

export function labelError(text: string): MessageKey | null {
  return text.length > 200 ? 'token.err.label' : null;
}

function wholeNumber(text: string): number | null {
  return /^\d{1,15}$/.test(text.trim()) ? Number(text.trim()) : null;
}

export function portError(text: string): MessageKey | null {
  const n = wholeNumber(text);
  return n !== null && n <= 65535 ? null : 'settings.err.port';
}

export function hostError(text: string): MessageKey | null {
  const value = text.trim();
  if (!/^https?:\/\//i.test(value)) return 'settings.err.host';
  try {
    const url = new URL(value);
    return url.hostname ? null : 'settings.err.host';
  } catch {
    return 'settings.err.host';
  }
}

export function subdomainError(text: string): MessageKey | null {
  return SUBDOMAIN.test(text.trim()) ? null : 'settings.err.subdomain';
}

export function daysError(text: string): MessageKey | null {
  const n = wholeNumber(text);
  return n !== null && n >= 1 && n <= 36500 ? null : 'settings.err.days';
}

/** Deletions that make a mass deletion: 2-100,000. */
export function thresholdError(text: string): MessageKey | null {
  const n = wholeNumber(text);
  return n !== null && n >= 2 && n <= 100_000 ? null : 'settings.err.threshold';
}

/** The window of a mass deletion: 1-1,440 minutes. */
export function windowMinutesError(text: string): MessageKey | null {
  const n = wholeNumber(text);
  return n !== null && n >= 1 && n <= 1440 ? null : 'settings.err.window';
}

/** The team chat's webhook: empty (none), https, or http on this computer. */
export function webhookUrlError(text: string): MessageKey | null {
  const value = text.trim();
  if (value === '') return null;
  try {
    const url = new URL(value);
    if (url.username || url.password) return 'settings.err.webhook';
    if (url.protocol === 'https:' && url.hostname) return null;
    return url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname) ? null : 'settings.err.webhook';
  } catch {
    return 'settings.err.webhook';
  }
}

/** An item id filter: null when empty, 'invalid' when not a positive whole number. */
export function parseItemId(text: string): number | null | 'invalid' {
  const value = text.trim();
  if (value === '') return null;
  if (!/^\d{1,16}$/.test(value)) return 'invalid';
  const n = Number(value);
  return n >= 1 && n <= Number.MAX_SAFE_INTEGER ? n : 'invalid';
}
