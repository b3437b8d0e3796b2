import { existsSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { SEALED_KEY_FILE, safeStorageKeyProvider } from '../../../electron/main/app-secrets-key.js';
import { SecretBox } from '../../../electron/core/portal-app/secret-box.js';
import { electronMock, safeStorage } from '../../helpers/electron-mock.js';
import { tempDir } from '../../helpers/temp-dir.js';

vi.mock('electron', async () => (await import('../../helpers/electron-mock.js')).electronModule);

beforeEach(() => electronMock.reset());

describe('the desktop key for application secrets', () => {
  it('is kept in the data folder only as OS-keyring ciphertext, opens again on this machine, and not on another', async () => {
    const dataDir = tempDir();
    const provider = safeStorageKeyProvider(dataDir);
    const key = await provider.getKey();
    expect(key).toHaveLength(32);
    const file = path.join(dataDir, SEALED_KEY_FILE);
    const stored = readFileSync(file, 'utf8');
    expect(stored).not.toContain(key.toString('hex'));
    expect(stored).not.toContain(key.toString('base64'));
    if (process.platform !== 'win32') expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(provider.describe).toContain('safeStorage');

    // The same machine: the same key, so sealed secrets open after a restart.
    const box = await SecretBox.from(safeStorageKeyProvider(dataDir));
    const sealed = (await SecretBox.from(provider)).seal('client-secret-value', 'client_secret');
    expect(box.open(sealed, 'client_secret')).toBe('client-secret-value');

    // A copied data folder on another computer: its keyring cannot open the key.
    safeStorage.newMachine();
    await expect(safeStorageKeyProvider(dataDir).getKey()).rejects.toThrow(/did not open to a key|decrypt/);
  });

  it("falls back to a 0600 key file beside the data folder (never inside) where Linux has no keyring ('basic_text')", async () => {
    const dataDir = tempDir();
    safeStorage.backend = 'basic_text';
    const lines: string[] = [];
    const log = { info: () => undefined, warn: (m: string) => lines.push(m), error: () => undefined };
    const provider = safeStorageKeyProvider(dataDir, log);
    const key = await provider.getKey();
    if (process.platform === 'linux') {
      expect(readdirSync(dataDir)).toEqual([]);
      expect(existsSync(`${dataDir}.app-key`)).toBe(true);
      expect(statSync(`${dataDir}.app-key`).mode & 0o777).toBe(0o600);
      expect(lines[0]).toContain(`sealed with the key file ${dataDir}.app-key`);
    }
    expect(key).toHaveLength(32);
    rmSync(`${dataDir}.app-key`, { force: true });
  });
});
