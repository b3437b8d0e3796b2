/**
 * The key that seals a connected application's secrets (client secret, OAuth tokens) for the desktop
 * app: 32 random bytes, kept in the data folder only as Electron safeStorage ciphertext (macOS Keychain,
 * Windows DPAPI, the Linux secret service), so a copied data folder opens nothing. Where Linux has no
 * keyring (safeStorage's `basic_text` backend encrypts with a fixed password) or encryption is not
 * available, the key lives as `serve` keeps it: in a 0600 file beside the data folder, never inside.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { safeStorage } from 'electron';
import { DurableJsonFile } from '../core/store/durable-json-file.js';
import { defaultKeyFile, fileKeyProvider, type KeyProvider } from '../core/portal-app/secret-box.js';
import { silentLogger, type Logger } from '../core/util/logger.js';

/** The sealed key's file in the data folder. */
export const SEALED_KEY_FILE = 'app-key.safestorage.json';

interface SealedKey {
  format: 1;
  /** base64 of safeStorage.encryptString(hex key). */
  sealed: string;
}

/** True when safeStorage protects with the OS's keyring, not a fixed password. */
function osKeyringAvailable(): boolean {
  if (!safeStorage.isEncryptionAvailable()) return false;
  return process.platform !== 'linux' || safeStorage.getSelectedStorageBackend() !== 'basic_text';
}

/** A KeyProvider backed by safeStorage (or the key file beside the data folder where it cannot be). */
export function safeStorageKeyProvider(dataDir: string, log: Logger = silentLogger): KeyProvider {
  const file = path.join(dataDir, SEALED_KEY_FILE);
  if (!osKeyringAvailable() && !existsSync(file)) {
    const fallback = defaultKeyFile(dataDir);
    log.warn(`no OS keyring for safeStorage: application secrets are sealed with the key file ${fallback} (0600, outside the data folder)`);
    return fileKeyProvider(fallback);
  }
  return {
    describe: `${file} (sealed by the OS keyring through safeStorage)`,
    getKey: async () => {
      if (existsSync(file)) {
        const data = JSON.parse(readFileSync(file, 'utf8')) as SealedKey;
        if (data.format !== 1 || typeof data.sealed !== 'string') throw new Error(`${file} is not a sealed key`);
        const hex = safeStorage.decryptString(Buffer.from(data.sealed, 'base64'));
        if (!/^[0-9a-f]{64}$/.test(hex)) throw new Error(`${file} did not open to a key`);
        return Buffer.from(hex, 'hex');
      }
      const key = randomBytes(32);
      const sealed = safeStorage.encryptString(key.toString('hex')).toString('base64');
      await new DurableJsonFile<SealedKey>(file).write({ format: 1, sealed });
      return key;
    },
  };
}
