/**
 * Secrets at rest: the sealed registry file in a real temp folder holds no secret in the clear, opens
 * only with its key, and the key file lives outside the data folder with mode 0600.
 */
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../../helpers/temp-dir.js';
import { SecretBox, defaultKeyFile, envKeyProvider, fileKeyProvider } from '../../../../electron/core/portal-app/secret-box.js';
import { PortalRegistry, REGISTRY_FILE, describePortal } from '../../../../electron/core/portal-app/portal-registry.js';

describe('secrets at rest', () => {
  it('seals values bound to their purpose; a wrong key or a swapped purpose does not open them', async () => {
    const box = await SecretBox.from(envKeyProvider('K', 'ab'.repeat(32)));
    const sealed = box.seal('secret-value', 'p1');
    expect(sealed).not.toContain('secret');
    expect(box.open(sealed, 'p1')).toBe('secret-value');
    expect(() => box.open(sealed, 'p2')).toThrow();
    const other = await SecretBox.from(envKeyProvider('K', 'cd'.repeat(32)));
    expect(() => other.open(sealed, 'p1')).toThrow();
    await expect(SecretBox.from(envKeyProvider('K', 'short'))).rejects.toThrow(/32-byte key/);
  });

  it('creates the key file outside the data folder with mode 0600 and reuses it', async () => {
    const root = tempDir();
    const dataDir = path.join(root, 'data');
    const keyFile = defaultKeyFile(dataDir);
    expect(path.dirname(keyFile)).toBe(root);
    const a = await fileKeyProvider(keyFile).getKey();
    if (process.platform !== 'win32') expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect((await fileKeyProvider(keyFile).getKey()).equals(a)).toBe(true);
    writeFileSync(keyFile, 'nonsense');
    await expect(fileKeyProvider(keyFile).getKey()).rejects.toThrow(/32-byte key/);
  });

  it('keeps the client secret and tokens sealed in portals.json, and wipes them on uninstall', async () => {
    const dataDir = tempDir();
    const box = await SecretBox.from(fileKeyProvider(defaultKeyFile(dataDir)));
    const registry = await PortalRegistry.open(dataDir, box, { fsync: false });
    await registry.expectInstall('acme.bitrix24.com', 'local.abc.123', 'CLIENT-SECRET-xyz');
    await registry.connect('acme.bitrix24.com', {
      pair: { accessToken: 'ACCESS-TOKEN-aaa', refreshToken: 'REFRESH-TOKEN-bbb', expiresAt: 1, memberId: 'm', clientEndpoint: null, serverEndpoint: null, scope: 'crm', userId: 1 },
      oauthBase: 'https://oauth.bitrix.info/',
      memberId: 'm',
      appTokenHash: 'f'.repeat(64),
    });
    const text = readFileSync(path.join(dataDir, REGISTRY_FILE), 'utf8');
    for (const secret of ['CLIENT-SECRET-xyz', 'ACCESS-TOKEN-aaa', 'REFRESH-TOKEN-bbb']) expect(text).not.toContain(secret);
    const reopened = await PortalRegistry.open(dataDir, box, { fsync: false });
    expect(reopened.secrets('acme.bitrix24.com')).toEqual({ clientSecret: 'CLIENT-SECRET-xyz', pair: { accessToken: 'ACCESS-TOKEN-aaa', refreshToken: 'REFRESH-TOKEN-bbb', expiresAt: 1 } });
    expect(JSON.stringify(describePortal(reopened.get('acme.bitrix24.com')!))).not.toMatch(/v1\.|ffff/);
    await reopened.wipe('acme.bitrix24.com', 'uninstalled');
    const after = JSON.parse(readFileSync(path.join(dataDir, REGISTRY_FILE), 'utf8'));
    expect(after.portals[0]).toMatchObject({ status: 'disconnected', clientSecret: null, accessToken: null, refreshToken: null, appTokenHash: null });
  });
});
