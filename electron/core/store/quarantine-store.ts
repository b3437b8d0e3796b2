/**
 * Requests refused for an unknown or missing application token: the last `capacity`, redacted
 * (token hash only, never the token or OAuth tokens), so the user can trust the token later and move
 * the deletions they carried into the log.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { renameSync } from 'node:fs';
import { Low } from 'lowdb';
import type { QuarantineEntry } from '../contract.js';
import type { UnsequencedRecord } from '../events/deletion-record.js';
import { fingerprintOfHash } from '../tokens/token-registry.js';
import { describeError, silentLogger, type Logger } from '../util/logger.js';
import { DurableJsonFile } from './durable-json-file.js';

export interface QuarantinedRequest {
  entry: QuarantineEntry;
  /** SHA-256 of the token it carried, or null. */
  tokenHash: string | null;
  /** The deletion it reported, when it was a well-formed deletion. */
  record: UnsequencedRecord | null;
}

interface QuarantineFile {
  format: 1;
  requests: QuarantinedRequest[];
}

/** Bounded, debounced: a flood of refused requests costs one small write per interval. */
export class QuarantineStore {
  private saveTimer: NodeJS.Timeout | null = null;
  private saving: Promise<void> = Promise.resolve();

  private constructor(
    private readonly db: Low<QuarantineFile>,
    private readonly capacity: number,
    private readonly log: Logger,
  ) {}

  static async open(dataDir: string, options: { capacity?: number; fsync?: boolean; log?: Logger } = {}): Promise<QuarantineStore> {
    const log = options.log ?? silentLogger;
    const file = path.join(dataDir, 'quarantine.json');
    const db = new Low<QuarantineFile>(new DurableJsonFile(file, { fsync: options.fsync ?? true }), { format: 1, requests: [] });
    try {
      await db.read();
      if (!Array.isArray(db.data?.requests)) throw new Error('not a quarantine file');
    } catch (error) {
      const aside = `${file}.damaged-${Date.now()}`;
      try {
        renameSync(file, aside);
      } catch {
        /* nothing to move */
      }
      log.error(`quarantine unreadable (${describeError(error)}), moved to ${aside}`);
      db.data = { format: 1, requests: [] };
    }
    return new QuarantineStore(db, options.capacity ?? 200, log);
  }

  get entries(): QuarantineEntry[] {
    return this.db.data.requests.map((r) => r.entry).reverse();
  }

  /** Adds a refused request; the oldest falls out past capacity. */
  add(tokenHash: string | null, event: string, portal: string | null, record: UnsequencedRecord | null, receivedAt: number): QuarantineEntry {
    const entry: QuarantineEntry = {
      id: randomUUID(),
      receivedAt,
      portal,
      event,
      tokenFp: tokenHash ? fingerprintOfHash(tokenHash) : null,
      itemId: record?.itemId ?? null,
      entityTypeId: record?.entityTypeId ?? null,
    };
    const requests = this.db.data.requests;
    requests.push({ entry, tokenHash, record });
    if (requests.length > this.capacity) requests.splice(0, requests.length - this.capacity);
    this.scheduleSave();
    return entry;
  }

  find(id: string): QuarantinedRequest | undefined {
    return this.db.data.requests.find((r) => r.entry.id === id);
  }

  /** Removes and returns every request that carried this token hash. */
  async takeByToken(tokenHash: string): Promise<QuarantinedRequest[]> {
    const taken = this.db.data.requests.filter((r) => r.tokenHash === tokenHash);
    this.db.data.requests = this.db.data.requests.filter((r) => r.tokenHash !== tokenHash);
    await this.saveNow();
    return taken;
  }

  async clear(): Promise<void> {
    this.db.data.requests = [];
    await this.saveNow();
  }

  private scheduleSave(): void {
    if (this.saveTimer) return;
    this.saveTimer = setTimeout(() => void this.saveNow().catch(() => undefined), 250);
    this.saveTimer.unref();
  }

  /** Writes now (cancelling a scheduled write). */
  async saveNow(): Promise<void> {
    if (this.saveTimer) clearTimeout(this.saveTimer);
    this.saveTimer = null;
    this.saving = this.saving.then(() =>
      this.db.write().catch((error) => this.log.warn(`quarantine not saved: ${describeError(error)}`)),
    );
    await this.saving;
  }
}
