/**
 * The dashboard's front door: which requests may reach it at all. It listens on loopback, but any web
 * page the user visits can still aim requests at loopback, so every request must name our exact
 * host (DNS rebinding), carry no foreign Origin (CSRF), and every API request must carry the per-run key.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** A fresh per-run secret: 32 random bytes, base64url (43 characters, URL-fragment safe). */
export function newDashboardKey(): string {
  return randomBytes(32).toString('base64url');
}

/** The only Host header values accepted on `port`. */
export function allowedHosts(port: number): string[] {
  return [`127.0.0.1:${port}`, `localhost:${port}`];
}

/** True when the Host header names this server exactly (no other name that resolves to loopback). */
export function hostAllowed(host: string | undefined, port: number): boolean {
  return host !== undefined && allowedHosts(port).includes(host.toLowerCase());
}

/** True when there is no Origin (same-origin navigation) or it is this server's own origin. */
export function originAllowed(origin: string | undefined, port: number): boolean {
  if (origin === undefined) return true;
  return allowedHosts(port).some((host) => origin.toLowerCase() === `http://${host}`);
}

/** Compares a presented key with the real one in constant time (digests, so length leaks nothing). */
export function keyMatches(presented: string | string[] | undefined, key: string): boolean {
  if (typeof presented !== 'string' || presented.length === 0) return false;
  const a = createHash('sha256').update(presented).digest();
  const b = createHash('sha256').update(key).digest();
  return timingSafeEqual(a, b);
}

export type Refusal = { status: number; code: string; message: string };

/** Checks that apply to every request, static files included; null when the request may proceed. */
export function refuseForeign(req: IncomingMessage, port: number): Refusal | null {
  if (!hostAllowed(req.headers.host, port)) {
    return { status: 421, code: 'BAD_HOST', message: `this server answers only to 127.0.0.1:${port} or localhost:${port}` };
  }
  if (!originAllowed(req.headers.origin, port)) {
    return { status: 403, code: 'BAD_ORIGIN', message: 'requests from other sites are refused' };
  }
  // Browsers label requests a foreign page makes; refuse them even when Origin was stripped.
  const site = req.headers['sec-fetch-site'];
  if (site === 'cross-site' || site === 'same-site') {
    return { status: 403, code: 'BAD_ORIGIN', message: 'requests from other sites are refused' };
  }
  return null;
}

/**
 * The dashboard page's Content-Security-Policy: own scripts, styles and connections only, no framing,
 * no forms, no base rewriting. Inline styles are not needed: React sets `style` through the CSSOM.
 */
export const DASHBOARD_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

/** Headers every dashboard response carries. */
export function securityHeaders(api: boolean): Record<string, string> {
  return {
    'Content-Security-Policy': DASHBOARD_CSP,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'X-Frame-Options': 'DENY',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Cache-Control': api ? 'no-store' : 'no-cache',
  };
}
