import { describe, expect, it } from 'vitest';
import { DIGEST_CACHE_SIZE, TokenRegistry, hashToken } from '../../../../electron/core/tokens/token-registry.js';

const digests = (registry: TokenRegistry): Map<string, Buffer> => (registry as unknown as { digests: Map<string, Buffer> }).digests;

describe('TokenRegistry', () => {
  it('accepts a known token (for its portal or any), refuses unknown, wrong-portal and missing ones', () => {
    const registry = new TokenRegistry([
      { hash: hashToken('any-portal'), portal: null },
      { hash: hashToken('nord-only'), portal: 'nord.bitrix24.de' },
    ]);
    expect(registry.verify('any-portal', 'x.bitrix24.com')).toEqual({ ok: true, hash: hashToken('any-portal') });
    expect(registry.verify('nord-only', 'nord.bitrix24.de')).toMatchObject({ ok: true });
    expect(registry.verify('nord-only', 'x.bitrix24.com')).toEqual({ ok: false, reason: 'wrong-portal', hash: hashToken('nord-only') });
    expect(registry.verify('forged', 'nord.bitrix24.de')).toEqual({ ok: false, reason: 'unknown', hash: hashToken('forged') });
    expect(registry.verify(null, null)).toEqual({ ok: false, reason: 'missing', hash: null });
  });

  it('remembers the digest of accepted tokens only, gives the same verdicts from it, and forgets on replace', () => {
    const registry = new TokenRegistry([{ hash: hashToken('good'), portal: 'a.bitrix24.com' }]);
    for (let i = 0; i < 3; i++) {
      expect(registry.verify('good', 'a.bitrix24.com')).toMatchObject({ ok: true });
      expect(registry.verify('good', 'b.bitrix24.com')).toMatchObject({ ok: false, reason: 'wrong-portal' });
      expect(registry.verify(`forged-${i}`, 'a.bitrix24.com')).toMatchObject({ ok: false, reason: 'unknown' });
    }
    expect([...digests(registry).keys()]).toEqual(['good']);
    registry.replace([{ hash: hashToken('other'), portal: null }]);
    expect(digests(registry).size).toBe(0);
    expect(registry.verify('good', 'a.bitrix24.com')).toMatchObject({ ok: false, reason: 'unknown' });
    expect(digests(registry).size).toBe(0);
  });

  it('stays bounded however many accepted tokens are used', () => {
    const tokens = Array.from({ length: DIGEST_CACHE_SIZE * 3 }, (_, i) => `token-${i}`);
    const registry = new TokenRegistry(tokens.map((t) => ({ hash: hashToken(t), portal: null })));
    for (const t of tokens) expect(registry.verify(t, null)).toMatchObject({ ok: true });
    expect(digests(registry).size).toBeLessThanOrEqual(DIGEST_CACHE_SIZE);
    for (const t of tokens) expect(registry.verify(t, null)).toMatchObject({ ok: true });
  });
});
