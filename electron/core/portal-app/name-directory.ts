/**
 * Names beside the log (`names.json`): who a user id is and what a CRM type id is called, per portal.
 * The log keeps what the portal sent; names are joined when rows are read (`join`), so a missing or
 * stale name never blocks or alters a record. Filled from `user.get` (batched) and
 * `crm.enum.ownertype` by portal-apps.ts, refreshed daily.
 */
import path from 'node:path';
import { z } from 'zod';
import { DurableJsonFile } from '../store/durable-json-file.js';
import { describeError, silentLogger, type Logger } from '../util/logger.js';
import type { RestClient } from './rest-client.js';

export const NAMES_FILE = 'names.json';
const DAY_MS = 24 * 60 * 60 * 1000;

const portalSchema = z.object({
  users: z.record(z.string(), z.object({ name: z.string().max(300), at: z.number() })),
  types: z.record(z.string(), z.string().max(300)),
  typesAt: z.number(),
});
const fileSchema = z.object({ format: z.literal(1), portals: z.record(z.string(), portalSchema) });
type NamesFile = z.infer<typeof fileSchema>;
type PortalNames = z.infer<typeof portalSchema>;

/** What a read row gains: the names known for its ids (absent when unknown). */
export interface JoinedNames {
  userName?: string;
  entityTypeName?: string;
}

/** `NAME SECOND_NAME LAST_NAME` of a user.get row, or null. */
export function userDisplayName(row: unknown): string | null {
  if (!row || typeof row !== 'object') return null;
  const r = row as Record<string, unknown>;
  const parts = ['NAME', 'SECOND_NAME', 'LAST_NAME'].map((k) => (typeof r[k] === 'string' ? (r[k] as string).trim() : '')).filter(Boolean);
  const name = parts.join(' ').slice(0, 300);
  return name || null;
}

export class NameDirectory {
  private constructor(
    private data: NamesFile,
    private readonly file: DurableJsonFile<NamesFile>,
    private readonly log: Logger,
  ) {}

  static async open(dataDir: string, options: { fsync?: boolean; log?: Logger } = {}): Promise<NameDirectory> {
    const log = options.log ?? silentLogger;
    const file = new DurableJsonFile<NamesFile>(path.join(dataDir, NAMES_FILE), { fsync: options.fsync ?? true });
    let data: NamesFile = { format: 1, portals: {} };
    try {
      const parsed = fileSchema.safeParse(await file.read());
      if (parsed.success) data = parsed.data;
    } catch (error) {
      log.warn(`names unreadable (${describeError(error)}); they will be fetched again`);
    }
    return new NameDirectory(data, file, log);
  }

  private portal(domain: string): PortalNames {
    const existing = this.data.portals[domain];
    if (existing) return existing;
    const fresh: PortalNames = { users: {}, types: {}, typesAt: 0 };
    this.data.portals[domain] = fresh;
    return fresh;
  }

  /** Adds the known names to a row (a new object; the row itself is not touched). */
  join<T extends { portal: string; userId: number | null; entityTypeId: number }>(row: T): T & JoinedNames {
    const names = Object.hasOwn(this.data.portals, row.portal) ? this.data.portals[row.portal] : undefined;
    if (!names) return row;
    // An empty name is a user the portal did not return (deleted, or no access): remembered, not shown.
    const userName = row.userId !== null && Object.hasOwn(names.users, String(row.userId)) ? names.users[String(row.userId)]!.name || undefined : undefined;
    const entityTypeName = Object.hasOwn(names.types, String(row.entityTypeId)) ? names.types[String(row.entityTypeId)] : undefined;
    if (userName === undefined && entityTypeName === undefined) return row;
    return { ...row, ...(userName !== undefined && { userName }), ...(entityTypeName !== undefined && { entityTypeName }) };
  }

  /** Ids among `userIds` with no name, or one older than a day. */
  staleUsers(domain: string, userIds: Iterable<number>, now = Date.now()): number[] {
    const users = this.portal(domain).users;
    return [...new Set(userIds)].filter((id) => {
      const known = Object.hasOwn(users, String(id)) ? users[String(id)] : undefined;
      return !known || now - known.at > DAY_MS;
    });
  }

  /** Fetches the missing user names (50 to a batch) and, when stale, the type names. */
  async refresh(domain: string, rest: RestClient, userIds: Iterable<number>, now = Date.now()): Promise<void> {
    const names = this.portal(domain);
    const wanted = this.staleUsers(domain, userIds, now);
    for (let i = 0; i < wanted.length; i += 50) {
      const chunk = wanted.slice(i, i + 50);
      const answer = await rest.batch(Object.fromEntries(chunk.map((id) => [`u${id}`, ['user.get', { ID: id }]])));
      for (const id of chunk) {
        const rows = answer.result[`u${id}`];
        const name = Array.isArray(rows) ? userDisplayName(rows[0]) : null;
        if (name || !answer.errors[`u${id}`]) names.users[String(id)] = { name: name ?? '', at: now };
      }
    }
    if (now - names.typesAt > DAY_MS) {
      const { result } = await rest.call('crm.enum.ownertype');
      if (Array.isArray(result)) {
        for (const row of result as Record<string, unknown>[]) {
          const id = Number(row?.['ID']);
          if (Number.isSafeInteger(id) && id > 0 && typeof row['NAME'] === 'string') names.types[String(id)] = row['NAME'].slice(0, 300);
        }
        names.typesAt = now;
      }
    }
    await this.file.write(this.data);
  }

  /** Type names of every portal, by type id; where portals differ, the first one's. */
  typeNames(): Record<string, string> {
    const out: Record<string, string> = Object.create(null) as Record<string, string>;
    for (const names of Object.values(this.data.portals)) {
      for (const [id, name] of Object.entries(names.types)) if (!(id in out)) out[id] = name;
    }
    return out;
  }

  /** Drops a portal's names (uninstalled). */
  async forget(domain: string): Promise<void> {
    if (!Object.hasOwn(this.data.portals, domain)) return;
    delete this.data.portals[domain];
    await this.file.write(this.data).catch((error: unknown) => this.log.warn(`names not saved: ${describeError(error)}`));
  }
}
