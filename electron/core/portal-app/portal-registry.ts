/**
 * The portals connected as applications, in `portals.json` beside the log (written durably through
 * store/durable-json-file.ts). The only holder of OAuth secrets: the client secret and the token pair
 * are sealed (secret-box.ts); the application token is kept as its SHA-256 hash, like webhook tokens.
 * Nothing read from here for the UI or `/health` carries a secret (`describe`).
 */
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { DurableJsonFile } from '../store/durable-json-file.js';
import { describeError, silentLogger, type Logger } from '../util/logger.js';
import type { SecretBox } from './secret-box.js';
import type { PortalAppState } from '../contract.js';
import type { OAuthAnswer, TokenPair } from './oauth-client.js';

export type PortalAppStatus = PortalAppState['status'];

const sealed = z.string().regex(/^v1\.[A-Za-z0-9_-]+$/);

const entrySchema = z.object({
  domain: z.string().min(1).max(260),
  clientId: z.string().min(1).max(200),
  clientSecret: sealed.nullable(),
  status: z.enum(['install-expected', 'connected', 'reconnect-needed', 'disconnected']),
  statusReason: z.string().max(300).nullable(),
  memberId: z.string().max(64).nullable(),
  appTokenHash: z.string().regex(/^[0-9a-f]{64}$/).nullable(),
  /** OAuth server base (`https://oauth.bitrix.info/`), from an allowed install's `server_endpoint`. */
  oauthBase: z.string().max(100).nullable(),
  accessToken: sealed.nullable(),
  refreshToken: sealed.nullable(),
  accessExpiresAt: z.number().nullable(),
  scope: z.string().max(500).nullable(),
  connectedAt: z.number().nullable(),
  /** The handler URL the portal's bindings point at, and whether the portal refused it. */
  handlerUrl: z.string().max(255).nullable(),
  handlerRefused: z.boolean(),
  lastDrain: z.object({ at: z.number(), rows: z.number().int().min(0) }).nullable(),
  /** The offline queue reservation in use (rows reserved by a drain that failed come back with it). */
  offlineProcessId: z.string().max(100).nullable().default(null),
});
export type PortalEntry = z.infer<typeof entrySchema>;

const fileSchema = z.object({ format: z.literal(1), portals: z.array(entrySchema) });
type RegistryFile = z.infer<typeof fileSchema>;

/** A portal as the UI and `/health` see it: no secret, no token, no hash. */
export type PortalAppView = PortalAppState;

export function describePortal(entry: PortalEntry): PortalAppView {
  const { domain, clientId, status, statusReason, connectedAt, handlerUrl, handlerRefused, lastDrain } = entry;
  return { domain, clientId, status, statusReason, connectedAt, handlerUrl, handlerRefused, lastDrain };
}

export const REGISTRY_FILE = 'portals.json';

export class PortalRegistry {
  private constructor(
    private data: RegistryFile,
    private readonly file: DurableJsonFile<RegistryFile>,
    private readonly box: SecretBox,
  ) {}

