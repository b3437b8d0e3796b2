/**
 * Settings in their own lowdb file, validated on load. Tokens are kept as SHA-256 hashes only.
 */
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { Low } from 'lowdb';
import { z } from 'zod';
import type { Settings, SettingsPatch, TrustedToken } from '../contract.js';
import { fingerprintOfHash } from '../tokens/token-registry.js';
import { describeError, silentLogger, type Logger } from '../util/logger.js';
import { DurableJsonFile } from './durable-json-file.js';
import { alertWebhookUrl, perPortalRulesSchema } from '../contract-schemas.js';

/** The mass-deletion rule out of the box: 20 deletions by one actor within 10 minutes, no chat webhook. */
export const DEFAULT_ALERTS = { enabled: true, threshold: 20, windowMinutes: 10, webhookUrl: null } as const;

/** The public localtunnel server; any self-hosted one works too. */
export const DEFAULT_TUNNEL_HOST = 'https://localtunnel.me';

const storedTokenSchema = z.object({
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  portal: z.string().nullable(),
  addedAt: z.number(),
  label: z.string().max(200),
});
export type StoredToken = z.infer<typeof storedTokenSchema>;

/** A subdomain as localtunnel servers accept it: 4-63 lower-case letters, digits and hyphens. */
export const SUBDOMAIN_PATTERN = /^[a-z0-9](?:[a-z0-9-]{2,61}[a-z0-9])$/;

const fileSchema = z.object({
  format: z.literal(1),
  eventPort: z.number().int().min(0).max(65535),
  tunnel: z.object({ enabled: z.boolean(), host: z.string().url(), subdomain: z.string().regex(SUBDOMAIN_PATTERN) }),
  retentionDays: z.number().int().min(1).max(36500).nullable(),
  notifications: z.boolean(),
  language: z.enum(['system', 'en', 'ru']),
  autoStart: z.boolean(),
  tokens: z.array(storedTokenSchema),
  // Files written before alerts existed get the defaults.
  alerts: z
    .object({
      enabled: z.boolean(),
      threshold: z.number().int().min(2).max(100_000),
      windowMinutes: z.number().int().min(1).max(1440),
      webhookUrl: alertWebhookUrl.nullable(),
      perPortal: perPortalRulesSchema.optional(),
    })
    .default({ ...DEFAULT_ALERTS }),
  /** Highest record seq the user has seen (tray counter). */
  seenSeq: z.number().int().min(0),
});
type SettingsFile = z.infer<typeof fileSchema>;

/** A fresh random subdomain, so the public URL is stable across restarts from the first run on. */
export function randomSubdomain(): string {
  return `b24dm-${randomBytes(6).toString('hex')}`;
}

function defaults(): SettingsFile {
  return {
    format: 1,
    eventPort: 0,
    tunnel: { enabled: true, host: DEFAULT_TUNNEL_HOST, subdomain: randomSubdomain() },
    retentionDays: null,
    notifications: true,
    language: 'system',
    autoStart: false,
    tokens: [],
    alerts: { ...DEFAULT_ALERTS },
    seenSeq: 0,
  };
}

export class SettingsStore {
  private constructor(private readonly db: Low<SettingsFile>) {}

  /** Loads `settings.json` from `dataDir`; a file that fails validation is moved aside and defaults used. */
  static async open(dataDir: string, options: { fsync?: boolean; log?: Logger } = {}): Promise<SettingsStore> {
    const log = options.log ?? silentLogger;
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const file = path.join(dataDir, 'settings.json');
    const db = new Low<SettingsFile>(new DurableJsonFile(file, { fsync: options.fsync ?? true, indent: 2 }), defaults());
    // A first run writes its defaults at once: the random subdomain must be the same next time.
    let loaded = existsSync(file);
    try {
      await db.read();
      const parsed = fileSchema.safeParse(db.data);
      if (!parsed.success) throw new Error(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
      db.data = parsed.data;
    } catch (error) {
      if (existsSync(file)) {
        const aside = `${file}.damaged-${Date.now()}`;
        renameSync(file, aside);
        log.error(`settings unreadable (${describeError(error)}), moved to ${aside}; using defaults`);
      }
      loaded = false;
      db.data = defaults();
    }
    const store = new SettingsStore(db);
    if (!loaded) await db.write();
    return store;
  }

  /** Settings as the UI sees them (token hashes reduced to fingerprints). */
  get view(): Settings {
    const { format: _format, seenSeq: _seen, tokens, ...rest } = this.db.data;
    return { ...structuredClone(rest), tokens: tokens.map(toView) };
  }

  get tokens(): readonly StoredToken[] {
    return this.db.data.tokens;
  }

  get seenSeq(): number {
    return this.db.data.seenSeq;
  }

  /** Applies a validated patch and saves. */
  async update(patch: SettingsPatch): Promise<Settings> {
    const next = structuredClone(this.db.data);
    const { tunnel, alerts, ...rest } = patch;
    Object.assign(next, rest);
    if (tunnel) Object.assign(next.tunnel, tunnel);
    if (alerts) Object.assign(next.alerts, alerts);
    const parsed = fileSchema.safeParse(next);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new Error(`invalid setting ${issue.path.join('.')}: ${issue.message}`);
    }
    this.db.data = parsed.data;
    await this.db.write();
    return this.view;
  }

  /** Adds (or relabels) an accepted token hash; `addedAt` is now unless given (fixed demo data). */
  async addTokenHash(hash: string, portal: string | null, label: string, addedAt: number = Date.now()): Promise<Settings> {
    const tokens = this.db.data.tokens.filter((t) => !(t.hash === hash && t.portal === portal));
    tokens.push({ hash, portal, label, addedAt });
    this.db.data = { ...this.db.data, tokens };
    await this.db.write();
    return this.view;
  }

  async removeToken(fingerprint: string): Promise<Settings> {
    this.db.data = { ...this.db.data, tokens: this.db.data.tokens.filter((t) => fingerprintOfHash(t.hash) !== fingerprint) };
    await this.db.write();
    return this.view;
  }

  async setSeenSeq(seq: number): Promise<void> {
    this.db.data.seenSeq = seq;
    await this.db.write();
  }
}

function toView(t: StoredToken): TrustedToken {
  return { fingerprint: fingerprintOfHash(t.hash), portal: t.portal, addedAt: t.addedAt, label: t.label };
}
