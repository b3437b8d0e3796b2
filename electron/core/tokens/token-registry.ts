/**
 * Accepted application tokens. Only SHA-256 hashes are kept (verification needs nothing more), and
 * only a short fingerprint is ever shown or stored next to a record.
 */
import { hash as sha, timingSafeEqual } from 'node:crypto';

/** Hex SHA-256 of a token: what settings keep instead of the token. */
export function hashToken(token: string): string {
  // One-shot hashing: a Hash object per event costs 3-4x more (bench/payload-cost.ts).
  return sha('sha256', token, 'hex');
}

/** Eight hex characters of the hash: enough to tell a portal's tokens apart, useless to an attacker. */
export function fingerprintOfHash(hash: string): string {
  return hash.slice(0, 8);
}

export interface AcceptedToken {
  hash: string;
  /** Lower-case portal domain it is accepted from, or null for any portal. */
  portal: string | null;
}

export type Verdict = { ok: true; hash: string } | { ok: false; reason: 'missing' | 'unknown' | 'wrong-portal'; hash: string | null };

interface Entry {
  digest: Buffer;
  portal: string | null;
  /** The verdict when this entry matches, made once (no allocation per event). */
  accepted: Verdict;
}

const MISSING: Verdict = Object.freeze({ ok: false, reason: 'missing', hash: null });

/**
 * Accepted tokens whose digest is remembered. A portal sends the same token with every event, and its
 * SHA-256 was one of the two hashes an event cost (`npm run bench:profile`). Only tokens that matched an
 * accepted hash get in: a flood of forged tokens neither fills nor evicts it, and each of them is still
 * hashed. The set is emptied when it is full and whenever the accepted tokens change.
 */
export const DIGEST_CACHE_SIZE = 32;

/** Checks application tokens against the accepted hashes in constant time. */
export class TokenRegistry {
  private accepted: Entry[] = [];
  /** Token → its digest, for tokens that matched an accepted hash (see DIGEST_CACHE_SIZE). */
  private readonly digests = new Map<string, Buffer>();

  constructor(tokens: readonly AcceptedToken[] = []) {
    this.replace(tokens);
  }

  /** Swaps the accepted set (after settings change). */
  replace(tokens: readonly AcceptedToken[]): void {
    this.digests.clear();
    this.accepted = tokens.map((t) => ({ digest: Buffer.from(t.hash, 'hex'), portal: t.portal, accepted: Object.freeze({ ok: true, hash: t.hash.toLowerCase() }) }));
  }

  get size(): number {
    return this.accepted.length;
  }

  /**
   * Verifies a token for a portal. Every accepted hash is compared (no early exit), so the time taken
   * does not tell which one matched or how much of it. The digest stays bytes: hex is made only for a
   * refusal (an accepted token's verdict carries its entry's hash, made once). A token seen before to
   * match is not hashed again; it is still compared with every accepted hash, as any token is.
   */
  verify(token: string | null, portal: string | null): Verdict {
    if (token === null) return MISSING;
    const cached = this.digests.get(token);
    const digest = cached ?? (sha('sha256', token, 'buffer') as unknown as Buffer);
    let matched = false;
    let verdict: Verdict | null = null;
    for (const entry of this.accepted) {
      const same = timingSafeEqual(entry.digest, digest);
      matched ||= same;
      if (same && (entry.portal === null || entry.portal === portal)) verdict = entry.accepted;
    }
    if (matched && cached === undefined) this.remember(token, digest);
    if (verdict !== null) return verdict;
    return { ok: false, reason: matched ? 'wrong-portal' : 'unknown', hash: digest.toString('hex') };
  }

  private remember(token: string, digest: Buffer): void {
    if (this.digests.size >= DIGEST_CACHE_SIZE) this.digests.clear();
    // A copy of the token: the one given is usually a slice of the request body, which it would keep alive.
    this.digests.set(JSON.parse(JSON.stringify(token)) as string, digest);
  }
}
