import { randomBytes } from 'node:crypto';

// The rule the localtunnel server applies to requested subdomains (it answers 403 otherwise).
const SUBDOMAIN = /^(?:[a-z0-9][a-z0-9-]{4,63}[a-z0-9]|[a-z0-9]{4,63})$/;

/** True when a localtunnel server would accept `name` as a requested subdomain. */
export function isValidSubdomain(name: string): boolean {
  return SUBDOMAIN.test(name);
}

/** A fresh random subdomain for the first run (the caller keeps it in settings so the URL stays stable). */
export function randomSubdomain(): string {
  // 12 base-36 characters: unguessable enough that nobody else asks for the same name by chance.
  const bytes = randomBytes(12);
  const chars = Array.from(bytes, (b) => (b % 36).toString(36)).join('');
  return `b24dm-${chars}`;
}
