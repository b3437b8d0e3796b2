/**
 * Secrets at rest: AES-256-GCM with a key the data folder never holds. The client secret and the
 * OAuth tokens are sealed with it before they reach `portals.json`; a copied data folder is useless
 * without the key. Each sealed value is bound to its purpose (the AAD), so values cannot be swapped.
 *
 * The key comes from a `KeyProvider`: for `serve` a key file outside the data folder (0600) or an
 * environment variable; the desktop shell injects one backed by Electron's safeStorage.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** Supplies the 32-byte key; `describe` says where it lives (printed, never the key). */
export interface KeyProvider {
  getKey(): Promise<Buffer>;
  readonly describe: string;
}

const PREFIX = 'v1.';

/** Seals and opens strings with one key. */
export class SecretBox {
  private constructor(private readonly key: Buffer) {}

  static async from(provider: KeyProvider): Promise<SecretBox> {
    const key = await provider.getKey();
    if (key.length !== 32) throw new Error(`the secrets key must be 32 bytes (${provider.describe})`);
    return new SecretBox(key);
  }

  /** `v1.` + base64url(iv | tag | ciphertext). */
  seal(plain: string, purpose: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(purpose));
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return PREFIX + Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
  }

  /** Opens a sealed value; throws when the key or purpose is wrong or the value was altered. */
  open(sealed: string, purpose: string): string {
    if (!sealed.startsWith(PREFIX)) throw new Error('not a sealed value');
    const raw = Buffer.from(sealed.slice(PREFIX.length), 'base64url');
    if (raw.length < 28) throw new Error('sealed value too short');
    const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, 12));
    decipher.setAAD(Buffer.from(purpose));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
  }
}

function parseKey(text: string, where: string): Buffer {
  const trimmed = text.trim();
  if (/^[0-9a-f]{64}$/i.test(trimmed)) return Buffer.from(trimmed, 'hex');
  const b64 = Buffer.from(trimmed, 'base64');
  if (b64.length === 32) return b64;
  throw new Error(`${where} must hold a 32-byte key as 64 hex characters or base64`);
}

/** A key from an environment variable's value (64 hex characters or base64 of 32 bytes). */
export function envKeyProvider(name: string, value: string): KeyProvider {
  return { describe: `environment variable ${name}`, getKey: async () => parseKey(value, name) };
}

/** A key file, created (0600, folder 0700) with a random key when missing. */
export function fileKeyProvider(file: string): KeyProvider {
  return {
    describe: file,
    getKey: async () => {
      try {
        return parseKey(readFileSync(file, 'utf8'), file);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
      mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
      writeFileSync(file, randomBytes(32).toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
      chmodSync(file, 0o600);
      return parseKey(readFileSync(file, 'utf8'), file);
    },
  };
}

/** Where `serve` keeps the key by default: beside the data folder, never inside it. */
export function defaultKeyFile(dataDir: string): string {
  const resolved = path.resolve(dataDir);
  return path.join(path.dirname(resolved), `${path.basename(resolved)}.app-key`);
}