  /** Loads `portals.json`; a damaged file is moved aside (its portals must reconnect). */
  static async open(dataDir: string, box: SecretBox, options: { fsync?: boolean; log?: Logger } = {}): Promise<PortalRegistry> {
    const log = options.log ?? silentLogger;
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const filePath = path.join(dataDir, REGISTRY_FILE);
    const file = new DurableJsonFile<RegistryFile>(filePath, { fsync: options.fsync ?? true, indent: 2 });
    let data: RegistryFile = { format: 1, portals: [] };
    try {
      const raw = await file.read();
      if (raw !== null) {
        const parsed = fileSchema.safeParse(raw);
        if (!parsed.success) throw new Error(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
        data = parsed.data;
      }
    } catch (error) {
      if (existsSync(filePath)) {
        const aside = `${filePath}.damaged-${Date.now()}`;
        renameSync(filePath, aside);
        log.error(`portal registry unreadable (${describeError(error)}), moved to ${aside}`);
      }
    }
    return new PortalRegistry(data, file, box);
  }

  get entries(): readonly PortalEntry[] {
    return this.data.portals;
  }

  get(domain: string): PortalEntry | undefined {
    return this.data.portals.find((p) => p.domain === domain);
  }

  /** Registers (or re-registers) a portal whose install is expected, with its app credentials. */
  async expectInstall(domain: string, clientId: string, clientSecret: string): Promise<PortalEntry> {
    const current = this.get(domain);
    const base: PortalEntry = current && current.clientId === clientId ? { ...current } : blank(domain, clientId);
    base.clientSecret = this.box.seal(clientSecret, purpose(domain, 'client_secret'));
    if (base.status !== 'connected') base.status = 'install-expected';
    base.statusReason = null;
    return this.put(base);
  }

  /** Stores a proven install or authorization: tokens sealed, the application token hashed. */
  async connect(domain: string, fields: { pair: OAuthAnswer; oauthBase: string; memberId: string; appTokenHash: string | null }): Promise<PortalEntry> {
    const entry = this.require(domain);
    return this.put({
      ...entry,
      status: 'connected',
      statusReason: null,
      memberId: fields.memberId,
      // A token from an earlier install of another member (portal) must not carry over.
      appTokenHash: fields.appTokenHash ?? (entry.memberId === fields.memberId ? entry.appTokenHash : null),
      oauthBase: fields.oauthBase,
      scope: fields.pair.scope,
      connectedAt: Date.now(),
      ...this.sealPair(domain, fields.pair),
    });
  }

  /** Stores a refreshed pair (before anyone uses it). */
  async savePair(domain: string, pair: TokenPair): Promise<void> {
    await this.put({ ...this.require(domain), ...this.sealPair(domain, pair) });
  }

  async setStatus(domain: string, status: PortalAppStatus, reason: string | null): Promise<void> {
    await this.put({ ...this.require(domain), status, statusReason: reason });
  }

  /** Uninstalled: every secret wiped (client secret too), the portal kept as disconnected. */
  async wipe(domain: string, reason: string): Promise<void> {
    await this.put({
      ...this.require(domain),
      status: 'disconnected',
      statusReason: reason,
      clientSecret: null,
      accessToken: null,
      refreshToken: null,
      accessExpiresAt: null,
      appTokenHash: null,
      handlerUrl: null,
    });
  }

  async patch(domain: string, patch: Partial<Pick<PortalEntry, 'handlerUrl' | 'handlerRefused' | 'lastDrain' | 'offlineProcessId'>>): Promise<void> {
    await this.put({ ...this.require(domain), ...patch });
  }

  /** The opened secrets of a portal, or null when it has none. */
  secrets(domain: string): { clientSecret: string; pair: TokenPair | null } | null {
    const entry = this.get(domain);
    if (!entry?.clientSecret) return null;
    const clientSecret = this.box.open(entry.clientSecret, purpose(domain, 'client_secret'));
    const pair =
      entry.accessToken && entry.refreshToken
        ? {
            accessToken: this.box.open(entry.accessToken, purpose(domain, 'access_token')),
            refreshToken: this.box.open(entry.refreshToken, purpose(domain, 'refresh_token')),
            expiresAt: entry.accessExpiresAt ?? 0,
          }
        : null;
    return { clientSecret, pair };
  }

  private sealPair(domain: string, pair: TokenPair): Pick<PortalEntry, 'accessToken' | 'refreshToken' | 'accessExpiresAt'> {
    return {
      accessToken: this.box.seal(pair.accessToken, purpose(domain, 'access_token')),
      refreshToken: this.box.seal(pair.refreshToken, purpose(domain, 'refresh_token')),
      accessExpiresAt: pair.expiresAt,
    };
  }

  private require(domain: string): PortalEntry {
    const entry = this.get(domain);
    if (!entry) throw new Error(`portal ${domain} is not registered`);
    return entry;
  }

  private async put(entry: PortalEntry): Promise<PortalEntry> {
    const parsed = entrySchema.parse(entry);
    const portals = this.data.portals.filter((p) => p.domain !== entry.domain);
    portals.push(parsed);
    // Memory first, so a change made while this write is on its way builds on it; the caller still
    // waits for the disk (DurableJsonFile keeps writes in order).
    this.data = { format: 1, portals };
    await this.file.write(this.data);
    return parsed;
  }
}

function purpose(domain: string, what: string): string {
  return `b24dm portal ${domain} ${what}`;
}

function blank(domain: string, clientId: string): PortalEntry {
  return {
    domain,
    clientId,
    clientSecret: null,
    status: 'install-expected',
    statusReason: null,
    memberId: null,
    appTokenHash: null,
    oauthBase: null,
    accessToken: null,
    refreshToken: null,
    accessExpiresAt: null,
    scope: null,
    connectedAt: null,
    handlerUrl: null,
    handlerRefused: false,
    lastDrain: null,
    offlineProcessId: null,
  };
}
