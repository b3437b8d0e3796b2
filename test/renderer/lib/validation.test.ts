import { describe, expect, it } from 'vitest';
import { daysError, hostError, labelError, parseItemId, portalError, portError, subdomainError, thresholdError, tokenError, webhookUrlError, windowMinutesError } from '../../../renderer/src/lib/validation';
import { filterKey, matchesFilter, normalizeFilter } from '../../../renderer/src/lib/filter';
import { makeRecord } from '../helpers/fake-monitor';

// The renderer's checks must agree with the core's schemas (which have the last word). The schemas
// live outside the web project (they use zod on the core side), so they are loaded at run time only.
interface Schema {
  safeParse(value: unknown): { success: boolean };
}
const schemasModule = '../../../electron/core/contract-schemas';
const { callArgSchemas } = (await import(/* @vite-ignore */ schemasModule)) as { callArgSchemas: Record<'updateSettings' | 'addToken', Schema> };
const settingsSchema = callArgSchemas.updateSettings;
const tokenSchema = callArgSchemas.addToken;

function coreAccepts(schema: Schema, value: unknown): boolean {
  return schema.safeParse([value]).success;
}

describe('validation agrees with the core', () => {
  it.each(['0', '1', '8080', '65535', '65536', '-1', '80.5', 'abc', ''])('event port %j', (text) => {
    const ours = portError(text) === null;
    expect(ours).toBe(text !== '' && coreAccepts(settingsSchema, { eventPort: Number(text) }));
  });

  it.each(['https://localtunnel.me', 'http://10.0.0.5:3000', 'https://lt.example.com/', 'ftp://x.y', 'localtunnel.me', 'https://', ''])('tunnel host %j', (text) => {
    expect(hostError(text) === null).toBe(coreAccepts(settingsSchema, { tunnel: { host: text } }));
  });

  it.each(['b24dm-1a2b3c', 'abcd', 'abc', 'Abcd', '-abcd', 'abcd-', 'a'.repeat(63), 'a'.repeat(64), 'my_sub', ''])('subdomain %j', (text) => {
    expect(subdomainError(text) === null).toBe(coreAccepts(settingsSchema, { tunnel: { subdomain: text } }));
  });

  it.each(['1', '30', '36500', '36501', '0', '1.5', 'x'])('retention days %j', (text) => {
    expect(daysError(text) === null).toBe(coreAccepts(settingsSchema, { retentionDays: Number(text) }));
  });

  it.each(['2', '20', '100000', '100001', '1', '0', '2.5', 'x'])('alert threshold %j', (text) => {
    expect(thresholdError(text) === null).toBe(coreAccepts(settingsSchema, { alerts: { threshold: Number(text) } }));
  });

  it.each(['1', '10', '1440', '1441', '0', '9.5'])('alert window %j', (text) => {
    expect(windowMinutesError(text) === null).toBe(coreAccepts(settingsSchema, { alerts: { windowMinutes: Number(text) } }));
  });

  it.each(['https://chat.example.com/hooks/abc', 'http://127.0.0.1:8080/hook', 'http://localhost/x', 'http://chat.example.com/hook', 'https://user:pw@chat.example.com/', 'ftp://x.y/', 'not a url'])(
    'alert webhook %j',
    (text) => {
      expect(webhookUrlError(text) === null).toBe(coreAccepts(settingsSchema, { alerts: { webhookUrl: text } }));
    },
  );

  it.each(['abcdefgh', 'short', 'has space inside', 'тоКен12345', 'x'.repeat(256), 'x'.repeat(257), '  padded-token  '])('token %j', (text) => {
    expect(tokenError(text) === null).toBe(coreAccepts(tokenSchema, { token: text, portal: null, label: '' }));
  });

  it.each(['example.bitrix24.com', 'my-portal.bitrix24.ru', 'EXAMPLE.Bitrix24.com', 'bad domain', '-x.com', 'x'])('portal %j', (text) => {
    expect(portalError(text) === null).toBe(coreAccepts(tokenSchema, { token: 'abcdefgh', portal: text, label: '' }));
  });

  it('accepts a pasted portal URL by keeping its host', () => {
    expect(portalError('https://example.bitrix24.com/crm/')).toBeNull();
  });

  it('limits labels to 200 characters', () => {
    expect(labelError('x'.repeat(200))).toBeNull();
    expect(labelError('x'.repeat(201))).toBe('token.err.label');
  });

  it('parses item ids the core accepts', () => {
    expect(parseItemId('')).toBeNull();
    expect(parseItemId(' 42 ')).toBe(42);
    expect(parseItemId('0')).toBe('invalid');
    expect(parseItemId('1e3')).toBe('invalid');
    expect(parseItemId('99999999999999999')).toBe('invalid');
  });
});

describe('filters', () => {
  it('normalise like the core and match like the store', () => {
    const filter = normalizeFilter({ event: 'oncrmdealdelete', portal: 'ALPHA.bitrix24.com', itemId: undefined });
    expect(filter).toEqual({ event: 'ONCRMDEALDELETE', portal: 'alpha.bitrix24.com' });
    expect(filterKey({ portal: 'A.com' })).toBe(filterKey({ portal: 'a.com', event: undefined }));
    const r = makeRecord(6); // ONCRMDEALDELETE, beta
    expect(matchesFilter(r, { event: 'ONCRMDEALDELETE' })).toBe(true);
    expect(matchesFilter(r, { from: r.receivedAt, to: r.receivedAt + 1 })).toBe(true);
    expect(matchesFilter(r, { to: r.receivedAt })).toBe(false);
    expect(matchesFilter(r, { portal: 'alpha.bitrix24.com' })).toBe(false);
  });
});
